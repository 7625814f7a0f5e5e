"""The dashboard's way into the database: a read-only engine, its URL as people may see it, and what the
database holds so far (its data's version, whether the lineage explorer's index is there).

The engine is read-only (`make_engine(url, read_only=True)`: SQLite opened `mode=ro`, PostgreSQL
read-only transactions); nothing here writes, and nothing creates a database that is not there.
"""

from __future__ import annotations

from sqlalchemy import func, inspect, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from tracker.read.queries import rolled_up_runs
from tracker.storage.database import StoreError, make_engine, mask_url
from tracker.storage.handles import LINEAGE_NODES, RUNS


def open_read_only(url: str) -> Engine | None:
    """A read-only engine on the database, or None when there is no database (yet) at that URL."""
    try:
        return make_engine(url, read_only=True)  # never creates a SQLite file: it must exist
    except StoreError:
        return None


def shown_url(url: str) -> str:
    """The database's URL as a page shows it: never with its password."""
    return mask_url(url)


def data_version(engine: Engine) -> tuple[int, str] | None:
    """(latest rolled-up run, latest roll-up write), or None when the database holds no such run (or no
    runs table, or cannot be read)."""
    try:
        if not inspect(engine).has_table(RUNS.name):
            return None
        with engine.connect() as connection:
            latest = connection.execute(rolled_up_runs().limit(1)).first()
            written = connection.execute(select(func.max(RUNS.c.rolled_up_at))).scalar()
    except SQLAlchemyError:
        return None
    return None if latest is None else (int(latest[0]), str(written))


def has_lineage_index(engine: Engine) -> bool:
    """Whether the database holds the lineage explorer's index (migration 0007: any tracker command
    writes it)."""
    return inspect(engine).has_table(LINEAGE_NODES.name)
