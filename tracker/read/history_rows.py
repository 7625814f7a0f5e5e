"""The Data page's rows: the history in the export's columns and order, read a run at a time and no
further than asked, and how many rows the filters keep (counted from the roll-ups). The dashboard's one
read of history rows rather than roll-ups.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from tracker.read.history import history_select
from tracker.read.metrics import Filters
from tracker.read.queries import contains_text, read_frame, utc_columns, where_filters
from tracker.storage.handles import MEMBERSHIP, ROLLUP, RUNS


def load_history_rows(
    engine: Engine,
    filters: Filters,
    *,
    run_ids: Sequence[int] | None = None,
    contains: str | None = None,
    limit: int | None = None,
) -> pd.DataFrame:
    """History rows in the export's columns and order (as `metrics.load_history`, without the model's
    attributes); `contains`: only model ids containing it, in any case.

    Read run by run, oldest first, each in its key's order: sorting a year of rows to return the
    first 10,000 took SQLite seconds.
    """
    if run_ids is None:
        runs = select(RUNS.c.id).where(RUNS.c.status == "complete").order_by(RUNS.c.taken_at, RUNS.c.id)
        if filters.since is not None:
            runs = runs.where(RUNS.c.taken_at >= filters.since)
        if filters.until is not None:
            runs = runs.where(RUNS.c.taken_at <= filters.until)
        with engine.connect() as connection:
            run_ids = list(connection.execute(runs).scalars())
    frames = []
    left = limit
    for run_id in run_ids:
        query = history_select(ecosystems=filters.ecosystems, families=filters.families, run_ids=[run_id])
        query = query.order_by(None).order_by(MEMBERSHIP.c.ecosystem, MEMBERSHIP.c.model_id)
        if filters.relations:
            query = query.where(MEMBERSHIP.c.relation.in_(list(filters.relations)))
        if contains:
            query = query.where(contains_text(MEMBERSHIP.c.model_id, contains))
        if left is not None:
            query = query.limit(left)
        frames.append(read_frame(engine, query))
        if left is not None:
            left -= len(frames[-1])
            if left <= 0:
                break
    if not frames:
        frames.append(read_frame(engine, history_select(run_ids=[])))
    frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    counts = ("depth", "downloads_30d", "downloads_all_time", "downloads_delta", "likes", "trending_score")
    for name in counts:
        frame[name] = pd.array(frame[name], dtype="Int64")
    return utc_columns(frame, "taken_at")


def count_history_rows(engine: Engine, filters: Filters) -> int:
    """How many history rows the filters keep (from the roll-ups: no scan of the history)."""
    r = ROLLUP
    query = where_filters(
        select(func.coalesce(func.sum(r.c.models), 0)).join(RUNS, RUNS.c.id == r.c.run_id), r, filters
    )
    with engine.connect() as connection:
        return int(connection.execute(query).scalar() or 0)
