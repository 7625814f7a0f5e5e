"""The only module that writes snapshot data: runs, save_* and load_*.

The save_* functions never commit: the snapshot decides when a batch is durable. Functions that
commit say so. Engines, migrations and the snapshot lock are in `tracker.storage.database`.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import re
import socket
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from operator import itemgetter
from typing import Any, Literal

from sqlalchemy import func
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlmodel import Session, SQLModel, col, select

from tracker.core.records import STRATEGIES, Edge, Forest, Membership, Observation
from tracker.storage.database import StoreError
from tracker.storage.tables import ChildCount, ModelRecord, ModelSnapshot, RunEdge, RunMembership, SnapshotRun

logger = logging.getLogger("tracker.store")  # kept: operators filter on it

# One encoder for every row: json.dumps(..., ensure_ascii=False) would build a new one per call.
_tags_json = json.JSONEncoder(ensure_ascii=False).encode
_PYFORMAT = re.compile(r"%\((\w+)\)s")  # a named placeholder of the `pyformat` style (psycopg)


def _aware(name: str, value: datetime | None) -> None:
    """Refuse naive timestamps early, with the parameter's name."""
    if value is not None and value.utcoffset() is None:
        raise ValueError(f"{name} must be zone-aware (UTC), got naive {value.isoformat()}")


def _check_strategy(strategy: str) -> None:
    """Refuse a strategy other than `tree`, `scan` or `archive`."""
    if strategy not in STRATEGIES:
        raise ValueError(f"strategy must be one of {', '.join(STRATEGIES)}, not {strategy!r}")


def close_interrupted_runs(session: Session, *, now: datetime) -> list[int]:
    """Mark every `running` run `failed` (error `interrupted`); call it holding the lock. Commits."""
    _aware("now", now)
    runs = session.exec(select(SnapshotRun).where(SnapshotRun.status == "running").order_by(SnapshotRun.id))
    closed = []
    for run in runs.all():
        run.status, run.error, run.finished_at = "failed", "interrupted", now
        session.add(run)
        closed.append(run.id)
    session.commit()
    if closed:
        logger.debug("marked interrupted runs as failed: %s", ", ".join(map(str, closed)))
    return closed


def begin_run(
    session: Session,
    *,
    taken_at: datetime,
    started_at: datetime,
    ecosystems: Sequence[str],
    strategy: str,
    endpoint: str | None = None,
    source: str = "hub",
) -> int:
    """Record a new `running` run by this process; return its id. Commits.

    `source`: `hub` for a live snapshot, else the archive file the run is read from."""
    _aware("taken_at", taken_at)
    _aware("started_at", started_at)
    _check_strategy(strategy)
    run = SnapshotRun(
        taken_at=taken_at,
        started_at=started_at,
        status="running",
        ecosystems=";".join(ecosystems),
        strategy=strategy,
        endpoint=endpoint,
        source=source,
        host=socket.gethostname(),
        pid=os.getpid(),
    )
    session.add(run)
    session.commit()
    assert run.id is not None  # assigned by the database on commit
    return run.id


@dataclass(frozen=True, slots=True)
class _UpsertPlan:
    """A compiled upsert, and how to turn rows (tuples in the caller's column order) into its parameters.

    Fields:
        sql: the dialect's `INSERT ... ON CONFLICT (key) DO UPDATE SET <every other column>`.
        key: the positions of the primary key's columns in a row.
        order: the row positions in the order of the statement's parameters; None when they match.
        processors: (parameter position, the column type's bind processing), for the columns that have
            any (SQLModel's UTCDateTime: refuse naive values, store UTC).
        names: the parameters' names when the driver wants dicts; None when it wants tuples.
    """

    sql: str
    key: tuple[int, ...]
    order: tuple[int, ...] | None
    processors: tuple[tuple[int, Callable[[Any], Any]], ...]
    names: tuple[str, ...] | None


@functools.lru_cache(maxsize=64)
def _upsert_plan(dialect: Dialect, model: type[SQLModel], columns: tuple[str, ...]) -> _UpsertPlan:
    """Build and compile the upsert of these columns once per dialect."""
    table = SQLModel.metadata.tables[model.__tablename__]  # type: ignore[attr-defined]
    keys = [column.name for column in table.primary_key.columns]
    insert = postgresql.insert(table) if dialect.name == "postgresql" else sqlite.insert(table)
    statement = insert.on_conflict_do_update(
        index_elements=keys, set_={name: insert.excluded[name] for name in columns if name not in keys}
    )
    compiled = statement.compile(dialect=dialect, column_keys=list(columns))
    sql, names = compiled.string, None
    if compiled.positional:
        params = tuple(compiled.positiontup or ())
    elif dialect.paramstyle == "pyformat":
        # psycopg checks and reorders a dict per row against the query's names: a fifth of its executemany
        # time. Tuples against `%s` placeholders (the same statement) skip that.
        found: list[str] = []
        sql = _PYFORMAT.sub(lambda m: found.append(m.group(1)) or "%s", sql)
        params = tuple(found)
    else:
        params = names = columns
    order = tuple(columns.index(name) for name in params)
    processors = [
        (position, table.c[name].type.dialect_impl(dialect).bind_processor(dialect))
        for position, name in enumerate(params)
    ]
    return _UpsertPlan(
        sql=sql,
        key=tuple(columns.index(name) for name in keys),
        order=None if order == tuple(range(len(columns))) else order,
        processors=tuple((position, process) for position, process in processors if process is not None),
        names=names,
    )


def _upsert(
    session: Session, model: type[SQLModel], columns: tuple[str, ...], rows: Iterable[tuple[Any, ...]]
) -> None:
    """Insert rows, or update every non-key column of the rows already there: one executemany."""
    plan = _upsert_plan(session.get_bind().dialect, model, columns)
    # A key twice in one statement is an error on PostgreSQL (ON CONFLICT cannot touch a row twice):
    # keep the last, as a later upsert would.
    key_of = itemgetter(*plan.key)
    params: list[Any] = list({key_of(row): row for row in rows}.values())
    if not params:
        return
    # The statement is compiled once and the types' bind processing applied here, only where there is
    # any: SQLAlchemy's per-row parameter handling costs more than SQLite's executemany itself (issue #7).
    if plan.order is not None:
        reorder = itemgetter(*plan.order)
        params = [reorder(row) for row in params]
    if plan.processors:
        params = [_processed(row, plan.processors) for row in params]
    if plan.names is not None:
        params = [dict(zip(plan.names, row, strict=True)) for row in params]
    session.connection().exec_driver_sql(plan.sql, params)


def _processed(
    row: tuple[Any, ...], processors: tuple[tuple[int, Callable[[Any], Any]], ...]
) -> tuple[Any, ...]:
    """The row with the bind processing applied where the plan says."""
    values = list(row)
    for position, process in processors:
        values[position] = process(values[position])
    return tuple(values)


_MODEL_COLUMNS = (
    "model_id",
    "hub_oid",
    "author",
    "created_at",
    "last_modified",
    "pipeline_tag",
    "library_name",
    "license",
    "gated",
    "tags",
    "updated_run_id",
)
_SNAPSHOT_COLUMNS = (
    "run_id",
    "model_id",
    "downloads_30d",
    "downloads_all_time",
    "likes",
    "trending_score",
    "parameters",
    "live_providers",
    "providers",
)
_MEMBERSHIP_COLUMNS = ("run_id", "ecosystem", "model_id", "family", "relation", "depth")
_EDGE_COLUMNS = ("run_id", "child_id", "parent_id", "relation")


def _described_later(session: Session, model_ids: Sequence[str], taken_at: datetime) -> set[str]:
    """The ids among these whose description was written by a run taken after `taken_at`."""
    newer: set[str] = set()
    for start in range(0, len(model_ids), 500):
        query = (
            select(ModelRecord.model_id)
            .join(SnapshotRun, col(SnapshotRun.id) == col(ModelRecord.updated_run_id))
            .where(
                col(ModelRecord.model_id).in_(model_ids[start : start + 500]),
                SnapshotRun.taken_at > taken_at,
            )
        )
        newer.update(session.exec(query).all())
    return newer


def save_observations(
    session: Session, run_id: int, observations: Sequence[Observation], *, taken_at: datetime | None = None
) -> None:
    """Upsert the models' descriptions (latest values win), their figures in this run and, where the Hub
    gave them, their children by relation. No commit.

    `taken_at`: the run's instant, for a run that may be older than others (a backfill): a description
    written by a later run is kept, not replaced by this older one."""
    if taken_at is not None:
        newer = _described_later(session, [o.model_id for o in observations], taken_at)
        described = [o for o in observations if o.model_id not in newer]
    else:
        described = list(observations)
    models = [
        (
            o.model_id,
            o.hub_oid,
            o.author,
            o.created_at,
            o.last_modified,
            o.pipeline_tag,
            o.library_name,
            o.license,
            None if o.gated is None else str(o.gated),
            _tags_json(o.tags),
            run_id,
        )
        for o in described
    ]
    _upsert(session, ModelRecord, _MODEL_COLUMNS, models)
    figures = [
        (
            run_id,
            o.model_id,
            o.downloads_30d,
            o.downloads_all_time,
            o.likes,
            o.trending_score,
            o.parameters,
            None if o.live_providers is None else len(o.live_providers),
            None if o.live_providers is None else ";".join(o.live_providers),
        )
        for o in observations
    ]
    _upsert(session, ModelSnapshot, _SNAPSHOT_COLUMNS, figures)
    # Counts by relation, where the Hub gave them so (the roots, looked up by id).
    counts = [
        (run_id, o.model_id, relation, n)
        for o in observations
        for relation, n in o.children_by_relation or ()
    ]
    _upsert(session, ChildCount, ("run_id", "model_id", "relation", "children"), counts)


def save_memberships(session: Session, run_id: int, memberships: Sequence[Membership]) -> None:
    """Upsert the models' places in their ecosystems in this run. No commit."""
    rows = [(run_id, m.ecosystem, m.model_id, m.family, m.relation, m.depth) for m in memberships]
    _upsert(session, RunMembership, _MEMBERSHIP_COLUMNS, rows)


def save_edges(session: Session, run_id: int, edges: Sequence[Edge]) -> None:
    """Upsert the declared parent links seen in this run. No commit."""
    rows = [(run_id, e.child_id, e.parent_id, e.relation) for e in edges]
    _upsert(session, RunEdge, _EDGE_COLUMNS, rows)


def _run(session: Session, run_id: int) -> SnapshotRun:
    """The run with this id; StoreError when there is none."""
    run = session.get(SnapshotRun, run_id)
    if run is None:
        raise StoreError(f"no snapshot run {run_id} in this database")
    return run


def update_run_counters(session: Session, run_id: int, *, requests: int, retries: int) -> None:
    """Record the run's progress so far (Hub requests, retries). Commits, with any batch pending."""
    run = _run(session, run_id)
    run.requests, run.retries = requests, retries
    session.add(run)
    session.commit()


def finish_run(
    session: Session,
    run_id: int,
    *,
    status: Literal["complete", "failed"],
    finished_at: datetime,
    requests: int,
    retries: int,
    error: str | None = None,
    listing_refuses: Iterable[str] | None = None,
    listing_checked_at: datetime | None = None,
) -> None:
    """End the run: its status, counters, error and number of distinct models recorded. Commits.

    `listing_refuses`: the `expand` values the Hub's listings refuse, as the run knows them (None: the
    run made no listing); `listing_checked_at`: when a listing last answered for them.

    A complete run then gets its stored deltas and roll-ups (`tracker.storage.rollups`), in their own
    transaction.
    """
    if status not in ("complete", "failed"):
        raise ValueError(f"status must be 'complete' or 'failed', not {status!r}")
    _aware("finished_at", finished_at)
    run = _run(session, run_id)
    # (run_id, model_id) is the key of model_snapshot: counting its rows counts distinct models.
    models = session.exec(
        select(func.count()).select_from(ModelSnapshot).where(ModelSnapshot.run_id == run_id)
    ).one()
    run.status, run.finished_at, run.error = status, finished_at, error
    run.requests, run.retries, run.models = requests, retries, models
    if listing_refuses is not None:
        _aware("listing_checked_at", listing_checked_at)
        run.listing_refuses = ";".join(sorted(listing_refuses))
        run.listing_checked_at = listing_checked_at
    session.add(run)
    session.commit()
    if status == "complete":
        _roll_up(session, run_id)


def _roll_up(session: Session, run_id: int) -> None:
    """Write the completed run's deltas and roll-ups; a failure leaves them for `rollups.backfill`."""
    from tracker.storage import rollups  # pandas: imported only when a run completes

    try:
        rollups.refresh(session.get_bind(), run_id)  # type: ignore[arg-type]
    except Exception:
        logger.exception("could not write the roll-ups of run %d; the next snapshot writes them", run_id)


def load_runs(session: Session, *, limit: int | None = None) -> list[SnapshotRun]:
    """Every run, whatever its status, newest first (by taken_at, then id)."""
    query = select(SnapshotRun).order_by(col(SnapshotRun.taken_at).desc(), col(SnapshotRun.id).desc())
    return list(session.exec(query.limit(limit)).all())


def load_last_complete_run(
    session: Session, *, ecosystems: Sequence[str] | None = None, endpoint: str | None = None
) -> SnapshotRun | None:
    """The complete run with the latest taken_at; with `ecosystems`, among runs of exactly that set; with
    `endpoint`, among runs of that endpoint (or of an unrecorded one, from before runs recorded it)."""
    query = (
        select(SnapshotRun)
        .where(SnapshotRun.status == "complete")
        .order_by(col(SnapshotRun.taken_at).desc(), col(SnapshotRun.id).desc())
    )
    wanted = None if ecosystems is None else set(ecosystems)
    for run in session.exec(query):
        if endpoint is not None and run.endpoint not in (None, endpoint):
            continue
        if wanted is None or set(filter(None, run.ecosystems.split(";"))) == wanted:
            return run
    return None


@dataclass(frozen=True)
class ListingMemory:
    """What an earlier run learned of an endpoint's listings: the values refused, and when it was checked."""

    run_id: int
    refuses: frozenset[str]
    checked_at: datetime


def load_listing_memory(session: Session, endpoint: str, *, checked_since: datetime) -> ListingMemory | None:
    """The rules of this endpoint's listings as the latest run that made a listing there recorded them;
    None when none did, or when they were last checked before `checked_since` (then ask them again)."""
    query = (
        select(SnapshotRun)
        .where(SnapshotRun.endpoint == endpoint, col(SnapshotRun.listing_refuses).is_not(None))
        .order_by(col(SnapshotRun.id).desc())
        .limit(1)
    )
    run = session.exec(query).first()
    if run is None or run.listing_checked_at is None or run.listing_checked_at < checked_since:
        return None
    assert run.id is not None
    return ListingMemory(
        run.id, frozenset(filter(None, (run.listing_refuses or "").split(";"))), run.listing_checked_at
    )


def load_last_scan(session: Session, endpoint: str) -> SnapshotRun | None:
    """This endpoint's latest complete scan, whatever its ecosystems (a scan costs the same for any)."""
    query = (
        select(SnapshotRun)
        .where(
            SnapshotRun.status == "complete", SnapshotRun.strategy == "scan", SnapshotRun.endpoint == endpoint
        )
        .order_by(col(SnapshotRun.started_at).desc(), col(SnapshotRun.id).desc())
        .limit(1)
    )
    return session.exec(query).first()


def load_forest(session: Session, run_id: int) -> Forest:
    """The run's forest: members by lower-case id (in two ecosystems: once), children from its edges."""
    members = (
        select(func.lower(RunMembership.model_id).label("key"), func.min(RunMembership.depth).label("depth"))
        .where(RunMembership.run_id == run_id)
        .group_by(func.lower(RunMembership.model_id))
        .subquery()
    )
    kids = (
        select(func.lower(RunEdge.parent_id).label("key"), func.count().label("children"))
        .where(RunEdge.run_id == run_id)
        .group_by(func.lower(RunEdge.parent_id))
        .subquery()
    )
    rows = session.exec(
        select(members.c.depth, func.coalesce(kids.c.children, 0)).join(
            kids, kids.c.key == members.c.key, isouter=True
        )
    ).all()
    roots = tuple(int(n) for depth, n in rows if depth == 0)
    others = [int(n) for depth, n in rows if depth > 0]
    return Forest(run_id, roots, tuple(n for n in others if n > 0), len(others))


def load_run_members(session: Session, run_id: int) -> list[tuple[RunMembership, ModelSnapshot | None]]:
    """The run's memberships with the member's figures in that run, by ecosystem then model id."""
    query = (
        select(RunMembership, ModelSnapshot)
        .join(
            ModelSnapshot,
            (col(ModelSnapshot.run_id) == col(RunMembership.run_id))
            & (col(ModelSnapshot.model_id) == col(RunMembership.model_id)),
            isouter=True,
        )
        .where(RunMembership.run_id == run_id)
        .order_by(RunMembership.ecosystem, RunMembership.model_id)
    )
    return [(member, figures) for member, figures in session.exec(query).all()]


def load_run_snapshots(session: Session, run_id: int) -> list[ModelSnapshot]:
    """The figures of every model recorded in the run, by model id."""
    query = select(ModelSnapshot).where(ModelSnapshot.run_id == run_id).order_by(ModelSnapshot.model_id)
    return list(session.exec(query).all())


def load_run_edges(session: Session, run_id: int) -> list[RunEdge]:
    """The parent links seen in the run, by child then parent."""
    query = select(RunEdge).where(RunEdge.run_id == run_id).order_by(RunEdge.child_id, RunEdge.parent_id)
    return list(session.exec(query).all())


def set_run_strategy(session: Session, run_id: int, strategy: str) -> None:
    """Record the strategy a run settled on (auto decides after the run has begun). Commits."""
    _check_strategy(strategy)
    run = _run(session, run_id)
    run.strategy = strategy
    session.add(run)
    session.commit()


def load_run(session: Session, run_id: int) -> SnapshotRun:
    """One run by id; StoreError when there is none."""
    return _run(session, run_id)
