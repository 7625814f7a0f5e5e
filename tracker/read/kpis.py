"""The Overview's headline figures, from the per-run series (`tracker.read.queries.load_series`); pure.

One definition, shared: the dashboard's Overview shows them, and `tracker digest` and each scheduled run's
notification (`tracker.report.digest`) report the same figures, formatted the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Kpi:
    """A headline figure: `value` and `delta` as shown (`36,166`, `+1,204`); `key`, `now` and `before` the
    figure's name and raw values (the family's name and its relative growth for the fastest-growing
    family), for scripts (the digest's JSON)."""

    label: str
    value: str
    delta: str | None
    help: str
    key: str = ""
    now: float | int | str | None = None
    before: float | int | None = None


def _fmt(value: float | int | None) -> str:
    return "–" if value is None or pd.isna(value) else f"{int(value):,}"


def _delta(now: float | None, before: float | None) -> str | None:
    if now is None or before is None or pd.isna(now) or pd.isna(before):
        return None
    return f"{int(now) - int(before):+,}"


def _raw(value: object) -> int | None:
    return None if value is None or pd.isna(value) else int(value)


def _per_run(frame: pd.DataFrame, value: str) -> pd.Series:
    """A value summed over ecosystems (and groups) per run, in run order; NA stays NA (a run whose values
    are all NA sums to NA, not 0)."""
    if frame.empty:
        return pd.Series(dtype="Float64")
    return frame.groupby(["taken_at", "run_id"], sort=True)[value].sum(min_count=1)


def _last_two(series: pd.Series) -> tuple[object, object]:
    values = list(series)
    return (values[-1] if values else None), (values[-2] if len(values) > 1 else None)


def overview(series: pd.DataFrame, by_family: pd.DataFrame) -> list[Kpi]:
    """Derivatives, new this week, weekly downloads, fastest-growing family: latest run and change.

    `series`: per run and ecosystem; `by_family`: the same per family too.
    """
    counts = _per_run(series, "derivatives")
    new = _per_run(series, "new")
    weekly = _per_run(series, "weekly_downloads")
    c_now, c_before = _last_two(counts)
    n_now, n_before = _last_two(new)
    w_now, w_before = _last_two(weekly)
    family, growth = fastest_family(by_family)
    return [
        Kpi(
            "Derivatives",
            _fmt(c_now),
            _delta(c_now, c_before),
            "Tracked models at depth > 0 in the latest run.",
            "derivatives",
            _raw(c_now),
            _raw(c_before),
        ),
        Kpi(
            "New this week",
            _fmt(n_now),
            _delta(n_now, n_before),
            "Derivatives seen in the latest run and not in the previous one.",
            "new",
            _raw(n_now),
            _raw(n_before),
        ),
        Kpi(
            "Weekly downloads",
            _fmt(w_now),
            _delta(w_now, w_before),
            "Growth of the all-time download counts since the previous run, per week.",
            "weekly_downloads",
            _raw(w_now),
            _raw(w_before),
        ),
        Kpi(
            "Fastest-growing family",
            family or "–",
            f"{growth:+.1%}" if growth is not None else None,
            "Largest relative growth in derivatives since the previous run (families with 10 or more).",
            "fastest_family",
            family,
            growth,
        ),
    ]


def fastest_family(counts: pd.DataFrame, *, minimum: int = 10) -> tuple[str | None, float | None]:
    """The family whose derivative count grew most, relatively, since the previous run (`counts`: the
    series per run, ecosystem and family)."""
    if counts.empty:
        return None, None
    # Each family's derivatives per run, in run order: a family's previous row is its previous run (the
    # growth of `metrics.compute_growth` over one period, computed for the latest run only, in numpy: the
    # Overview computes it for every ecosystem shown).
    summed = counts.groupby(["family", "taken_at", "run_id"], sort=True)["derivatives"].sum()
    families, taken, runs = (summed.index.get_level_values(level) for level in range(3))
    latest_run = max(zip(taken, runs, strict=True))[1]
    now = summed.to_numpy(dtype=float, na_value=np.nan)
    same_family = np.r_[False, families[1:] == families[:-1]]
    before = np.where(same_family, np.r_[np.nan, now[:-1]], np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        growth = np.where(before != 0, (now - before) / before, np.nan)
    ranked = [
        (-growth[i], families[i])
        for i in np.flatnonzero(runs == latest_run)
        if before[i] >= minimum and not np.isnan(growth[i])
    ]
    if not ranked:
        return None, None
    top_growth, top_family = min(ranked)  # the largest growth; equal growths: the first family by name
    return str(top_family), float(-top_growth)


@dataclass(frozen=True)
class GrowthMultiple:
    """Derivatives in the latest run against those of an earlier run, and the basis of the figure.

    Fields:
        value: the latest run's derivatives over the earlier run's; None when the earlier has none.
        now, before: the two runs' derivatives (summed over the ecosystems in the series).
        now_at, before_at: the two runs' dates (UTC).
        basis: the figure and its basis in words, e.g. "3.2x: 31,204 derivatives on 2025-07-02
            against 9,730 on 2024-07-03".
        note: why the earlier run is not at the chosen date ("" when it is the run on or before it).
    """

    value: float | None
    now: int
    before: int
    now_at: date
    before_at: date
    basis: str
    note: str


def default_since(first: date, last: date) -> date:
    """The growth multiple's default date: a year before the latest run, or the first run if later."""
    year_before = (pd.Timestamp(last) - pd.DateOffset(years=1)).date()
    return max(first, year_before)


def format_multiple(value: float) -> str:
    """`3.2x`; two decimals under 2 (`1.04x`), where one would round small growth away."""
    return f"{value:,.2f}x" if value < 2 else f"{value:,.1f}x"


def growth_multiple(series: pd.DataFrame, since: date) -> GrowthMultiple | None:
    """Derivatives in the latest run against the latest run on or before `since` (a UTC day), else
    against the first run, saying so. `series`: per run and ecosystem (`load_series`); None if empty."""
    counts = _per_run(series, "derivatives").dropna()
    if counts.empty:
        return None
    days = counts.index.get_level_values("taken_at").tz_convert("UTC").date  # in run order
    derivatives = counts.to_numpy()
    on_or_before = np.flatnonzero(days <= since)
    note = ""
    if on_or_before.size:
        earlier = on_or_before[-1]
    else:
        earlier = 0
        note = f"No run on or before {since:%Y-%m-%d}: against the first run."
    now, before = int(derivatives[-1]), int(derivatives[earlier])
    now_at, before_at = days[-1], days[earlier]
    value = now / before if before else None
    figure = format_multiple(value) if value is not None else "No multiple"
    basis = f"{figure}: {now:,} derivatives on {now_at:%Y-%m-%d} against {before:,} on {before_at:%Y-%m-%d}"
    return GrowthMultiple(value, now, before, now_at, before_at, basis, note)
