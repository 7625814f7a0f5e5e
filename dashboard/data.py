"""The dashboard's only doorway to the data: read-only engine, and cached loaders over `tracker.metrics`.

Every cached loader takes the latest complete run id as an argument: a new snapshot changes the key,
so it shows on the next rerun without a restart. The engine is read-only (SQLite `query_only`,
PostgreSQL read-only transactions); the dashboard never writes and never calls the Hub.
"""

from __future__ import annotations

import io
import os
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pandas as pd
import streamlit as st
from sqlalchemy import event, inspect
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import SQLAlchemyError

from tracker import metrics

DEFAULT_DATABASE_URL = "sqlite:///tracker.db"
FIRST_SNAPSHOT = "tracker snapshot"
DEMO = "tracker demo"


def database_url() -> str:
    return os.environ.get("TRACKER_DATABASE_URL") or DEFAULT_DATABASE_URL


def _read_only(dbapi_connection, _record) -> None:  # noqa: ANN001 - DB-API objects
    cursor = dbapi_connection.cursor()
    try:
        if type(dbapi_connection).__module__.startswith("sqlite3"):
            cursor.execute("PRAGMA query_only=ON")
        else:
            cursor.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
            dbapi_connection.commit()
    finally:
        cursor.close()


@st.cache_resource(show_spinner=False)
def engine(url: str) -> Engine | None:
    """A read-only engine on the database, or None when there is no database (yet) at that URL."""
    from tracker.database import StoreError, make_engine

    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = parsed.database
        if not path or path == ":memory:" or not Path(path).is_file():
            return None  # never create a file: the dashboard does not write
    try:
        eng = make_engine(url)
    except StoreError:
        return None
    event.listen(eng, "connect", _read_only)
    eng.dispose()  # connections opened before the listener are not read-only: drop them
    return eng


def latest_run(eng: Engine | None) -> int | None:
    """The latest complete run's id (not cached: it is the cache key of everything else)."""
    if eng is None:
        return None
    try:
        if not _has_runs_table(eng):
            return None
        runs = metrics.load_runs(eng)
    except SQLAlchemyError:
        return None
    return None if runs.empty else int(runs["run_id"].iloc[-1])


def _has_runs_table(eng: Engine) -> bool:
    from tracker.tables import SnapshotRun

    return inspect(eng).has_table(SnapshotRun.__tablename__)


@st.cache_data(show_spinner=False, max_entries=8)
def runs(_eng: Engine, url: str, run_id: int) -> pd.DataFrame:
    return metrics.load_runs(_eng)


@st.cache_data(show_spinner="Reading the history…", max_entries=16)
def history(
    _eng: Engine,
    url: str,
    run_id: int,
    ecosystems: tuple[str, ...] = (),
    families: tuple[str, ...] = (),
    relations: tuple[str, ...] = (),
    since: date | None = None,
    until: date | None = None,
) -> pd.DataFrame:
    """The history (complete runs) narrowed by the filters; dates are whole UTC days, inclusive."""
    from datetime import UTC

    filters = metrics.Filters(
        ecosystems=ecosystems or None,
        families=families or None,
        relations=relations or None,
        since=datetime.combine(since, time.min, UTC) if since else None,
        until=datetime.combine(until + timedelta(days=1), time.min, UTC) - timedelta(microseconds=1)
        if until
        else None,
    )
    return metrics.load_history(_eng, filters)


@st.cache_data(show_spinner=False, max_entries=4)
def edges(_eng: Engine, url: str, run_id: int) -> pd.DataFrame:
    """The declared parent links of the given run."""
    frame = metrics.load_edges(_eng)
    return frame[frame["run_id"] == run_id].reset_index(drop=True)


@st.cache_data(show_spinner=False, max_entries=4)
def choices(_eng: Engine, url: str, run_id: int) -> dict[str, list]:
    """What the sidebar filters offer: ecosystems, families, relations, first and last run dates."""
    frame = history(_eng, url, run_id)
    dates = frame["taken_at"].dt.date
    return {
        "ecosystems": sorted(frame["ecosystem"].dropna().unique()),
        "families": sorted(frame["family"].dropna().unique()),
        "relations": sorted(frame["relation"].dropna().unique()),
        "dates": [dates.min(), dates.max()] if len(frame) else [],
    }


def export_columns() -> tuple[str, ...]:
    """The export's `history` columns: from the data dictionary when it exists, else the history query's."""
    try:
        from tracker.export import table_spec

        return tuple(table_spec("history").names)
    except ImportError:  # pragma: no cover - before the export module existed
        return tuple(metrics._HISTORY_COLUMNS)


def _iso(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for name in out.columns:
        if isinstance(out[name].dtype, pd.DatetimeTZDtype):
            out[name] = out[name].dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    return out


@st.cache_data(show_spinner=False, max_entries=8)
def as_csv(frame: pd.DataFrame, run_id: int) -> bytes:
    return _iso(frame).to_csv(index=False).encode()


@st.cache_data(show_spinner=False, max_entries=8)
def as_parquet(frame: pd.DataFrame, run_id: int) -> bytes:
    """Parquet with the export's Arrow schema when the export module gives one."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        from tracker.export import arrow_schema, table_spec

        schema = arrow_schema(table_spec("history"))
        table = pa.Table.from_pandas(frame, schema=schema, preserve_index=False)
    except (ImportError, pa.ArrowException, KeyError, TypeError, ValueError):
        table = pa.Table.from_pandas(frame, preserve_index=False)
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    return buffer.getvalue()
