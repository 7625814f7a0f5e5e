"""The whole-Hub view (`tracker.storage.hub_view` writes it): per run that read the whole Hub (a scan, an
archive file), one row per base, one per group of bases (an ecosystem, an organisation, a region), and
the run's (base, derivative) pairs as one compressed value (`tracker.core.forest_sets`). Never a row per
Hub model: the model-level history stays for the tracked ecosystems. The Hub-wide totals are columns of
`snapshot_run` (`hub_models`, `hub_derivatives`, `hub_new_derivatives`).
"""

from __future__ import annotations

from sqlalchemy import BigInteger, LargeBinary
from sqlmodel import Field, SQLModel

import tracker.storage.tables.naming  # noqa: F401 - names the constraints of the tables below


class HubBase(SQLModel, table=True):
    """A base of the whole Hub in one run (DESIGN.md, "The whole Hub").

    Columns:
        run_id: the run (snapshot_run.id).
        base_id: the base's Hub id.
        position: the base's place in the run's stored pairs (`hub_pairs`): bases in that order own
            consecutive runs of `derivatives` pairs.
        hub_oid: the Hub's `_id` of the base (a rename keeps it: the same base under a new id is not a
            new base, nor are its derivatives new); None when the source did not give it.
        author: the id's namespace.
        organisation, region: the namespace's, from the run's organisations file (a namespace not in it
            is its own organisation, region `unknown`).
        derivatives: listed models with a path of declared parent links to the base, each once.
        new_derivatives: those not its derivatives in the previous run with the view (by `taken_at`);
            None in the first such run.
        finetunes, adapters, quantizations, merges: its derivatives by their own relation.
        downloads_30d, downloads_all_time: the base's own, as the Hub gave them (None: not given).
        derivative_downloads_30d: its derivatives' 30-day downloads summed, each once.
        ecosystems: the run's tracked ecosystems whose roots include the base, joined by `;`.
    """

    __tablename__ = "hub_base"

    run_id: int = Field(primary_key=True, foreign_key="snapshot_run.id")
    base_id: str = Field(primary_key=True)
    position: int
    hub_oid: str | None = None
    author: str
    organisation: str
    region: str
    derivatives: int
    new_derivatives: int | None = None
    finetunes: int
    adapters: int
    quantizations: int
    merges: int
    downloads_30d: int | None = Field(default=None, sa_type=BigInteger)
    downloads_all_time: int | None = Field(default=None, sa_type=BigInteger)
    derivative_downloads_30d: int = Field(sa_type=BigInteger)
    ecosystems: str = ""


class HubGroup(SQLModel, table=True):
    """A group of bases in one run: each derivative counted once in the group, however many of its bases
    it descends from (a merge of two Llama families is one Llama derivative).

    Columns:
        run_id: the run.
        kind: `ecosystem`, `organisation` or `region`.
        name: the ecosystem's name, the organisation's, the region.
        bases: the group's bases.
        derivatives, finetunes, adapters, quantizations, merges, derivative_downloads_30d: as for a base.
        new_derivatives, new_finetunes, new_adapters, new_quantizations, new_merges: derivatives the group's
            bases did not have between them in the previous run with the view; None in the first.
    """

    __tablename__ = "hub_group"

    run_id: int = Field(primary_key=True, foreign_key="snapshot_run.id")
    kind: str = Field(primary_key=True)
    name: str = Field(primary_key=True)
    bases: int
    derivatives: int
    finetunes: int
    adapters: int
    quantizations: int
    merges: int
    derivative_downloads_30d: int = Field(sa_type=BigInteger)
    new_derivatives: int | None = None
    new_finetunes: int | None = None
    new_adapters: int | None = None
    new_quantizations: int | None = None
    new_merges: int | None = None


class HubPairs(SQLModel, table=True):
    """A run's (base, derivative) pairs, as `tracker.core.forest_sets.encode` wrote them (about 9 bytes a
    pair before compression), for the next run's new derivatives.

    Columns:
        run_id: the run.
        pairs: the compressed value.
    """

    __tablename__ = "hub_pairs"

    run_id: int = Field(primary_key=True, foreign_key="snapshot_run.id")
    pairs: bytes = Field(sa_type=LargeBinary)
