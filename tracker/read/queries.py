"""The dashboard's queries: the sidebar's choices and runs, the series, builders and movers, read from the
roll-ups only; and the helpers every reader of the roll-ups shares (the sidebar's filters, frames).

Nothing here reads the whole history: the series come from `rollup` (a few hundred rows per run),
builders and movers from their roll-ups. `tracker.storage.rollups` writes those tables when a run
completes, with the measures `tracker.read.metrics` applies to the whole history (`tracker.core.measures`);
the tests check that both paths give the same figures. The lineage explorer's queries are
`tracker.read.explorer`'s, the Data page's rows `tracker.read.history_rows`'.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Select, func, select
from sqlalchemy.engine import Engine

from tracker.core.measures import weekly_rate
from tracker.core.movers import COLUMNS as MOVER_COLUMNS
from tracker.core.movers import RANKED_BY, boards
from tracker.core.rollup_rows import ANY, BOARD_SIZE
from tracker.read.metrics import Filters
from tracker.storage.handles import ROLLUP, ROLLUP_BUILDERS, ROLLUP_MOVERS, RUNS

SERIES_BY = ("family", "relation", "license", "format", "size_class")
EVERYTHING = Filters()


def where_filters(query: Select, table, filters: Filters, *, ecosystems: bool = True) -> Select:  # noqa: ANN001
    """The sidebar's filters on a roll-up table joined with `snapshot_run`."""
    query = query.where(RUNS.c.status == "complete")
    if ecosystems and filters.ecosystems:
        query = query.where(table.c.ecosystem.in_(list(filters.ecosystems)))
    if filters.families:
        query = query.where(table.c.family.in_(list(filters.families)))
    if filters.relations:
        query = query.where(table.c.relation.in_(list(filters.relations)))
    if filters.since is not None:
        query = query.where(RUNS.c.taken_at >= filters.since)
    if filters.until is not None:
        query = query.where(RUNS.c.taken_at <= filters.until)
    return query


def read_frame(engine: Engine, query: Select) -> pd.DataFrame:
    """The query's rows as a frame, built column by column: from the rows, pandas inspected each one (a
    third of a second for the 46,000 roots of 119 runs, against a tenth); the dtypes are the same."""
    with engine.connect() as connection:
        result = connection.execute(query)
        keys, rows = list(result.keys()), result.all()
    if not rows:
        return pd.DataFrame(rows, columns=keys)
    return pd.DataFrame(dict(zip(keys, zip(*rows, strict=True), strict=True)), columns=keys)


def utc_columns(frame: pd.DataFrame, *names: str) -> pd.DataFrame:
    for name in names:
        frame[name] = pd.to_datetime(frame[name], utc=True)
    return frame


def contains_text(column, text: str):  # noqa: ANN001, ANN202 - a column, a clause
    """Ids in `column` containing `text`, in any case: its LIKE wildcards taken literally."""
    pattern = "%" + text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return func.lower(column).like(pattern, escape="\\")


# --- choices and runs -----------------------------------------------------------------------------------


def load_choices(engine: Engine) -> dict[str, list]:
    """What the sidebar offers: ecosystems, families, relations (derivatives' and roots'), run dates."""
    r = ROLLUP
    with engine.connect() as connection:
        values = {
            name: sorted(connection.execute(select(r.c[name]).distinct()).scalars())
            for name in ("ecosystem", "family", "relation")
        }
        dates = connection.execute(
            select(func.min(RUNS.c.taken_at), func.max(RUNS.c.taken_at)).where(
                RUNS.c.status == "complete", RUNS.c.id.in_(select(r.c.run_id).distinct())
            )
        ).one()
    first, last = (None if d is None else pd.to_datetime(d, utc=True) for d in dates)
    return {
        "ecosystems": values["ecosystem"],
        "families": values["family"],
        "relations": values["relation"],
        "dates": [first.date(), last.date()] if first is not None else [],
    }


def load_archive_runs(engine: Engine) -> pd.DataFrame:
    """The complete runs backfilled from the Hub's weekly archive: taken_at and source, oldest first."""
    query = (
        select(RUNS.c.taken_at, RUNS.c.source)
        .where(RUNS.c.status == "complete", RUNS.c.strategy == "archive")
        .order_by(RUNS.c.taken_at)
    )
    return utc_columns(read_frame(engine, query), "taken_at")


def rolled_up_runs(*columns) -> Select:  # noqa: ANN002 - columns of snapshot_run
    """The complete runs whose roll-ups are written, latest first (by taken_at, then id): the runs the
    dashboard and the digest show. `columns`: what to select (default: the id)."""
    return (
        select(*(columns or (RUNS.c.id,)))
        .where(RUNS.c.status == "complete", RUNS.c.rolled_up_at.is_not(None))
        .order_by(RUNS.c.taken_at.desc(), RUNS.c.id.desc())
    )


def latest_runs(engine: Engine, filters: Filters, count: int = 2) -> list[int]:
    """The latest `count` complete runs with roll-up rows within the filters, latest first."""
    r = ROLLUP
    query = where_filters(
        select(r.c.run_id, RUNS.c.taken_at).join(RUNS, RUNS.c.id == r.c.run_id).distinct(), r, filters
    )
    query = query.order_by(RUNS.c.taken_at.desc(), r.c.run_id.desc()).limit(count)
    with engine.connect() as connection:
        return [row.run_id for row in connection.execute(query)]


# --- series -----------------------------------------------------------------------------------------------


PROVIDER_SUMS = ("with_providers", "live_models", "provider_pairs")


def load_series(
    engine: Engine, filters: Filters = EVERYTHING, by: str | None = None, *, roots: bool = False
) -> pd.DataFrame:
    """Per run and ecosystem (and `by`): derivatives, new, 30-day downloads, delta, weekly downloads,
    and the members' live providers (with_providers: members whose providers the run recorded;
    live_models: served live by one or more; provider_pairs: (model, provider) pairs).

    The columns and figures of `metrics.compute_counts`, `compute_new` and `compute_downloads` joined
    on their keys; `roots=True` counts the roots too (`derivatives` is then every member).
    """
    if by is not None and by not in SERIES_BY + ("ecosystem",):
        raise ValueError(f"cannot group the series by {by!r}")
    r = ROLLUP
    keys = [r.c.run_id, RUNS.c.taken_at, r.c.ecosystem] + ([r.c[by]] if by and by != "ecosystem" else [])
    query = select(
        *keys,
        func.sum(r.c.models).label("derivatives"),
        func.sum(r.c.new).label("new"),
        func.sum(r.c.downloads_30d).label("downloads_30d"),
        func.sum(r.c.downloads_delta).label("downloads_delta"),
        func.sum(r.c.with_delta).label("with_delta"),
        func.sum(r.c.negative_deltas).label("negative_deltas"),
        func.sum(r.c.negative_sum).label("negative_sum"),
        func.max(r.c.weeks).label("weeks"),
        *(func.sum(r.c[name]).label(name) for name in PROVIDER_SUMS),
    ).join(RUNS, RUNS.c.id == r.c.run_id)
    if not roots:
        query = query.where(r.c.relation != "base")
    query = where_filters(query, r, filters).group_by(*keys).order_by(RUNS.c.taken_at, r.c.run_id)
    frame = utc_columns(read_frame(engine, query.order_by(r.c.ecosystem)), "taken_at")
    counts = ("derivatives", "new", "downloads_30d", "downloads_delta", "negative_deltas", "negative_sum")
    for name in counts + PROVIDER_SUMS:
        frame[name] = pd.array(frame[name], dtype="Int64")
    frame.loc[frame["with_delta"] == 0, "downloads_delta"] = pd.NA
    frame["weeks"] = frame["weeks"].astype("Float64")
    frame["weekly_downloads"] = weekly_rate(frame["downloads_delta"], frame["weeks"])
    return frame.drop(columns="with_delta")


# --- builders and movers ------------------------------------------------------------------------------


def load_builders(engine: Engine, filters: Filters = EVERYTHING) -> pd.DataFrame:
    """Builders of the latest run's derivatives: derivatives, 30-day and weekly downloads, share.

    A model in two selected ecosystems counts in each.
    """
    columns = ["author", "derivatives", "downloads_30d", "weekly_downloads", "share_30d"]
    latest = latest_runs(engine, filters, 1)
    if not latest:
        return pd.DataFrame(columns=columns)
    b = ROLLUP_BUILDERS
    query = where_filters(
        select(
            b.c.author,
            func.sum(b.c.derivatives).label("derivatives"),
            func.sum(b.c.downloads_30d).label("downloads_30d"),
            func.sum(b.c.weekly_downloads).label("weekly_downloads"),
        )
        .join(RUNS, RUNS.c.id == b.c.run_id)
        .where(b.c.run_id == latest[0])
        .group_by(b.c.author),
        b,
        filters,
    )
    # Rows per family and relation when the filters name some, else the one row per builder.
    fine = (b.c.family != ANY) & (b.c.relation != ANY)
    query = query.where(fine if filters.families or filters.relations else (b.c.family == ANY))
    out = read_frame(engine, query)
    for name in ("derivatives", "downloads_30d", "weekly_downloads"):
        out[name] = pd.array(out[name], dtype="Int64")
    total = out["downloads_30d"].sum()
    out["share_30d"] = out["downloads_30d"].astype("Float64") / total if total else pd.NA
    return out.sort_values(["downloads_30d", "author"], ascending=[False, True], ignore_index=True)[columns]


# What the stored boards hold of a mover: the board's columns up to the figures `boards` derives from them.
_MOVER_COLUMNS = MOVER_COLUMNS[: MOVER_COLUMNS.index("weekly_downloads_before") + 1]


def _boards(engine: Engine, filters: Filters, run_id: int, *, only: str | None = None) -> pd.DataFrame:
    """The run's stored boards' rows within the filters (`only`: that board's)."""
    m = ROLLUP_MOVERS
    query = where_filters(
        select(m.c.board, *(m.c[name] for name in _MOVER_COLUMNS))
        .join(RUNS, RUNS.c.id == m.c.run_id)
        .where(m.c.run_id == run_id),
        m,
        filters,
    )
    if only is not None:
        query = query.where(m.c.board == only)
    frame = read_frame(engine, query)
    for name in ("weekly_downloads", "weekly_downloads_before"):
        frame[name] = pd.array(frame[name], dtype="Int64")
    return frame


def load_movers(engine: Engine, filters: Filters = EVERYTHING, *, n: int = 10) -> dict[str, pd.DataFrame]:
    """Risers, fallers, relative risers of the latest run, entrants to its top `n` (n <= 50), and the two
    runs compared (`compared`: run_id, taken_at, latest first; empty with fewer than two runs).

    As `metrics.compute_movers`: weekly downloads against the ecosystem's previous run, ranked by
    `tracker.core.movers.boards` over the models of the stored boards (each group's first `BOARD_SIZE`);
    entrants are in this run's top `n` and not in the previous run's.
    """
    if not 1 <= n <= BOARD_SIZE:
        raise ValueError(f"n must be between 1 and {BOARD_SIZE}, not {n}")
    runs = latest_runs(engine, filters, 2)
    if len(runs) < 2:
        empty = pd.DataFrame(columns=MOVER_COLUMNS)
        compared = pd.DataFrame({"run_id": pd.Series(dtype="int64"), "taken_at": pd.Series(dtype="object")})
        return {**{name: empty for name in (*RANKED_BY, "entrants")}, "compared": compared}
    now = _boards(engine, filters, runs[0])
    before = _boards(engine, filters, runs[1], only="top")

    def top(frame: pd.DataFrame) -> pd.DataFrame:
        rows = frame[frame["board"] == "top"].sort_values(
            ["weekly_downloads", "model_id"], ascending=[False, True], ignore_index=True
        )
        rows = rows.drop_duplicates("model_id").head(n)[_MOVER_COLUMNS]
        return rows.assign(change=rows["weekly_downloads"] - rows["weekly_downloads_before"])

    top_now, top_before = top(now), set(top(before)["model_id"])
    # every model of the stored boards is a candidate, once per ecosystem
    candidates = now.drop_duplicates(["ecosystem", "model_id"])[_MOVER_COLUMNS]
    return {
        **boards(candidates, n),
        "entrants": top_now[~top_now["model_id"].isin(top_before)].reset_index(drop=True),
        "compared": _compared(engine, runs),
    }


def _compared(engine: Engine, runs: list[int]) -> pd.DataFrame:
    """The runs' ids and instants, in the order given."""
    query = select(RUNS.c.id.label("run_id"), RUNS.c.taken_at).where(RUNS.c.id.in_(runs))
    frame = utc_columns(read_frame(engine, query), "taken_at")
    order = {run: i for i, run in enumerate(runs)}
    return frame.sort_values("run_id", key=lambda ids: ids.map(order), ignore_index=True)
