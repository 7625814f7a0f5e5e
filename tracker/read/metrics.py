"""History metrics: read-only loaders (SQL -> DataFrame) and the pure maths over them.

Loaders read complete runs only, through `tracker.read.history` (one definition of the history and its
deltas). Everything named `compute_*` is pure: DataFrames in, DataFrames out, no clock, no I/O, so
it is tested on literal tables with hand-computed answers. The dashboard and the exports read
through here.

Conventions: a *derivative* is a tracked model at depth > 0 (roots are the bases themselves);
`downloads_delta` is the all-time count's change since the ecosystem's previous complete run;
weekly figures divide a delta by the weeks between the two runs; negative deltas (the Hub revising
its counts down) are kept and flagged, never clipped. Those measures themselves (weekly rate, negative
deltas, relative change, quantization format) are `tracker.core.measures`'s, shared with the roll-ups;
who counts as a mover, and its rank, is `tracker.core.movers`'s.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.engine import Engine

from tracker.core.measures import WEEK, negatives, quant_format, weekly_rate
from tracker.core.movers import COLUMNS as MOVER_COLUMNS
from tracker.core.movers import FLOORS, RANKED_BY, Floors, boards
from tracker.read.history import history_select
from tracker.storage.tables.runs import ModelRecord, RunEdge, SnapshotRun


@dataclass(frozen=True)
class Filters:
    """What the dashboard and exports narrow the history to; None means everything."""

    ecosystems: tuple[str, ...] | None = None
    families: tuple[str, ...] | None = None
    relations: tuple[str, ...] | None = None
    since: datetime | None = None
    until: datetime | None = None


# --- loaders -------------------------------------------------------------------------------------------


def load_history(engine: Engine, filters: Filters = Filters()) -> pd.DataFrame:
    """The history (one row per model per ecosystem per complete run) with the model's attributes."""
    query = history_select(
        ecosystems=filters.ecosystems, families=filters.families, since=filters.since, until=filters.until
    )
    with engine.connect() as connection:
        frame = pd.DataFrame(connection.execute(query).mappings().all(), columns=_HISTORY_COLUMNS)
        attrs = pd.DataFrame(
            connection.execute(
                select(
                    ModelRecord.model_id,
                    ModelRecord.author,
                    ModelRecord.created_at,
                    ModelRecord.library_name,
                    ModelRecord.license,
                    ModelRecord.tags,
                )
            ).all(),
            columns=["model_id", "author", "created_at", "library_name", "license", "tags"],
        )
    if filters.relations:
        frame = frame[frame["relation"].isin(filters.relations)]
    frame = frame.merge(attrs, on="model_id", how="left")
    return _typed(frame)


_HISTORY_COLUMNS = [
    "run_id",
    "taken_at",
    "ecosystem",
    "family",
    "model_id",
    "relation",
    "depth",
    "downloads_30d",
    "downloads_all_time",
    "downloads_delta",
    "likes",
    "trending_score",
    "live_providers",
]


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    for name in (
        "downloads_30d",
        "downloads_all_time",
        "downloads_delta",
        "likes",
        "trending_score",
        "live_providers",
        "depth",
    ):
        frame[name] = pd.array(frame[name], dtype="Int64")
    for name in ("taken_at", "created_at"):
        frame[name] = pd.to_datetime(frame[name], utc=True)
    return frame


def load_runs(engine: Engine) -> pd.DataFrame:
    """Every complete run: id, taken_at, ecosystems."""
    query = select(SnapshotRun.id, SnapshotRun.taken_at, SnapshotRun.ecosystems).where(
        SnapshotRun.status == "complete"
    )
    with engine.connect() as connection:
        frame = pd.DataFrame(connection.execute(query).all(), columns=["run_id", "taken_at", "ecosystems"])
    frame["taken_at"] = pd.to_datetime(frame["taken_at"], utc=True)
    return frame.sort_values(["taken_at", "run_id"], ignore_index=True)


def load_edges(engine: Engine) -> pd.DataFrame:
    """Declared parent links per complete run: run_id, child_id, parent_id, relation."""
    query = (
        select(RunEdge.run_id, RunEdge.child_id, RunEdge.parent_id, RunEdge.relation)
        .join(SnapshotRun, SnapshotRun.id == RunEdge.run_id)
        .where(SnapshotRun.status == "complete")
    )
    with engine.connect() as connection:
        return pd.DataFrame(
            connection.execute(query).all(), columns=["run_id", "child_id", "parent_id", "relation"]
        )


# --- pure maths: shapes ----------------------------------------------------------------------------------


def derivatives(history: pd.DataFrame) -> pd.DataFrame:
    """Only the derivatives (depth > 0)."""
    return history[history["depth"] > 0]


def _keys(by: str | None) -> list[str]:
    return ["run_id", "taken_at", "ecosystem"] + ([by] if by else [])


def compute_counts(history: pd.DataFrame, by: str | None = None) -> pd.DataFrame:
    """Derivatives per run and ecosystem (and `by`: family, relation, depth, ...): column `derivatives`."""
    frame = derivatives(history)
    return frame.groupby(_keys(by), dropna=False).size().rename("derivatives").reset_index()


def compute_new(history: pd.DataFrame, by: str | None = None) -> pd.DataFrame:
    """Derivatives seen in a run but not in the ecosystem's previous run: column `new`.

    The first run of an ecosystem has no previous one: its `new` is missing (use the backfill).
    """
    frame = derivatives(history)[["run_id", "taken_at", "ecosystem", "model_id"] + ([by] if by else [])]
    runs = (
        frame[["ecosystem", "run_id", "taken_at"]]
        .drop_duplicates()
        .sort_values(["ecosystem", "taken_at", "run_id"])
    )
    runs["prev_run_id"] = runs.groupby("ecosystem")["run_id"].shift()
    seen = set(zip(frame["ecosystem"], frame["run_id"], frame["model_id"], strict=True))
    prev = frame.merge(runs[["ecosystem", "run_id", "prev_run_id"]], on=["ecosystem", "run_id"])
    prev["is_new"] = [
        (eco, int(p), mid) not in seen if not pd.isna(p) else pd.NA
        for eco, p, mid in zip(prev["ecosystem"], prev["prev_run_id"], prev["model_id"], strict=True)
    ]
    out = prev.groupby(_keys(by), dropna=False)["is_new"].agg(
        lambda s: pd.NA if s.isna().any() else int(s.sum())
    )
    return out.rename("new").reset_index().astype({"new": "Int64"})


def compute_backfill(history: pd.DataFrame, by: str | None = None) -> pd.DataFrame:
    """New derivatives per week before each ecosystem's first run, from `created_at` (labelled `backfilled`).

    Counted from the models of the first run, so models deleted before it are missing: a floor, not a count.
    """
    frame = derivatives(history)
    first = frame.groupby("ecosystem")["taken_at"].transform("min")
    first_run = frame[frame["taken_at"] == first]
    created = first_run[first_run["created_at"] < first_run["taken_at"]]
    weeks = (
        created["created_at"].dt.tz_convert("UTC").dt.tz_localize(None).dt.to_period("W-SUN").dt.start_time
    )
    keys = ["ecosystem"] + ([by] if by else [])
    out = created.assign(week=weeks.dt.tz_localize("UTC")).groupby(["week", *keys], dropna=False).size()
    out = out.rename("new").reset_index()
    out["backfilled"] = True
    return out


def compute_downloads(history: pd.DataFrame, by: str | None = None) -> pd.DataFrame:
    """Per run: the 30-day sum, the all-time delta since the previous run, weeks elapsed, weekly downloads,
    and the negative deltas (count and sum) kept apart so a Hub revision shows instead of vanishing."""
    frame = derivatives(history)
    keys = _keys(by)
    grouped = frame.assign(**negatives(frame["downloads_delta"])).groupby(keys, dropna=False)
    out = grouped.agg(
        downloads_30d=("downloads_30d", "sum"),
        downloads_delta=("downloads_delta", "sum"),
        with_delta=("downloads_delta", "count"),
        negative_deltas=("negative", "sum"),
        negative_sum=("negative_sum", "sum"),
    ).reset_index()
    spans = _run_spans(history)
    out = out.merge(spans, on=["ecosystem", "run_id"], how="left")
    out.loc[out["with_delta"] == 0, "downloads_delta"] = pd.NA
    out["downloads_delta"] = out["downloads_delta"].astype("Int64")
    out["weekly_downloads"] = weekly_rate(out["downloads_delta"], out["weeks"])
    return out.drop(columns="with_delta")


def _run_spans(history: pd.DataFrame) -> pd.DataFrame:
    """Weeks between each ecosystem's run and its previous one (missing for the first)."""
    runs = (
        history[["ecosystem", "run_id", "taken_at"]]
        .drop_duplicates()
        .sort_values(["ecosystem", "taken_at", "run_id"])
    )
    runs["weeks"] = runs.groupby("ecosystem")["taken_at"].diff() / WEEK
    return runs[["ecosystem", "run_id", "weeks"]]


def compute_growth(
    series: pd.DataFrame, value: str, *, by: str | None = None, periods: Sequence[int] = (1, 4)
) -> pd.DataFrame:
    """Adds `<value>_growth_<n>` columns: the relative change over the last n runs of the same series."""
    keys = ["ecosystem"] + ([by] if by else [])
    out = series.sort_values([*keys, "taken_at"]).copy()
    values = out[value].astype("Float64")
    for n in periods:
        before = values.groupby([out[k] for k in keys], dropna=False).shift(n)
        out[f"{value}_growth_{n}"] = (values - before) / before.where(before != 0)
    return out


def compute_weekly_per_model(history: pd.DataFrame) -> pd.DataFrame:
    """Each derivative's weekly downloads per run (its delta over the weeks since the previous run)."""
    frame = derivatives(history).merge(_run_spans(history), on=["ecosystem", "run_id"], how="left")
    frame["weekly_downloads"] = weekly_rate(frame["downloads_delta"], frame["weeks"])
    return frame


def compute_movers(history: pd.DataFrame, *, n: int = 10, floors: Floors = FLOORS) -> dict[str, pd.DataFrame]:
    """Risers, fallers and relative risers of the latest run against the one before, new entrants, and
    the two runs compared (`compared`: run_id, taken_at, latest first; empty with fewer than two runs).

    The boards are `tracker.core.movers.boards`: only the models that clear its floors, each model once,
    equal values sharing a rank. Entrants: in this run's top `n` by weekly downloads, not in the previous
    run's.
    """
    weekly = compute_weekly_per_model(history)
    runs = weekly[["run_id", "taken_at"]].drop_duplicates().sort_values(["taken_at", "run_id"])
    compared = runs.tail(2).iloc[::-1].reset_index(drop=True) if len(runs) > 1 else runs.iloc[0:0]
    if len(runs) < 2:
        empty = pd.DataFrame(columns=MOVER_COLUMNS)
        return {**{name: empty for name in (*RANKED_BY, "entrants")}, "compared": compared}
    now, before = compared["run_id"]
    cols = ["ecosystem", "model_id", "family", "relation", "author", "weekly_downloads"]
    current = weekly[weekly["run_id"] == now][cols]
    previous = weekly[weekly["run_id"] == before][["ecosystem", "model_id", "weekly_downloads"]]
    both = current.merge(previous, on=["ecosystem", "model_id"], how="left", suffixes=("", "_before"))
    both["change"] = both["weekly_downloads"] - both["weekly_downloads_before"]
    entrants_now = _top(both, n)
    entrants_before = set(_top(previous, n)["model_id"])
    return {
        **boards(both, n, floors),
        "entrants": entrants_now[~entrants_now["model_id"].isin(entrants_before)],
        "compared": compared,
    }


def _top(frame: pd.DataFrame, n: int) -> pd.DataFrame:
    ranked = frame.dropna(subset=["weekly_downloads"]).sort_values(
        ["weekly_downloads", "model_id"], ascending=[False, True]
    )
    return ranked.drop_duplicates("model_id").head(n)


def compute_concentration(values: pd.Series, top: int = 10) -> dict[str, float]:
    """Share of the `top` largest values in the total, and the Herfindahl-Hirschman index (0-10,000)."""
    clean = pd.Series(values, dtype="Float64").dropna()
    clean = clean[clean > 0]
    total = float(clean.sum())
    if total <= 0:
        return {"top_share": float("nan"), "hhi": float("nan"), "count": 0}
    shares = clean / total
    return {
        "top_share": float(clean.nlargest(top).sum() / total),
        "hhi": float((shares.astype(float) * 100).pow(2).sum()),
        "count": int(len(clean)),
    }


def compute_builders(history: pd.DataFrame, *, n: int | None = None) -> pd.DataFrame:
    """Builders (authors) of the latest run's derivatives: derivatives, 30-day downloads, weekly, share.

    A model in two ecosystems counts in each (as the roll-ups, which are per ecosystem, count it).
    """
    weekly = compute_weekly_per_model(history)
    if weekly.empty:
        return pd.DataFrame(
            columns=["author", "derivatives", "downloads_30d", "weekly_downloads", "share_30d"]
        )
    latest = weekly[weekly["run_id"] == _latest_run(weekly)].drop_duplicates(["ecosystem", "model_id"])
    out = latest.groupby("author", dropna=False).agg(
        derivatives=("model_id", "size"),
        downloads_30d=("downloads_30d", "sum"),
        weekly_downloads=("weekly_downloads", "sum"),
    )
    total = out["downloads_30d"].sum()
    out["share_30d"] = out["downloads_30d"].astype("Float64") / total if total else pd.NA
    out = out.reset_index().sort_values(
        ["downloads_30d", "author"], ascending=[False, True], ignore_index=True
    )
    return out.head(n) if n else out


def _latest_run(frame: pd.DataFrame) -> int:
    return int(frame.sort_values(["taken_at", "run_id"])["run_id"].iloc[-1])


def compute_formats(history: pd.DataFrame) -> pd.DataFrame:
    """Quantized derivatives per run by format."""
    frame = derivatives(history)
    frame = frame[frame["relation"] == "quantized"]
    formats = [quant_format(t, lib) for t, lib in zip(frame["tags"], frame["library_name"], strict=True)]
    out = frame.assign(format=formats).groupby(["run_id", "taken_at", "ecosystem", "format"]).size()
    return out.rename("derivatives").reset_index()


def compute_licences(history: pd.DataFrame) -> pd.DataFrame:
    """Derivatives per run by licence (`none` when the model declares none)."""
    frame = derivatives(history).assign(license=lambda f: f["license"].fillna("none"))
    return compute_counts(frame, "license")


def compute_depths(history: pd.DataFrame) -> pd.DataFrame:
    """Tracked models per run by depth (roots at 0)."""
    return history.groupby(["run_id", "taken_at", "ecosystem", "depth"]).size().rename("models").reset_index()


def compute_orphans(history: pd.DataFrame, edges: pd.DataFrame) -> pd.DataFrame:
    """Tracked derivatives of the latest run with a declared base not recorded in that run.

    `lost`: the base was recorded in an earlier run and is gone now (deleted, made private or renamed
    away); `unknown`: never recorded (a base that never existed, or one outside the tracked ecosystems).
    """
    if history.empty:
        return pd.DataFrame(columns=["ecosystem", "model_id", "parent_id", "reason"])
    latest = _latest_run(history)
    now = history[history["run_id"] == latest]
    recorded_now = set(now["model_id"].str.lower())
    ever = set(history["model_id"].str.lower())
    links = edges[edges["run_id"] == latest].merge(
        now[["ecosystem", "model_id"]], left_on="child_id", right_on="model_id"
    )
    links = links[~links["parent_id"].str.lower().isin(recorded_now)]
    reason = np.where(links["parent_id"].str.lower().isin(ever), "lost", "unknown")
    out = links.assign(reason=reason)[["ecosystem", "model_id", "parent_id", "reason"]]
    return out.sort_values(["ecosystem", "model_id", "parent_id"], ignore_index=True)
