"""The Overview's headline figures, from the per-run series (`tracker.queries.load_series`); pure."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from tracker import metrics


@dataclass(frozen=True)
class Kpi:
    label: str
    value: str
    delta: str | None
    help: str


def _fmt(value: float | int | None) -> str:
    return "–" if value is None or pd.isna(value) else f"{int(value):,}"


def _delta(now: float | None, before: float | None) -> str | None:
    if now is None or before is None or pd.isna(now) or pd.isna(before):
        return None
    return f"{int(now) - int(before):+,}"


def _per_run(frame: pd.DataFrame, value: str) -> pd.Series:
    """A value summed over ecosystems (and groups) per run, in run order; NA stays NA."""
    if frame.empty:
        return pd.Series(dtype="Float64")
    ordered = frame.sort_values(["taken_at", "run_id"])
    return ordered.groupby(["taken_at", "run_id"], sort=True)[value].agg(
        lambda s: pd.NA if s.isna().all() else s.sum()
    )


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
        ),
        Kpi(
            "New this week",
            _fmt(n_now),
            _delta(n_now, n_before),
            "Derivatives seen in the latest run and not in the previous one.",
        ),
        Kpi(
            "Weekly downloads",
            _fmt(w_now),
            _delta(w_now, w_before),
            "Growth of the all-time download counts since the previous run, per week.",
        ),
        Kpi(
            "Fastest-growing family",
            family or "–",
            f"{growth:+.1%}" if growth is not None else None,
            "Largest relative growth in derivatives since the previous run (families with 10 or more).",
        ),
    ]


def fastest_family(counts: pd.DataFrame, *, minimum: int = 10) -> tuple[str | None, float | None]:
    """The family whose derivative count grew most, relatively, since the previous run (`counts`: the
    series per run, ecosystem and family)."""
    if counts.empty:
        return None, None
    by_family = counts.groupby(["taken_at", "run_id", "family"], as_index=False)["derivatives"].sum()
    by_family["ecosystem"] = "all"
    grown = metrics.compute_growth(by_family, "derivatives", by="family", periods=(1,))
    latest = grown[grown["run_id"] == grown.sort_values(["taken_at", "run_id"])["run_id"].iloc[-1]]
    before = latest["derivatives"] / (1 + latest["derivatives_growth_1"])
    ranked = latest[(before >= minimum)].dropna(subset=["derivatives_growth_1"])
    if ranked.empty:
        return None, None
    top = ranked.sort_values(["derivatives_growth_1", "family"], ascending=[False, True]).iloc[0]
    return str(top["family"]), float(top["derivatives_growth_1"])
