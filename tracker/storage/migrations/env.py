"""Alembic environment for the tracker's schema (target: `SQLModel.metadata` from `tracker.storage.tables`).

`tracker.storage.database.migrate` hands over an open connection in `config.attributes["connection"]`;
without one
(the `alembic` command line) the database is `sqlalchemy.url` from the config, else
`TRACKER_DATABASE_URL`, else `sqlite:///tracker.db`.
"""

from __future__ import annotations

import os
from typing import Any

from alembic import context
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel
from sqlmodel.sql.sqltypes import AutoString, UTCDateTime

import tracker.storage.tables  # noqa: F401 - registers the tables on SQLModel.metadata

config = context.config
target_metadata = SQLModel.metadata


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    """Write SQLModel's column types as the plain SQLAlchemy types they emit, in new revisions."""
    # Same DDL; revisions that name only `sa.*` types keep working whatever sqlmodel renames or moves.
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    if type_ == "type" and isinstance(obj, AutoString):
        return "sa.String()"
    return False


def include_name(name: str | None, type_: str, parent_names: dict) -> bool:
    """Leave the objects written per database to their migration
    (`tracker.storage.tables.is_dialect_object`)."""
    return not tracker.storage.tables.is_dialect_object(name)


def _options(dialect_name: str) -> dict[str, Any]:
    """The context options shared by online and offline runs."""
    return {
        "target_metadata": target_metadata,
        "compare_type": True,
        # SQLite alters tables by copying them: autogenerate must write batch operations for it.
        "render_as_batch": dialect_name == "sqlite",
        "render_item": render_item,
        "include_name": include_name,
    }


def _url() -> str:
    """The database URL when no connection was handed over."""
    return (
        config.get_main_option("sqlalchemy.url")
        or os.environ.get("TRACKER_DATABASE_URL")
        or "sqlite:///tracker.db"
    )


def run_migrations_offline() -> None:
    """Write the migrations' SQL to the output instead of running them (`alembic upgrade --sql`)."""
    url = _url()
    context.configure(url=url, literal_binds=True, **_options(url.split(":", 1)[0].split("+", 1)[0]))
    with context.begin_transaction():
        context.run_migrations()


def _run_on(connection: Connection) -> None:
    """Run the migrations on one connection."""
    context.configure(connection=connection, **_options(connection.dialect.name))
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run the migrations on the connection handed over, else on a fresh engine."""
    connection = config.attributes.get("connection")
    if connection is not None:
        _run_on(connection)
        return
    from tracker.storage.database import (
        make_engine,  # late: the database module imports alembic, not the reverse
    )

    engine = make_engine(_url())
    try:
        with engine.begin() as fresh:
            _run_on(fresh)
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
