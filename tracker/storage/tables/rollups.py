"""The roll-ups a complete run gets (`tracker.storage.rollups` writes them): the members' figures summed
by group, each provider's and each builder's members, the movers boards.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Float
from sqlmodel import Field, SQLModel

import tracker.storage.tables.naming  # noqa: F401 - names the constraints of the tables below


class Rollup(SQLModel, table=True):
    """Per complete run and ecosystem, the members' figures summed by family, relation, licence, format
    and size class.

    Written when the run completes (`tracker.storage.rollups`), so the dashboard's series read a few hundred
    rows per run instead of every model's. Roots are the rows with relation `base`.

    Columns:
        run_id, ecosystem, family, relation: as in `membership`.
        license: the model's licence tag, `none` when it declares none.
        format: a quantization's format from tags and library (`tracker.read.metrics.quant_format`); empty for
            the other relations.
        size_class: the members' effective size class (`tracker.core.usage.SIZE_CLASSES`): their own parameter
            count's, an adapter's or quantization's its parent's
            (`tracker.core.usage.effective_size_classes`).
        models: members in the group.
        new: members not in the ecosystem's previous complete run; None for its first run.
        downloads_30d: sum of the 30-day downloads.
        downloads_delta: sum of the members' all-time deltas; None when no member has one.
        with_delta: members with a delta.
        negative_deltas: members whose delta is negative (the Hub revised its count down).
        negative_sum: sum of those negative deltas.
        weeks: weeks since the ecosystem's previous complete run; None for its first run.
        with_providers: members whose live inference providers the run recorded (None is not zero).
        live_models: members served live by at least one provider.
        provider_pairs: (member, provider) pairs serving live: the members' provider counts, summed.
    """

    __tablename__ = "rollup"

    run_id: int = Field(primary_key=True, foreign_key="snapshot_run.id")
    ecosystem: str = Field(primary_key=True)
    family: str = Field(primary_key=True)
    relation: str = Field(primary_key=True)
    license: str = Field(primary_key=True)
    format: str = Field(primary_key=True)
    size_class: str = Field(primary_key=True, default="unknown")
    models: int
    new: int | None = None
    downloads_30d: int = Field(default=0, sa_type=BigInteger)
    downloads_delta: int | None = Field(default=None, sa_type=BigInteger)
    with_delta: int = 0
    negative_deltas: int = 0
    negative_sum: int = Field(default=0, sa_type=BigInteger)
    weeks: float | None = Field(default=None, sa_type=Float)
    with_providers: int = 0
    live_models: int = 0
    provider_pairs: int = 0


class RollupProvider(SQLModel, table=True):
    """Per complete run and ecosystem, each inference provider's live members by family and relation.

    Columns:
        run_id, ecosystem, family, relation: as in `membership` (roots too: relation `base`).
        provider: the provider's name, as the Hub's `inferenceProviderMapping` gives it.
        models: members it serves live.
    """

    __tablename__ = "rollup_provider"

    run_id: int = Field(primary_key=True, foreign_key="snapshot_run.id")
    ecosystem: str = Field(primary_key=True)
    family: str = Field(primary_key=True)
    relation: str = Field(primary_key=True)
    provider: str = Field(primary_key=True)
    models: int


class RollupBuilder(SQLModel, table=True):
    """Per complete run and ecosystem, each builder's derivatives by family and relation.

    Columns:
        run_id, ecosystem, family, relation: as in `membership` (derivatives only: no `base`); family and
            relation `*` on the row that sums all of the builder's derivatives in the ecosystem.
        author: the builder (the model's namespace).
        derivatives: the builder's derivatives in the group.
        downloads_30d: their 30-day downloads, summed.
        weekly_downloads: their weekly downloads (each model's delta over the weeks since the previous
            run, rounded), summed; None when none has a delta.
    """

    __tablename__ = "rollup_builder"

    run_id: int = Field(primary_key=True, foreign_key="snapshot_run.id")
    ecosystem: str = Field(primary_key=True)
    family: str = Field(primary_key=True)
    relation: str = Field(primary_key=True)
    author: str = Field(primary_key=True)
    derivatives: int
    downloads_30d: int = Field(default=0, sa_type=BigInteger)
    weekly_downloads: int | None = Field(default=None, sa_type=BigInteger)


class RollupMover(SQLModel, table=True):
    """Per complete run, ecosystem, family and relation: the top of each movers board.

    The top n of any union of groups is within the union of each group's top n, so keeping the first
    `tracker.core.rollup_rows.BOARD_SIZE` of every group answers any filter exactly for n up to that size.

    Columns:
        run_id, ecosystem, family, relation: as in `membership` (derivatives only).
        board: `risers` (change, largest first), `fallers` (change, smallest first), `relative`
            (relative change, largest first, among models with 100 weekly downloads or more before) or
            `top` (weekly downloads, largest first).
        rank: 1 for the first of the group's board; ties are broken by model id.
        model_id, author: the model.
        weekly_downloads: its weekly downloads in this run.
        weekly_downloads_before: its weekly downloads in the ecosystem's previous run.
        change: weekly_downloads minus weekly_downloads_before.
        relative_change: change over weekly_downloads_before.
    """

    __tablename__ = "rollup_mover"

    run_id: int = Field(primary_key=True, foreign_key="snapshot_run.id")
    ecosystem: str = Field(primary_key=True)
    family: str = Field(primary_key=True)
    relation: str = Field(primary_key=True)
    board: str = Field(primary_key=True)
    rank: int = Field(primary_key=True)
    model_id: str
    author: str | None = None
    weekly_downloads: int | None = Field(default=None, sa_type=BigInteger)
    weekly_downloads_before: int | None = Field(default=None, sa_type=BigInteger)
    change: int | None = Field(default=None, sa_type=BigInteger)
    relative_change: float | None = Field(default=None, sa_type=Float)
