"""The only module that writes the database: engines, migrations, the snapshot lock, save_* and load_*.

SQLite (WAL) by default, PostgreSQL by URL. The save_* functions never commit: the snapshot decides
when a batch is durable. Functions that commit say so.
"""

from __future__ import annotations

import errno
import fcntl
import functools
import json
import logging
import os
import re
import socket
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from operator import itemgetter
from pathlib import Path
from typing import Any, Literal

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import create_engine, event, func, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL, Connection, Dialect, Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, SQLAlchemyError
from sqlmodel import Session, SQLModel, col, select

from tracker.records import Edge, Membership, Observation
from tracker.tables import ModelRecord, ModelSnapshot, RunEdge, RunMembership, SnapshotRun

logger = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).with_name("migrations")
SQLITE_BUSY_TIMEOUT_MS = 30_000  # a reader or the dashboard may hold the file briefly; wait, don't fail
PG_CONNECT_TIMEOUT_S = 10  # a black-holed host would otherwise hang for the OS's TCP timeout
# Advisory lock keys: fixed, so that every tracker process on one PostgreSQL database contends for them.
SNAPSHOT_LOCK_KEY = 0x747261636B657231  # b"tracker1"
MIGRATION_LOCK_KEY = 0x747261636B65726D  # b"trackerm"
# One encoder for every row: json.dumps(..., ensure_ascii=False) would build a new one per call.
_tags_json = json.JSONEncoder(ensure_ascii=False).encode
_SUPPORTED = "use sqlite:///PATH or postgresql+psycopg://USER@HOST/DATABASE"


class StoreError(Exception):
    """A database problem, in one line fit for the user (passwords masked)."""


class SnapshotBusy(StoreError):
    """Another snapshot holds the lock on this database."""


def mask_url(url: str | URL) -> str:
    """The URL with its password replaced by `***`, parseable or not."""
    if isinstance(url, URL):
        return url.render_as_string(hide_password=True)
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return re.sub(r"(://[^:/@\s]*:)[^@\s]*@", r"\1***@", url)


def _one_line(exc: BaseException) -> str:
    """The gist of a driver error, on one line: `connection refused`, `database "x" does not exist`."""
    orig = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    lines = [line.strip() for line in str(orig).splitlines() if line.strip()]
    reason = lines[0] if lines else type(orig).__name__
    # psycopg: 'connection failed: connection to server at "h", port p failed: FATAL:  <why>'
    reason = reason.rsplit(" failed: ", 1)[-1].removeprefix("connection failed: ")
    reason = re.sub(r"^(FATAL|ERROR):\s+", "", reason)
    if reason[:1].isupper() and reason[1:2].islower():
        reason = reason[0].lower() + reason[1:]
    return reason


def _error(what: str, url: str | URL, reason: str) -> StoreError:
    """A StoreError whose line never shows the URL's password, even when the driver repeats it."""
    try:
        password = (url if isinstance(url, URL) else make_url(url)).password
    except ArgumentError:
        password = None
    if password:
        reason = reason.replace(str(password), "***")
    return StoreError(" ".join(f"{what} {mask_url(url)}: {reason}".split()))


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """Set WAL and friends on every new SQLite connection."""
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")  # readers (the dashboard) never block the snapshot
        cursor.execute("PRAGMA synchronous=NORMAL")  # safe with WAL; a crash loses at most the last commit
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS:d}")
    finally:
        cursor.close()


def _sqlite_path(engine: Engine) -> Path | None:
    """The SQLite database file, or None for an in-memory database."""
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file::memory:"):
        return None
    return Path(database)


def make_engine(url: str) -> Engine:
    """An engine on a reachable SQLite file (WAL) or PostgreSQL database; StoreError otherwise."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise _error("cannot open database", url, f"not a database URL ({_SUPPORTED})") from None
    backend = parsed.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise _error("cannot open database", parsed, f"unsupported kind {backend!r} ({_SUPPORTED})")
    kwargs: dict[str, Any] = {}
    if backend == "sqlite":
        database = parsed.database
        if database and database != ":memory:" and not database.startswith("file:"):
            folder = Path(database).parent
            if not folder.is_dir():
                raise _error("cannot open database", parsed, f"folder {folder} does not exist")
    else:
        kwargs["pool_pre_ping"] = True  # a server restart between weekly runs must not break the next one
        if "connect_timeout" not in parsed.query:
            kwargs["connect_args"] = {"connect_timeout": PG_CONNECT_TIMEOUT_S}
    try:
        engine = create_engine(parsed, **kwargs)
    except ImportError as exc:
        raise _error("cannot open database", parsed, f"driver not installed ({exc})") from None
    except SQLAlchemyError as exc:
        raise _error("cannot open database", parsed, _one_line(exc)) from None
    if engine.dialect.is_async:
        engine.dispose()
        raise _error("cannot open database", parsed, f"async drivers are not supported ({_SUPPORTED})")
    if backend == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    try:
        with engine.connect():
            pass
    except (SQLAlchemyError, OSError) as exc:
        engine.dispose()
        raise _error("cannot open database", parsed, _one_line(exc)) from None
    return engine


def alembic_config(connection: Connection | None = None) -> Config:
    """The Alembic configuration, built in code (no alembic.ini), optionally bound to a connection."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def _revisions(connection: Connection, script: ScriptDirectory) -> tuple[set[str], set[str]]:
    """(the database's current revisions, the code's heads); StoreError on a revision the code lacks."""
    current = set(MigrationContext.configure(connection).get_current_heads())
    for revision in current:
        try:
            script.get_revision(revision)
        except CommandError:
            raise _error(
                "cannot migrate database",
                connection.engine.url,
                f"its schema revision {revision} is unknown to this tracker (written by a newer version?)",
            ) from None
    return current, set(script.get_heads())


def migrate(engine: Engine) -> None:
    """Bring the schema to the latest revision (`alembic upgrade head`); a no-op when it is there. Commits."""
    config = alembic_config()
    script = ScriptDirectory.from_config(config)
    try:
        with engine.connect() as connection:
            current, heads = _revisions(connection, script)
            connection.rollback()
            if current == heads:
                return
            # Serialise concurrent first starts (snapshot, dashboard, scheduler): the second waits, then
            # finds the schema at head and does nothing.
            if engine.dialect.name == "postgresql":
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
            else:
                # sqlite3 would otherwise run DDL outside any transaction; IMMEDIATE takes the write lock now.
                connection.exec_driver_sql("BEGIN IMMEDIATE")
            if _revisions(connection, script)[0] != heads:
                logger.info("migrating database %s to %s", mask_url(engine.url), ", ".join(sorted(heads)))
                config.attributes["connection"] = connection
                command.upgrade(config, "head")
            connection.commit()
    except StoreError:
        raise
    except (SQLAlchemyError, CommandError) as exc:
        raise _error("cannot migrate database", engine.url, _one_line(exc)) from None


def open_store(url: str) -> Engine:
    """An engine on the database at `url`, its schema migrated to the latest revision."""
    engine = make_engine(url)
    try:
        migrate(engine)
    except StoreError:
        engine.dispose()
        raise
    return engine


def _busy(engine: Engine) -> SnapshotBusy:
    """The SnapshotBusy to raise, naming the running run when there is one."""
    try:
        with Session(engine) as session:
            run = session.exec(
                select(SnapshotRun)
                .where(SnapshotRun.status == "running")
                .order_by(col(SnapshotRun.id).desc())
            ).first()
    except SQLAlchemyError:  # no schema yet, or the database is busy: the generic line will do
        run = None
    if run is None:
        return SnapshotBusy("another snapshot is running on this database")
    since = run.started_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    return SnapshotBusy(
        f"another snapshot is running on this database (pid {run.pid} on host {run.host}, "
        f"run {run.id} since {since})"
    )


def _lock_postgresql(engine: Engine) -> Callable[[], None]:
    """Take the session-level advisory lock on a dedicated connection; return its release."""
    try:
        connection = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
    except SQLAlchemyError as exc:
        raise _error("cannot lock database", engine.url, _one_line(exc)) from None
    try:
        held = connection.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": SNAPSHOT_LOCK_KEY})
    except BaseException as exc:
        connection.close()
        if isinstance(exc, SQLAlchemyError):
            raise _error("cannot lock database", engine.url, _one_line(exc)) from None
        raise
    if not held:
        connection.close()
        raise _busy(engine)

    def release() -> None:
        # Closing the server session is what surely frees the lock: never hand it back to the pool.
        try:
            connection.invalidate()
        finally:
            connection.close()

    return release


def _lock_sqlite(engine: Engine) -> Callable[[], None]:
    """Take an exclusive flock on `<database>.lock`; return its release."""
    path = _sqlite_path(engine)
    if path is None:  # an in-memory database is private to this process: nothing to share
        return lambda: None
    lock_path = path.with_name(path.name + ".lock")
    try:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise StoreError(f"cannot lock database: cannot open {lock_path}: {exc.strerror}") from None
    try:
        # flock belongs to the open file: a second open in this process is refused too, and the
        # kernel frees it when the process dies, however it dies.
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        os.close(fd)
        if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
            raise _busy(engine) from None
        raise StoreError(f"cannot lock database: cannot lock {lock_path}: {exc.strerror}") from None

    def release() -> None:
        # The file stays: unlinking it would let a waiter lock an orphaned inode.
        os.close(fd)

    return release


@contextmanager
def snapshot_lock(engine: Engine) -> Iterator[None]:
    """Hold the database's snapshot lock for the block; SnapshotBusy when another process holds it."""
    release = _lock_postgresql(engine) if engine.dialect.name == "postgresql" else _lock_sqlite(engine)
    try:
        yield
    finally:
        release()


def _aware(name: str, value: datetime | None) -> None:
    """Refuse naive timestamps early, with the parameter's name."""
    if value is not None and value.utcoffset() is None:
        raise ValueError(f"{name} must be zone-aware (UTC), got naive {value.isoformat()}")


def _check_strategy(strategy: str) -> None:
    """Refuse a strategy other than `tree` or `scan`."""
    if strategy not in ("tree", "scan"):
        raise ValueError(f"strategy must be 'tree' or 'scan', not {strategy!r}")


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
) -> int:
    """Record a new `running` run by this process; return its id. Commits."""
    _aware("taken_at", taken_at)
    _aware("started_at", started_at)
    _check_strategy(strategy)
    run = SnapshotRun(
        taken_at=taken_at,
        started_at=started_at,
        status="running",
        ecosystems=";".join(ecosystems),
        strategy=strategy,
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
    params = tuple(compiled.positiontup or ()) if compiled.positional else columns
    order = tuple(columns.index(name) for name in params)
    processors = [
        (position, table.c[name].type.dialect_impl(dialect).bind_processor(dialect))
        for position, name in enumerate(params)
    ]
    return _UpsertPlan(
        sql=compiled.string,
        key=tuple(columns.index(name) for name in keys),
        order=None if order == tuple(range(len(columns))) else order,
        processors=tuple((position, process) for position, process in processors if process is not None),
        names=None if compiled.positional else params,
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
_SNAPSHOT_COLUMNS = ("run_id", "model_id", "downloads_30d", "downloads_all_time", "likes", "trending_score")
_MEMBERSHIP_COLUMNS = ("run_id", "ecosystem", "model_id", "family", "relation", "depth")
_EDGE_COLUMNS = ("run_id", "child_id", "parent_id", "relation")


def save_observations(session: Session, run_id: int, observations: Sequence[Observation]) -> None:
    """Upsert the models' descriptions (latest values win) and their figures in this run. No commit."""
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
            str(o.gated),
            _tags_json(o.tags),
            run_id,
        )
        for o in observations
    ]
    _upsert(session, ModelRecord, _MODEL_COLUMNS, models)
    figures = [
        (run_id, o.model_id, o.downloads_30d, o.downloads_all_time, o.likes, o.trending_score)
        for o in observations
    ]
    _upsert(session, ModelSnapshot, _SNAPSHOT_COLUMNS, figures)


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
) -> None:
    """End the run: its status, counters, error and number of distinct models recorded. Commits."""
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
    session.add(run)
    session.commit()


def load_runs(session: Session, *, limit: int | None = None) -> list[SnapshotRun]:
    """Every run, whatever its status, newest first (by taken_at, then id)."""
    query = select(SnapshotRun).order_by(col(SnapshotRun.taken_at).desc(), col(SnapshotRun.id).desc())
    return list(session.exec(query.limit(limit)).all())


def load_last_complete_run(
    session: Session, *, ecosystems: Sequence[str] | None = None
) -> SnapshotRun | None:
    """The complete run with the latest taken_at; with `ecosystems`, among runs of exactly that set."""
    query = (
        select(SnapshotRun)
        .where(SnapshotRun.status == "complete")
        .order_by(col(SnapshotRun.taken_at).desc(), col(SnapshotRun.id).desc())
    )
    wanted = None if ecosystems is None else set(ecosystems)
    for run in session.exec(query):
        if wanted is None or set(filter(None, run.ecosystems.split(";"))) == wanted:
            return run
    return None


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
