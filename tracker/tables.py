"""The database tables (SQLModel, `table=True`). Alembic owns the schema: see `tracker/migrations/`.

Timestamps are plain `datetime` annotations on purpose: SQLModel 0.0.50 maps them to its `UTCDateTime`
type, whose DDL is `DateTime(timezone=True)` (`TIMESTAMP WITH TIME ZONE` on PostgreSQL, `DATETIME` on
SQLite), which refuses naive values, and which returns zone-aware UTC on both back-ends. Spelling
`sa_type=DateTime(timezone=True)` would bypass that processing: SQLite would hand back naive values.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index
from sqlmodel import Field, SQLModel

# Named constraints, so that later migrations can drop or alter them (SQLite's batch mode needs names).
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class SnapshotRun(SQLModel, table=True):
    """One snapshot: a crawl of some ecosystems, recorded at one instant.

    Columns:
        id: the run's number, assigned by the database.
        taken_at: the instant the snapshot represents (zone-aware UTC; `--taken-at` may set it).
        started_at: when the crawl started (zone-aware UTC).
        finished_at: when it ended, complete or failed; None while running.
        status: `running` until the crawl ends, then `complete` or `failed`.
        ecosystems: the names of the ecosystems crawled, joined by `;`.
        strategy: how the Hub was crawled: `tree` or `scan`.
        requests: Hub API requests made so far (updated as the crawl goes).
        retries: requests retried so far (429s, 5xx, timeouts, ...).
        models: distinct models recorded in the run (set when the run ends).
        error: why the run failed (`interrupted` for a run found dead), else None.
        host: the host name of the process that ran it.
        pid: the process id that ran it.
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
        gated: "false", "auto" or "manual".
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
    gated: str = "false"
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
    """

    __tablename__ = "model_snapshot"
    __table_args__ = (Index("ix_model_snapshot_model_id_run_id", "model_id", "run_id"),)

    run_id: int = Field(primary_key=True, foreign_key="snapshot_run.id")
    model_id: str = Field(primary_key=True)
    downloads_30d: int | None = Field(default=None, sa_type=BigInteger)
    downloads_all_time: int | None = Field(default=None, sa_type=BigInteger)
    likes: int | None = None
    trending_score: int | None = None


class RunMembership(SQLModel, table=True):
    """A model's place in one ecosystem during one run (a model can belong to several ecosystems).

    Columns:
        run_id: the run (snapshot_run.id).
        ecosystem: the ecosystem's name, as in the ecosystems file.
        model_id: the Hub id.
        family: the family of the root at the end of the shortest path (`Other` when none matches).
        relation: `base` for roots, else the model's own relation to its parents.
        depth: the length of the shortest path of parent links to a root (roots: 0).
    """

    __tablename__ = "membership"
    __table_args__ = (Index("ix_membership_ecosystem_run_id", "ecosystem", "run_id"),)

    run_id: int = Field(primary_key=True, foreign_key="snapshot_run.id")
    ecosystem: str = Field(primary_key=True)
    model_id: str = Field(primary_key=True)
    family: str
    relation: str
    depth: int


class RunEdge(SQLModel, table=True):
    """A declared parent link seen in one run (the parent tracked or not; never a self-link).

    Columns:
        run_id: the run (snapshot_run.id).
        child_id: the model declaring the parent.
        parent_id: the declared base, by its current id.
        relation: finetune, adapter, quantized or merge.
    """

    __tablename__ = "run_edge"

    run_id: int = Field(primary_key=True, foreign_key="snapshot_run.id")
    child_id: str = Field(primary_key=True)
    parent_id: str = Field(primary_key=True)
    relation: str
