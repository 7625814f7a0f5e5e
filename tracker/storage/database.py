"""The database itself: engines (SQLite in WAL mode, PostgreSQL by URL), migrations, the snapshot lock.

Alembic owns the schema; `open_store` migrates on first use. Errors are one-line `StoreError`s that
never show a password.
"""

from __future__ import annotations

import errno
import fcntl
import logging
import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, SQLAlchemyError
from sqlmodel import Session, col, select

from tracker.core.errors import one_line
from tracker.storage.tables.runs import SnapshotRun

logger = logging.getLogger("tracker.database")  # kept: operators filter on it

MIGRATIONS = Path(__file__).with_name("migrations")
SQLITE_BUSY_TIMEOUT_MS = 30_000  # a reader or the dashboard may hold the file briefly; wait, don't fail
PG_CONNECT_TIMEOUT_S = 10  # a black-holed host would otherwise hang for the OS's TCP timeout
# Advisory lock keys: fixed, so that every tracker process on one PostgreSQL database contends for them.
SNAPSHOT_LOCK_KEY = 0x747261636B657231  # b"tracker1"
MIGRATION_LOCK_KEY = 0x747261636B65726D  # b"trackerm"
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
    lines = [line for line in str(orig).splitlines() if line.strip()]
    reason = one_line(lines[0]) if lines else type(orig).__name__
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


def missing_sqlite_file(url: str) -> Path | None:
    """The SQLite file `url` names when there is none (a command that only reads must not create it);
    None when it exists, or the URL names no file (in memory, PostgreSQL, not a URL: opening says why)."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return None
    database = parsed.database
    if parsed.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return None
    if database.startswith("file:"):  # a SQLite URI: its own rules (mode=ro, memory)
        return None
    path = Path(database)
    return None if path.is_file() else path.resolve()


def _sqlite_read_only(dbapi_connection: Any, _record: Any) -> None:
    """A read-only SQLite connection waits for the writer too (it cannot set WAL: the file is in it)."""
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS:d}")
    finally:
        cursor.close()


def make_engine(url: str, *, read_only: bool = False) -> Engine:
    """An engine on a reachable SQLite file (WAL) or PostgreSQL database; StoreError otherwise.

    `read_only` (the dashboard's): SQLite opens the existing file with `mode=ro`, so no statement can
    write it; PostgreSQL sessions start with `default_transaction_read_only`, and the documented
    dashboard role can only SELECT besides."""
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
            if read_only:
                if not Path(database).is_file():
                    raise _error("cannot open database", parsed, "no such file")
                uri = "file:" + quote(str(Path(database).resolve()))
                parsed = parsed.set(database=uri, query={**parsed.query, "mode": "ro", "uri": "true"})
        elif read_only:
            raise _error("cannot open database", parsed, "read-only needs a database file")
    else:
        kwargs["pool_pre_ping"] = True  # a server restart between weekly runs must not break the next one
        connect_args: dict[str, Any] = {}
        if "connect_timeout" not in parsed.query:
            connect_args["connect_timeout"] = PG_CONNECT_TIMEOUT_S
        if read_only:
            connect_args["options"] = "-c default_transaction_read_only=on"
        if connect_args:
            kwargs["connect_args"] = connect_args
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
        event.listen(engine, "connect", _sqlite_read_only if read_only else _sqlite_pragmas)
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
            upgraded = _revisions(connection, script)[0] != heads
            if upgraded:
                logger.info("migrating database %s to %s", mask_url(engine.url), ", ".join(sorted(heads)))
                config.attributes["connection"] = connection
                command.upgrade(config, "head")
            connection.commit()
        if upgraded and pending_rollups(engine):
            from tracker.storage import rollups  # pandas: only when there is something to write

            rollups.backfill(engine)  # runs recorded before the roll-ups existed
    except StoreError:
        raise
    except (SQLAlchemyError, CommandError) as exc:
        raise _error("cannot migrate database", engine.url, _one_line(exc)) from None


def pending_rollups(engine: Engine) -> bool:
    """Whether a complete run lacks its roll-ups (a database from before them)."""
    query = "SELECT 1 FROM snapshot_run WHERE status = 'complete' AND rolled_up_at IS NULL LIMIT 1"
    with engine.connect() as connection:
        return connection.exec_driver_sql(query).first() is not None


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
        # Unlock first: the server ends a closed session a moment after the client has gone, so a
        # snapshot started straight after would still find the lock held. Then close the server
        # session anyway (never hand it back to the pool), which frees the lock if the unlock failed.
        try:
            connection.scalar(text("SELECT pg_advisory_unlock(:key)"), {"key": SNAPSHOT_LOCK_KEY})
        except SQLAlchemyError:
            pass
        finally:
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
