"""Every dashboard page's queries on the database `./dev bench history` wrote, against DuckDB on its rows.

The pages and their queries are `bench.queries`' (as a page runs them on a first visit, nothing cached),
plus the Whole Hub page's (`tracker.read.hub`: the runs with the view, the latest run's bases, the league
tables of ecosystems, organisations and regions over every run, risers, newcomers and new bases). DuckDB
gets the raw rows of the SQLite database the history wrote (runs, models, memberships, figures, links: no
roll-ups, no stored deltas, no lineage index), copied in chunks, and answers the same questions in SQL
(`bench.queries._duck_pages`). The whole-Hub view has no raw rows to compare with (a run keeps the Hub's
pairs only as the view it computed): its page is timed on the tracker's databases alone.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, TextIO

import pandas as pd
from sqlalchemy import text

from bench.common import Summary
from bench.queries import _duck_pages, _pages, _time, page_summaries
from tracker.read import hub
from tracker.storage.database import make_engine

CHUNK = 200_000  # rows copied into DuckDB at a time

RAW = {
    "snapshot_run": "SELECT id, taken_at, status FROM snapshot_run",
    "model": "SELECT model_id, author, license, library_name, tags FROM model",
    "membership": "SELECT run_id, ecosystem, model_id, family, relation, depth FROM membership",
    "model_snapshot": (
        "SELECT run_id, model_id, downloads_30d, downloads_all_time, likes, trending_score"
        " FROM model_snapshot"
    ),
    "run_edge": "SELECT run_id, child_id, parent_id, relation FROM run_edge",
}


def whole_hub_page(engine) -> object:  # noqa: ANN001
    """The Whole Hub page's queries on its first visit: the latest run with the view and every tab's."""
    hub.load_view_runs(engine)
    hub.runs_without_view(engine)
    latest = hub.latest_view_run(engine)
    if latest is None:
        return None
    bases = hub.load_bases(engine, latest)
    for kind in ("ecosystem", "organisation", "region"):
        hub.load_groups(engine, kind)
    now, earlier = hub.with_previous(engine, latest)
    return bases, hub.risers_of(now, earlier), hub.newcomers_of(now, earlier), hub.new_bases_of(now, earlier)


def page_times(url: str) -> dict[str, float]:
    """Each page's queries on one tracker database, ms (median after a warm-up)."""
    engine = make_engine(url)
    try:
        calls = _pages(engine)
        calls["whole hub"] = lambda: whole_hub_page(engine)
        return {page: _time(call) for page, call in calls.items()}
    finally:
        engine.dispose()


def duck_from(sqlite_url: str, path: Path) -> Any:
    """A DuckDB database at `path` holding the raw rows of the tracker's SQLite database."""
    import duckdb

    duck = duckdb.connect(str(path))
    engine = make_engine(sqlite_url)
    try:
        with engine.connect() as connection:
            for table, query in RAW.items():
                for n, chunk in enumerate(pd.read_sql(text(query), connection, chunksize=CHUNK)):
                    if table == "snapshot_run":
                        chunk["taken_at"] = pd.to_datetime(chunk["taken_at"], utc=True)
                    duck.register("chunk", chunk)
                    verb = f"CREATE TABLE {table} AS" if n == 0 else f"INSERT INTO {table}"
                    duck.sql(f"{verb} SELECT * FROM chunk")  # table names of our own, above
                    duck.unregister("chunk")
    finally:
        engine.dispose()
    return duck


def compare(databases: dict[str, str], scratch: Path, out: TextIO) -> list[Summary]:
    """Time every page on each database, and DuckDB on the SQLite database's rows; print and summarise."""
    timings = {name: page_times(url) for name, url in databases.items()}
    if "SQLite" in databases:
        began = time.perf_counter()
        duck = duck_from(databases["SQLite"], scratch / "history.duckdb")
        rows = duck.sql("SELECT count(*) FROM membership").fetchall()[0][0]
        out.write(f"\n  DuckDB: {rows:,} membership rows copied in {time.perf_counter() - began:.0f} s\n")
        timings["DuckDB"] = {page: _time(call) for page, call in _duck_pages(duck).items()}
        duck.close()
    names = list(timings)
    pages = list(next(iter(timings.values())))
    out.write("\n  dashboard pages' queries on the history, ms (median of 3 after a warm-up)\n")
    out.write(f"  {'page':<24}" + "".join(f"{n:>12}" for n in names) + "\n")
    for page in pages:
        cells = "".join(f"{timings[n][page]:>12.1f}" if page in timings[n] else f"{'-':>12}" for n in names)
        out.write(f"  {page:<24}{cells}\n")
    return page_summaries("history", "on the history", timings)
