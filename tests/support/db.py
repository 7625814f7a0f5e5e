"""Database fixtures: every test that asks for them runs on SQLite (a tmp file) and on the real PostgreSQL.

Loaded by `pytest_plugins` in tests/conftest.py. PostgreSQL is `TRACKER_TEST_PG_URL` (default: trust auth
on 127.0.0.1:5432, database `test`); each test gets a database of its own there, created for it and
dropped after. When no server answers, the PostgreSQL cases skip, saying why.

Setup is paid once: the schema is migrated once per session (per xdist worker) into a template, and each
test that wants a migrated database gets a copy of it (a file copy on SQLite, `CREATE DATABASE ...
TEMPLATE` on PostgreSQL). `database_url` is an empty database, for the tests of migrating itself.
The PostgreSQL cases carry the `postgres` marker (added at collection, see tests/conftest.py).
"""

from __future__ import annotations

import functools
import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

from tracker.storage.database import mask_url, open_store

PG_URL = os.environ.get("TRACKER_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
BACKENDS = ("sqlite", "postgresql")


@functools.cache
def _postgres_admin() -> Engine | str:
    """An autocommit engine on the PostgreSQL test server, or why there is none."""
    admin = create_engine(
        PG_URL, poolclass=NullPool, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3}
    )
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql("SELECT 1")
    except (SQLAlchemyError, ImportError) as exc:
        first_line = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        return f"no PostgreSQL answers at {mask_url(PG_URL)} ({first_line}); set TRACKER_TEST_PG_URL"
    return admin


def postgres_admin() -> Engine:
    """The admin engine, or skip the test saying why there is none."""
    admin = _postgres_admin()
    if isinstance(admin, str):
        pytest.skip(admin)
    return admin


def postgres_url(name: str) -> str:
    return make_url(PG_URL).set(database=name).render_as_string(hide_password=False)


@contextmanager
def postgres_database(template: str | None = None) -> Iterator[str]:
    """A new PostgreSQL database (a copy of `template` when given), dropped on the way out: its URL."""
    admin = postgres_admin()
    name = f"tracker_test_{uuid.uuid4().hex[:12]}"
    copy = f' TEMPLATE "{template}"' if template else ""
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"{copy}')  # generated identifiers, never input
    try:
        yield postgres_url(name)
    finally:
        with admin.connect() as connection:
            # FORCE: a test that failed half-way (or a killed child process) may still hold a session.
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """The database a test runs on: `sqlite` or `postgresql` (one case each)."""
    return request.param


@pytest.fixture
def database_url(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The URL of a fresh, empty database (no schema): a SQLite file, or a new PostgreSQL database."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'tracker.db'}"
        return
    with postgres_database() as url:
        yield url


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to the latest revision, once per session: copied, never opened by tests."""
    path = tmp_path_factory.mktemp("template") / "tracker.db"
    open_store(f"sqlite:///{path}").dispose()
    leftovers = [p.name for p in path.parent.iterdir() if p != path]
    assert not leftovers, f"the template should be one file once closed, found {leftovers}"
    return path


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    """The name of a PostgreSQL database migrated to the latest revision, once per session."""
    with postgres_database() as url:
        open_store(url).dispose()  # no session may stay open on a template while it is copied
        yield make_url(url).database or ""


@pytest.fixture
def migrated_url(
    backend: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The URL of a database of its own whose schema is already at the latest revision."""
    if backend == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path_factory.mktemp("db") / "tracker.db"
        shutil.copyfile(template, path)
        yield f"sqlite:///{path}"
        return
    postgres_admin()  # skip before the template is asked for, when there is no server
    with postgres_database(template=request.getfixturevalue("postgres_template")) as url:
        yield url


@pytest.fixture
def engine(migrated_url: str) -> Iterator[Engine]:
    """An engine on a database of its own whose schema is migrated to the latest revision."""
    store = open_store(migrated_url)
    try:
        yield store
    finally:
        store.dispose()
