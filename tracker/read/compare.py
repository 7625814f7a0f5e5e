"""The ecosystems side by side: the Compare page's figures, read from the roll-ups and the roots' rows.

Loaders (`load_*`) read; everything named `compute_*` is pure, tested on literal tables and against
`tracker export`'s files. The per-run series come from `tracker.read.queries.load_series` (the roll-ups);
relative adoption reads only the roots' rows (`ix_membership_roots`); the providers, their roll-ups.

A model in two ecosystems counts in each (as everywhere per ecosystem): shares of ecosystems are shares
of the sum of their figures, not of distinct models.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
from sqlalchemy import and_, func, literal_column, select
from sqlalchemy.engine import Engine

from tracker.core.adoption import MILESTONES, TOP, compute_relative_adoption
from tracker.core.release_dates import ReleaseDates, load_release_dates
from tracker.core.usage import size_class
from tracker.read.metrics import Filters
from tracker.read.queries import (
    EVERYTHING,
    PROVIDER_SUMS,
    load_series,
    read_frame,
    utc_columns,
    where_filters,
)
from tracker.storage.handles import MEMBERSHIP, MODELS, ROLLUP_PROVIDERS, RUNS, SNAPSHOTS

NOT_RECORDED = "not recorded"

# --- loaders --------------------------------------------------------------------------------------------


_ROOT_COLUMNS = [
    "run_id",
    "taken_at",
    "ecosystem",
    "family",
    "model_id",
    "downloads_all_time",
    "parameters",
    "created_at",
]


def load_root_rows(engine: Engine) -> pd.DataFrame:
    """Every root (depth 0) of every complete run: run_id, taken_at, ecosystem, family, model_id,
    downloads_all_time, parameters, created_at. A few hundred rows a run, through the roots' index; the
    instants read once per run and once per root, not on every row (at 119 runs, 48,000 rows, reading
    them on every row was 0.4 of the 0.8 s)."""
    m, s = MEMBERSHIP, SNAPSHOTS
    query = (
        select(m.c.run_id, m.c.ecosystem, m.c.family, m.c.model_id, s.c.downloads_all_time, s.c.parameters)
        .join(RUNS, RUNS.c.id == m.c.run_id)
        .join(s, and_(s.c.run_id == m.c.run_id, s.c.model_id == m.c.model_id))
        # a literal, not a bound parameter: SQLite uses a partial index only for the very term it names
        .where(m.c.depth == literal_column("0"), RUNS.c.status == "complete")
    )
    rows = read_frame(engine, query)
    runs = read_frame(
        engine, select(RUNS.c.id.label("run_id"), RUNS.c.taken_at).where(RUNS.c.status == "complete")
    )
    ids = [str(i) for i in rows["model_id"].unique()]
    created = read_frame(
        engine, select(MODELS.c.model_id, MODELS.c.created_at).where(MODELS.c.model_id.in_(ids))
    )
    frame = rows.merge(utc_columns(runs, "taken_at"), on="run_id").merge(
        utc_columns(created, "created_at"), on="model_id", how="left"
    )
    frame = frame.sort_values(["taken_at", "run_id", "ecosystem", "model_id"], ignore_index=True)
    frame = frame[_ROOT_COLUMNS]
    for name in ("downloads_all_time", "parameters"):
        frame[name] = pd.array(frame[name], dtype="Int64")
    return frame


def load_latest_taken_at(engine: Engine) -> pd.Timestamp | None:
    """The latest complete run's instant."""
    query = select(func.max(RUNS.c.taken_at)).where(RUNS.c.status == "complete")
    with engine.connect() as connection:
        value = connection.execute(query).scalar()
    return None if value is None else pd.to_datetime(value, utc=True)


def load_relative_adoption(
    engine: Engine,
    *,
    milestones: Sequence[int] = MILESTONES,
    top: int = TOP,
    release_dates: ReleaseDates | None = None,
) -> pd.DataFrame:
    """Relative adoption of every root of every tracked ecosystem (`tracker.core.adoption`), per milestone;
    ages count from `release_dates`' days where they name the root (None: the shipped file's)."""
    rows = load_root_rows(engine)
    latest = load_latest_taken_at(engine)
    roots = compute_roots(rows)
    if latest is None:
        latest = pd.Timestamp(0, tz="UTC")
    observations = rows[["model_id", "taken_at", "downloads_all_time"]]
    return compute_relative_adoption(
        observations,
        roots,
        latest=latest,
        milestones=milestones,
        top=top,
        release_dates=load_release_dates() if release_dates is None else release_dates,
    )


def load_provider_series(engine: Engine, filters: Filters = EVERYTHING) -> pd.DataFrame:
    """Per run and ecosystem, every member (roots too): members, with_providers (members whose providers
    the run recorded), live_models (served live by one or more), provider_pairs ((model, provider) pairs)."""
    series = load_series(engine, filters, roots=True).rename(columns={"derivatives": "members"})
    return series[["run_id", "taken_at", "ecosystem", "members", *PROVIDER_SUMS]]


def load_provider_counts(engine: Engine, runs: pd.DataFrame, filters: Filters = EVERYTHING) -> pd.DataFrame:
    """Members served live by each provider: ecosystem, provider, models, at the given (run_id, ecosystem)
    pairs (`runs`: e.g. each ecosystem's latest, from `compute_providers`)."""
    columns = ["ecosystem", "provider", "models"]
    if runs.empty:
        return pd.DataFrame(columns=columns)
    p = ROLLUP_PROVIDERS
    query = where_filters(
        select(p.c.run_id, p.c.ecosystem, p.c.provider, func.sum(p.c.models).label("models"))
        .join(RUNS, RUNS.c.id == p.c.run_id)
        .where(p.c.run_id.in_([int(r) for r in runs["run_id"].unique()]))
        .group_by(p.c.run_id, p.c.ecosystem, p.c.provider),
        p,
        filters,
    )
    frame = read_frame(engine, query)
    frame = frame.merge(runs[["run_id", "ecosystem"]].drop_duplicates(), on=["run_id", "ecosystem"])
    frame["models"] = pd.array(frame["models"], dtype="Int64")
    order = ["models", "ecosystem", "provider"]
    return frame.sort_values(order, ascending=[False, True, True], ignore_index=True)[columns]


# --- pure maths -----------------------------------------------------------------------------------------


def compute_roots(rows: pd.DataFrame) -> pd.DataFrame:
    """One row per root (a model that is a root in some run): model_id, ecosystem (those it is a root of
    in the latest run that saw it as one, joined by ", "), family, created_at, parameters (that run's)
    and size_class (its own count's: a root's relation is `base`)."""
    columns = ["model_id", "ecosystem", "family", "created_at", "parameters", "size_class"]
    if rows.empty:
        return pd.DataFrame(columns=columns)
    ordered = rows.sort_values(["taken_at", "run_id", "ecosystem"])
    last_run = ordered.groupby("model_id")["run_id"].transform("last")
    latest = ordered[ordered["run_id"] == last_run]
    out = latest.groupby("model_id", as_index=False, sort=True).agg(
        ecosystem=("ecosystem", lambda s: ", ".join(sorted(set(s)))),
        family=("family", "first"),
        created_at=("created_at", "first"),
        parameters=("parameters", "first"),
    )
    out["size_class"] = [size_class(None if pd.isna(p) else int(p)) for p in out["parameters"]]
    return out[columns]


def compute_latest(series: pd.DataFrame) -> pd.DataFrame:
    """The rows of each ecosystem's latest run in a per-run series."""
    if series.empty:
        return series
    last = series.sort_values(["taken_at", "run_id"]).groupby("ecosystem")["run_id"].transform("last")
    return series[series["run_id"] == last.reindex(series.index)]


def compute_new_shares(series: pd.DataFrame) -> pd.DataFrame:
    """Each ecosystem's share of the new derivatives per week, per run: run_id, taken_at, ecosystem, new,
    weeks, new_per_week, share.

    `series`: `load_series` per run and ecosystem. New derivatives per week: an ecosystem's `new` over
    the weeks since its previous run. A run where an ecosystem it recorded has no figure (its first run)
    is left out: a share among the others would overstate them.
    """
    columns = ["run_id", "taken_at", "ecosystem", "new", "weeks", "new_per_week", "share"]
    if series.empty:
        return pd.DataFrame(columns=columns)
    frame = series.groupby(["run_id", "taken_at", "ecosystem"], as_index=False).agg(
        new=("new", lambda s: pd.NA if s.isna().any() else s.sum()), weeks=("weeks", "max")
    )
    frame["new"] = pd.array(frame["new"], dtype="Int64")
    frame["weeks"] = frame["weeks"].astype("Float64")
    frame["new_per_week"] = frame["new"].astype("Float64") / frame["weeks"]
    complete = frame.groupby("run_id")["new_per_week"].transform(lambda s: s.notna().all())
    frame = frame[complete.astype(bool)].copy()
    total = frame.groupby("run_id")["new_per_week"].transform("sum")
    frame["share"] = (frame["new_per_week"] / total.where(total > 0)).astype("Float64")
    return frame.sort_values(["taken_at", "run_id", "ecosystem"], ignore_index=True)[columns]


def compute_mix(series: pd.DataFrame, by: str, value: str = "derivatives") -> pd.DataFrame:
    """At each ecosystem's latest run: ecosystem, `by`, `value` and its share of the ecosystem's total
    (`series`: `load_series(..., by)`)."""
    columns = ["run_id", "taken_at", "ecosystem", by, value, "share"]
    latest = compute_latest(series)
    if latest.empty:
        return pd.DataFrame(columns=columns)
    frame = latest.dropna(subset=[value])
    frame = frame.groupby(["run_id", "taken_at", "ecosystem", by], as_index=False)[value].sum()
    frame[value] = frame[value].astype("Float64")
    total = frame.groupby("ecosystem")[value].transform("sum")
    frame["share"] = (frame[value] / total.where(total != 0)).astype("Float64")
    return frame.sort_values(["ecosystem", by], ignore_index=True)[columns]


def compute_providers(series: pd.DataFrame) -> pd.DataFrame:
    """At each ecosystem's latest run: run_id, taken_at, ecosystem, members, live_models, provider_pairs,
    recorded (False: the run did not record providers, e.g. a backfilled run; its figures are then
    missing, not zero). `series`: `load_provider_series`."""
    columns = ["run_id", "taken_at", "ecosystem", "members", "live_models", "provider_pairs", "recorded"]
    latest = compute_latest(series)
    if latest.empty:
        return pd.DataFrame(columns=columns)
    out = latest.assign(recorded=(latest["with_providers"] > 0).fillna(False).astype(bool))
    for name in ("live_models", "provider_pairs"):
        out[name] = out[name].astype("Int64").where(out["recorded"])
    return out.sort_values("ecosystem", ignore_index=True)[columns]


def compute_standing(adoption: pd.DataFrame) -> pd.DataFrame:
    """Per ecosystem, of the roots in `adoption` (one milestone's rows of `load_relative_adoption`):
    on_track (ratio 1 or more), below (under 1), no_ratio (see their `note`). A root of two ecosystems
    counts in each."""
    columns = ["ecosystem", "on_track", "below", "no_ratio"]
    if adoption.empty:
        return pd.DataFrame(columns=columns)
    frame = adoption.assign(ecosystem=adoption["ecosystem"].str.split(", ")).explode("ecosystem")
    ratio = frame["ratio"].astype("Float64")
    frame = frame.assign(
        on_track=(ratio >= 1).fillna(False).astype(int),
        below=(ratio < 1).fillna(False).astype(int),
        no_ratio=ratio.isna().astype(int),
    )
    out = frame.groupby("ecosystem", as_index=False)[columns[1:]].sum()
    return out.sort_values("ecosystem", ignore_index=True)[columns]
