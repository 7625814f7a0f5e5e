"""The dashboard's connection cannot write: SQLite opened `mode=ro` (not a pragma a statement could turn off),
PostgreSQL sessions read-only and, under the role `docs/operations.md` creates (its SQL run as written),
SELECT only; every page renders under that role."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool
from streamlit.testing.v1 import AppTest

from dashboard import data
from tests.dashboard.test_dashboard import APP, render_every_page
from tests.support.dashboard_db import build_database, snapshot_weeks
from tests.support.db import postgres_admin
from tests.support.paths import DOCS

OPERATIONS = DOCS / "operations.md"


def test_sqlite_is_opened_read_only_not_merely_asked(tmp_path: Path) -> None:
    url = build_database(tmp_path / "tracker.db", weeks=1)
    engine = data.engine(url)
    assert engine is not None
    assert "mode=ro" in str(engine.url)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM snapshot_run")).scalar() == 1
        connection.exec_driver_sql("PRAGMA query_only=OFF")  # what a bug could do: still nothing written
        with pytest.raises(DBAPIError, match="readonly"):
            connection.execute(text("DELETE FROM snapshot_run"))
    engine.dispose()
    assert data.engine(f"sqlite:///{tmp_path / 'absent.db'}") is None  # never creates a file
    assert not (tmp_path / "absent.db").exists()


def _role_sql(role: str, database: str) -> list[str]:
    """The statements of docs/operations.md's read-only role, for `role` on `database` (owner: postgres)."""
    section = OPERATIONS.read_text(encoding="utf-8").split("### Read-only, in the database too", 1)[1]
    block = re.search(r"```sql\n(.*?)```", section, re.S).group(1)
    block = block.replace("tracker_dashboard", role)
    block = block.replace("DATABASE tracker ", f'DATABASE "{database}" ').replace(
        "FOR ROLE tracker ", "FOR ROLE postgres "
    )
    statements = [line for line in block.splitlines() if line.strip() and not line.startswith("--")]
    assert len(statements) >= 5, statements
    assert "tracker" not in " ".join(statements).replace(role, "").replace(
        database, ""
    )  # every name replaced
    return statements


@pytest.fixture
def dashboard_role(database_url: str) -> Iterator[tuple[str, str]]:
    """A PostgreSQL database of three runs, and the documented SELECT-only role on it: (owner's URL,
    the role's URL)."""
    snapshot_weeks(database_url, range(3))
    parsed = make_url(database_url)
    role = f"tracker_dash_{uuid.uuid4().hex[:10]}"
    owner = create_engine(database_url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    with owner.connect() as connection:
        for statement in _role_sql(role, parsed.database):
            connection.exec_driver_sql(statement)
    try:
        yield database_url, parsed.set(username=role, password=None).render_as_string(hide_password=False)
    finally:
        data.engine.clear()
        admin = postgres_admin()
        with owner.connect() as connection:
            connection.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = :r"), {"r": role}
            )
            connection.exec_driver_sql(f'DROP OWNED BY "{role}"')
        owner.dispose()
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP ROLE IF EXISTS "{role}"')


ON_POSTGRESQL = pytest.mark.parametrize("backend", ["postgresql"], indirect=True)


@ON_POSTGRESQL
def test_every_page_renders_under_the_select_only_role(
    dashboard_role: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, url = dashboard_role
    monkeypatch.setenv("TRACKER_DATABASE_URL", url)
    at = AppTest.from_file(APP, default_timeout=90)
    render_every_page(at)
    assert at.sidebar.caption[0].value.startswith("Latest complete run: #3")


@ON_POSTGRESQL
def test_a_write_through_the_dashboards_engine_fails_on_postgresql(dashboard_role: tuple[str, str]) -> None:
    owner_url, url = dashboard_role
    engine = data.engine(url)
    assert engine is not None
    assert data.latest_run(engine) == 3
    with engine.connect() as connection, pytest.raises(DBAPIError, match="read-only transaction"):
        connection.execute(text("DELETE FROM snapshot_run"))
    # a session that asks for a write is still refused: the role may only read
    with engine.connect() as connection:
        connection.exec_driver_sql("SET TRANSACTION READ WRITE")
        with pytest.raises(DBAPIError, match="permission denied"):
            connection.execute(text("DELETE FROM snapshot_run"))
    with engine.connect() as connection:
        connection.exec_driver_sql("SET TRANSACTION READ WRITE")
        with pytest.raises(DBAPIError, match="permission denied"):
            connection.exec_driver_sql("CREATE TABLE scratch (x int)")
    # a table a later migration creates (as the owner) is readable by the role, and only readable
    owner = create_engine(owner_url, poolclass=NullPool)
    with owner.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE later_table (x int)")
        connection.exec_driver_sql("INSERT INTO later_table VALUES (1)")
    owner.dispose()
    with engine.connect() as connection:
        assert connection.execute(text("SELECT x FROM later_table")).scalar() == 1
        connection.exec_driver_sql("ROLLBACK")
        connection.exec_driver_sql("BEGIN READ WRITE")
        with pytest.raises(DBAPIError, match="permission denied"):
            connection.exec_driver_sql("INSERT INTO later_table VALUES (2)")
    with owner.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM snapshot_run")).scalar() == 3
    engine.dispose()
