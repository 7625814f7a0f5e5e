"""Database fixtures: every test that asks for them runs on SQLite (a tmp file) and on the real PostgreSQL.

Load them with `pytest_plugins = ["tests.support.db"]` (in tests/conftest.py, or in a test module). PostgreSQL
is `TRACKER_TEST_PG_URL` (default: trust auth on 127.0.0.1:5432, database `test`); each test gets a
fresh database of its own, created there and dropped after. When no server answers, the PostgreSQL
cases skip, saying why.
"""

from __future__ import annotations

import functools
import os
import uuid
from collections.abc import Iterator

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


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The URL of a fresh, empty database (no schema): a SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'tracker.db'}"
        return
    admin = _postgres_admin()
    if isinstance(admin, str):
        pytest.skip(admin)
    name = f"tracker_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')  # a generated identifier, never input
    try:
        yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            # FORCE: a test that failed half-way (or a killed child process) may still hold a session.
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """An engine on a fresh database whose schema is migrated to the latest revision."""
    store = open_store(database_url)
    try:
        yield store
    finally:
        store.dispose()
