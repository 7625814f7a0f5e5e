"""The whole-Hub view as read by the dashboard, the digest, `tracker bases` and the alerts: the runs that
have it, their bases and groups, and the figures derived from them (shares, risers, newcomers, capture).

One definition each, shared by every reader. Complete runs only, as everywhere; a run without the view
(a tree crawl, or a run from before it existed) is listed by `runs_without_view`, so that a chart can say
which weeks it lacks instead of drawing them as zero.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
from sqlalchemy import Engine, text

TOP = 50  # newcomers: bases that entered the top 50 by new derivatives this run

_RUNS = """
SELECT id AS run_id, taken_at, strategy, source, hub_models, hub_derivatives, hub_new_derivatives
FROM snapshot_run WHERE status = 'complete' {where} ORDER BY taken_at, id
"""


def _dated(frame: pd.DataFrame) -> pd.DataFrame:
    if not frame.empty:
        frame["taken_at"] = pd.to_datetime(frame["taken_at"], utc=True)
    return frame


def _since_until(since: date | None, until: date | None, column: str = "taken_at") -> tuple[str, dict]:
    where, params = "", {}
    if since is not None:
        where += f" AND {column} >= :since"
        params["since"] = pd.Timestamp(since, tz="UTC").to_pydatetime()
    if until is not None:
        where += f" AND {column} < :until"
        params["until"] = (pd.Timestamp(until, tz="UTC") + pd.Timedelta(days=1)).to_pydatetime()
    return where, params


def load_view_runs(engine: Engine, since: date | None = None, until: date | None = None) -> pd.DataFrame:
    """Complete runs with the view, oldest first: `run_id, taken_at, strategy, source, hub_models,
    hub_derivatives, hub_new_derivatives` (the last empty in the first run with the view)."""
    where, params = _since_until(since, until)
    query = _RUNS.format(where="AND hub_models IS NOT NULL" + where)
    with engine.connect() as c:
        frame = pd.read_sql(text(query), c, params=params)
    return _dated(frame.astype({"hub_new_derivatives": "Int64"}))


def runs_without_view(engine: Engine) -> pd.DataFrame:
    """Complete runs that lack the view (`run_id, taken_at, strategy`): a tree, or a run from before it."""
    with engine.connect() as c:
        frame = pd.read_sql(text(_RUNS.format(where="AND hub_models IS NULL")), c)
    return _dated(frame[["run_id", "taken_at", "strategy"]])


def latest_view_run(engine: Engine) -> int | None:
    runs = load_view_runs(engine)
    return None if runs.empty else int(runs["run_id"].iloc[-1])


def previous_view_run(engine: Engine, run_id: int) -> int | None:
    """The complete run with the view just before this one (by `taken_at`), None for the first."""
    runs = load_view_runs(engine)
    ids = list(runs["run_id"])
    if run_id not in ids or ids.index(run_id) == 0:
        return None
    return int(ids[ids.index(run_id) - 1])


def load_bases(engine: Engine, run_id: int) -> pd.DataFrame:
    """Every base of a run (the `bases` export's columns after `run_id, taken_at`), most derivatives
    first, with `tracked` (inside a tracked ecosystem) and `capture_share` (`capture_share`)."""
    query = """
    SELECT base_id, hub_oid, author, organisation, region, derivatives, new_derivatives, finetunes, adapters,
           quantizations, merges, downloads_30d, downloads_all_time, derivative_downloads_30d, ecosystems
    FROM hub_base WHERE run_id = :r ORDER BY derivatives DESC, base_id
    """
    with engine.connect() as c:
        frame = pd.read_sql(text(query), c, params={"r": run_id})
    frame = frame.astype(
        {"new_derivatives": "Int64", "downloads_30d": "Int64", "downloads_all_time": "Int64"}
    )
    frame["tracked"] = frame["ecosystems"].fillna("") != ""
    frame["capture_share"] = capture_share(frame["downloads_30d"], frame["derivative_downloads_30d"])
    return frame


def capture_share(own: pd.Series, derivatives: pd.Series) -> pd.Series:
    """Derivatives' 30-day downloads against the base's plus theirs (Model Pulse's "37% of Qwen3-8B's
    downloads go to its derivatives"); empty when the base's own figure is unknown or both are zero."""
    own = own.astype("Float64")
    total = own + derivatives.astype("Float64")
    return (derivatives.astype("Float64") / total.where(total > 0)).astype("Float64")


def load_groups(
    engine: Engine, kind: str, since: date | None = None, until: date | None = None
) -> pd.DataFrame:
    """A kind of group (`ecosystem`, `organisation`, `region`) over the runs with the view: every
    `hub_group` column, `taken_at`, the Hub's totals, and `share` (of all derivatives) and `new_share`
    (of all new derivatives; empty in the first run with the view)."""
    where, params = _since_until(since, until, "r.taken_at")
    query = f"""
    SELECT g.*, r.taken_at, r.hub_derivatives, r.hub_new_derivatives
    FROM hub_group g JOIN snapshot_run r ON r.id = g.run_id
    WHERE r.status = 'complete' AND g.kind = :kind {where}
    ORDER BY r.taken_at, g.run_id, g.name
    """
    with engine.connect() as c:
        frame = pd.read_sql(text(query), c, params={"kind": kind, **params})
    counts = [c for c in frame.columns if c.startswith("new_")] + ["hub_new_derivatives"]
    frame = frame.astype({c: "Int64" for c in counts})
    frame["share"] = (
        frame["derivatives"] / frame["hub_derivatives"].where(frame["hub_derivatives"] > 0)
    ).astype("Float64")
    hub_new = frame["hub_new_derivatives"].astype("Float64")
    frame["new_share"] = (frame["new_derivatives"].astype("Float64") / hub_new.where(hub_new > 0)).astype(
        "Float64"
    )
    return _dated(frame)


def with_previous(engine: Engine, run_id: int) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """The run's bases and those of the run with the view before it (None: none), read once for the
    comparisons below."""
    previous = previous_view_run(engine, run_id)
    return load_bases(engine, run_id), load_bases(engine, previous) if previous is not None else None


def risers(engine: Engine, run_id: int, n: int = 20) -> pd.DataFrame:
    """The bases whose new derivatives grew most against the run with the view before (`risers_of`)."""
    return risers_of(*with_previous(engine, run_id), n)


def risers_of(now: pd.DataFrame, earlier: pd.DataFrame | None, n: int = 20) -> pd.DataFrame:
    """The bases whose new derivatives grew most against the run with the view before: `base_id,
    new_derivatives, before, growth`, with the other `load_bases` columns; empty unless this run and the
    one before both count new derivatives."""
    if earlier is None or earlier["new_derivatives"].isna().all() or now["new_derivatives"].isna().all():
        return now.iloc[0:0].assign(before=pd.Series(dtype="Int64"), growth=pd.Series(dtype="Int64"))
    before = earlier[["base_id", "new_derivatives"]].rename(columns={"new_derivatives": "before"})
    frame = now.merge(before, on="base_id", how="left")
    frame["before"] = frame["before"].fillna(0).astype("Int64")
    frame["growth"] = (frame["new_derivatives"] - frame["before"]).astype("Int64")
    frame = frame[frame["growth"] > 0].sort_values(["growth", "base_id"], ascending=[False, True])
    return frame.head(n).reset_index(drop=True)


def top_by_new(bases: pd.DataFrame, top: int = TOP) -> pd.DataFrame:
    """The bases ranked within the first `top` by new derivatives (ties share a rank)."""
    ranked = bases[bases["new_derivatives"].fillna(0) > 0].copy()
    ranked["rank"] = ranked["new_derivatives"].rank(method="min", ascending=False).astype(int)
    return ranked[ranked["rank"] <= top].sort_values(["rank", "base_id"])


def newcomers(engine: Engine, run_id: int, top: int = TOP) -> pd.DataFrame:
    """Bases that entered the top `top` by new derivatives this run (`newcomers_of`)."""
    return newcomers_of(*with_previous(engine, run_id), top)


def newcomers_of(now: pd.DataFrame, earlier: pd.DataFrame | None, top: int = TOP) -> pd.DataFrame:
    """Bases that entered the top `top` by new derivatives this run (not in it the run with the view
    before), with `tracked` (False: outside every tracked ecosystem) and their rank; empty when the run
    before does not count new derivatives (the first two runs with the view: no top to enter)."""
    ranked = top_by_new(now, top)
    if earlier is None or earlier["new_derivatives"].isna().all():
        return ranked.iloc[0:0]
    before = set(top_by_new(earlier, top)["base_id"])
    return ranked[~ranked["base_id"].isin(before)].reset_index(drop=True)


def new_bases(engine: Engine, run_id: int) -> pd.DataFrame:
    """Bases of this run that were no base in the run with the view before (`new_bases_of`)."""
    return new_bases_of(*with_previous(engine, run_id))


def new_bases_of(now: pd.DataFrame, earlier: pd.DataFrame | None) -> pd.DataFrame:
    """Bases of this run that were no base in the run with the view before (a new family, or an old
    model whose first derivative appeared), most derivatives first; empty for the first run with the view."""
    if earlier is None:
        return now.iloc[0:0]
    return now[~_keys(now).isin(set(_keys(earlier)))].reset_index(drop=True)


def _keys(bases: pd.DataFrame) -> pd.Series:
    """A base's lasting key: the Hub's `_id` (a rename keeps it), else its id in lower case."""
    return bases["hub_oid"].where(bases["hub_oid"].notna(), bases["base_id"].str.lower())
