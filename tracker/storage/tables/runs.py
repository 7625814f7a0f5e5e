"""The runs and what each records: the run itself, the models' descriptions and figures, their places in
the ecosystems, the declared parent links, the children counted by relation (see `tracker.storage.tables`
for timestamps).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, text
from sqlmodel import Field, SQLModel

import tracker.storage.tables.naming  # noqa: F401 - names the constraints of the tables below


class SnapshotRun(SQLModel, table=True):
    """One snapshot: a crawl of some ecosystems, recorded at one instant.

    Columns:
        id: the run's number, assigned by the database.
        taken_at: the instant the snapshot represents (zone-aware UTC; `--taken-at` may set it).
        started_at: when the crawl started (zone-aware UTC).
        finished_at: when it ended, complete or failed; None while running.
        status: `running` until the crawl ends, then `complete` or `failed`.
        ecosystems: the names of the ecosystems crawled, joined by `;`.
        strategy: how the Hub was read: `tree` or `scan` (live snapshots), `archive` (a backfilled run,
            from one file of the Hub's weekly archive).
        requests: Hub API requests made so far (updated as the crawl goes).
        retries: requests retried so far (429s, 5xx, timeouts, ...).
        models: distinct models recorded in the run (set when the run ends).
        error: why the run failed (`interrupted` for a run found dead), else None.
        host: the host name of the process that ran it.
        pid: the process id that ran it.
        rolled_up_at: when the run's stored deltas and roll-ups were last written (zone-aware UTC);
            None until then (see `tracker.storage.rollups`).
        endpoint: the Hub's base URL the run crawled (without credentials); None for older runs.
        listing_refuses: the crawl's `expand` values this Hub's listings refuse, joined by `;` (empty:
            none); None when the run made no listing. Learned from a 400, or from an earlier run.
        listing_checked_at: when a listing last answered for those values themselves (a 400, or a 200
            with them asked), zone-aware UTC; runs within `tracker.run.snapshot.RULES_MEMORY` of it ask
            the right set at once, later ones ask again.
        source: where the run's data came from: `hub` for a live snapshot; for a backfilled run, the
            archive file as `repo@revision:path` (revision: the archive's commit).
        hub_models, hub_derivatives, hub_new_derivatives: the whole-Hub view's totals (models listed,
            listed models with a path to some base, those not derivatives in the previous run with the
            view); None for a run without the view (a tree), and the last one None in the first such run.
    """

    __tablename__ = "snapshot_run"

    id: int | None = Field(default=None, primary_key=True)
    taken_at: datetime = Field(index=True)
    started_at: datetime
    finished_at: datetime | None = None
    status: str = Field(index=True)
    ecosystems: str
    strategy: str
    requests: int = 0
    retries: int = 0
    models: int = 0
    error: str | None = None
    host: str
    pid: int
    rolled_up_at: datetime | None = None
    endpoint: str | None = None
    listing_refuses: str | None = None
    listing_checked_at: datetime | None = None
    source: str = Field(default="hub", sa_column_kwargs={"server_default": "hub"})
    hub_models: int | None = None
    hub_derivatives: int | None = None
    hub_new_derivatives: int | None = None


class ChildCount(SQLModel, table=True):
    """A model's direct children by relation, where the Hub gave them so (a root's `model_info`).

    Columns:
        run_id: the run (snapshot_run.id).
        model_id: the Hub id.
        relation: finetune, adapter, quantized or merge, as the Hub names it.
        children: the Hub's count of direct children of that relation.
    """

    __tablename__ = "child_count"

    run_id: int = Field(primary_key=True, foreign_key="snapshot_run.id")
    model_id: str = Field(primary_key=True)
    relation: str = Field(primary_key=True)
    children: int


class ModelRecord(SQLModel, table=True):
    """A model's descriptive fields, as the latest run that saw it recorded them.

    Columns:
        model_id: the Hub id (`namespace/name`), current after renames.
        hub_oid: the Hub's stable `_id`, which survives renames.
        author: the namespace.
        created_at: when the repository was created (zone-aware UTC), when the Hub says.
        last_modified: the last commit's time (zone-aware UTC), when the Hub says.
        pipeline_tag: the task, as the Hub gives it.
        library_name: the library, as the Hub gives it.
        license: the value of the `license:` tag.
        gated: "false", "auto" or "manual"; None where the source did not say (the weekly archive).
        tags: every tag, a JSON list.
        updated_run_id: the run that last wrote this row.
    """

    __tablename__ = "model"

    model_id: str = Field(primary_key=True)
    hub_oid: str | None = Field(default=None, index=True)
    author: str | None = None
    created_at: datetime | None = None
    last_modified: datetime | None = None
    pipeline_tag: str | None = None
    library_name: str | None = None
    license: str | None = None
    gated: str | None = "false"
    tags: str = "[]"
    updated_run_id: int


class ModelSnapshot(SQLModel, table=True):
    """A model's figures in one run.

    Columns:
        run_id: the run (snapshot_run.id).
        model_id: the Hub id.
        downloads_30d: downloads over the trailing 30 days, as the Hub counts them (`downloads`).
        downloads_all_time: cumulative downloads (`downloadsAllTime`); weekly downloads are its deltas.
        likes: the Hub's like count.
        trending_score: the Hub's trending score.
        parameters: the parameter count the Hub's `safetensors` or `gguf` gave (an estimate, see
            `tracker.core.usage`); None when it gave neither.
        live_providers: how many inference providers served the model live; None where the source
            does not say (a backfilled run: the archive has no provider mapping).
        providers: their names, sorted, joined by `;` (empty: none); None where the source does not say.
    """

    __tablename__ = "model_snapshot"
    __table_args__ = (Index("ix_model_snapshot_model_id_run_id", "model_id", "run_id"),)

    run_id: int = Field(primary_key=True, foreign_key="snapshot_run.id")
    model_id: str = Field(primary_key=True)
    downloads_30d: int | None = Field(default=None, sa_type=BigInteger)
    downloads_all_time: int | None = Field(default=None, sa_type=BigInteger)
    likes: int | None = None
    trending_score: int | None = None
    parameters: int | None = Field(default=None, sa_type=BigInteger)
    live_providers: int | None = None
    providers: str | None = None


class RunMembership(SQLModel, table=True):
    """A model's place in one ecosystem during one run (a model can belong to several ecosystems).

    Columns:
        run_id: the run (snapshot_run.id).
        ecosystem: the ecosystem's name, as in the ecosystems file.
        model_id: the Hub id.
        family: the family of the root at the end of the shortest path (`Other` when none matches).
        relation: `base` for roots, else the model's own relation to its parents.
        depth: the length of the shortest path of parent links to a root (roots: 0).
        downloads_delta: `downloads_all_time` minus its value in the ecosystem's previous complete run,
            when the model was a member then; written when the run completes (see `tracker.storage.rollups`).
    """

    __tablename__ = "membership"
    __table_args__ = (
        Index("ix_membership_ecosystem_run_id", "ecosystem", "run_id"),
        # A model's rows by id (the lineage explorer, a model's history): the key leads with the ecosystem.
        Index("ix_membership_model_id_run_id", "model_id", "run_id"),
        # The roots of every run (relative adoption), a few hundred among millions of rows. Queries must
        # spell `depth = 0` as a literal for SQLite to use it; `depth` leads so that its planner does,
        # whatever its sampled statistics say.
        Index(
            "ix_membership_roots",
            "depth",
            "run_id",
            "ecosystem",
            "model_id",
            sqlite_where=text("depth = 0"),
            postgresql_where=text("depth = 0"),
        ),
    )

    run_id: int = Field(primary_key=True, foreign_key="snapshot_run.id")
    ecosystem: str = Field(primary_key=True)
    model_id: str = Field(primary_key=True)
    family: str
    relation: str
    depth: int
    downloads_delta: int | None = Field(default=None, sa_type=BigInteger)


class RunEdge(SQLModel, table=True):
    """A declared parent link seen in one run (the parent tracked or not; never a self-link).

    Columns:
        run_id: the run (snapshot_run.id).
        child_id: the model declaring the parent.
        parent_id: the declared base, by its current id.
        relation: finetune, adapter, quantized or merge.
    """

    __tablename__ = "run_edge"
    # The lineage explorer walks down from a parent; declared ids differ in case from the Hub's.
    __table_args__ = (Index("ix_run_edge_run_id_parent", "run_id", text("lower(parent_id)")),)

    run_id: int = Field(primary_key=True, foreign_key="snapshot_run.id")
    child_id: str = Field(primary_key=True)
    parent_id: str = Field(primary_key=True)
    relation: str
