"""Events on the download charts: a marked rule at each event a chart's span crosses (pure, Altair).

A download series steps where the Hub changed what it counts (`tracker.core.events`); the rule says so
on the chart, the event's text, date and source on hover (on the rule and on the marker at its top,
which is easier to reach). An event outside the chart's span draws nothing. Event text is shown by
Vega's tooltip, which writes it as text, never as HTML.
"""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import pandas as pd

from tracker.core.events import Event, events_between, events_in_step
from tracker.core.instants import naive_utc

COLOUR = "#c62828"  # apart from every palette hue: an event is no series
LAYER_NAME = "hub_events"  # the rule layer's name in the spec (`tracker.report.charts`' tests find it)
TOOLTIP = [
    alt.Tooltip("event:N", title="event"),
    alt.Tooltip("day:N", title="date"),
    alt.Tooltip("source:N", title="source"),
]


def _frame(events: Sequence[Event], **columns: list) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "event": [e.what for e in events],
            "day": [f"{e.date:%Y-%m-%d}" for e in events],
            "source": [e.source for e in events],
            **columns,
        }
    )


def _marks(frame: pd.DataFrame, x: alt.X, tooltip: list) -> alt.LayerChart:
    rule = alt.Chart(frame).mark_rule(color=COLOUR, strokeDash=[6, 3], strokeWidth=2)
    rule = rule.encode(x=x, tooltip=tooltip)
    marker = (
        alt.Chart(frame)
        .mark_point(shape="triangle-down", size=110, filled=True, color=COLOUR, opacity=1)
        .encode(x=x, y=alt.value(6), tooltip=tooltip)
    )
    return alt.layer(rule, marker, name=LAYER_NAME)


def on_time_axis(
    chart: alt.Chart | alt.LayerChart, events: Sequence[Event], taken_at: Sequence[pd.Timestamp]
) -> alt.Chart | alt.LayerChart:
    """`chart` (x: `taken_at:T`, naive UTC) with a rule at each event from its first run to its last."""
    stamps = [naive_utc(t) for t in taken_at]
    if not events or not stamps:
        return chart
    within = events_between(events, min(stamps).to_pydatetime(), max(stamps).to_pydatetime())
    if not within:
        return chart
    frame = _frame(within, taken_at=[pd.Timestamp(e.date) for e in within])
    return _over(chart, _marks(frame, alt.X("taken_at:T"), TOOLTIP))


def on_runs(
    chart: alt.Chart, events: Sequence[Event], runs: pd.DataFrame, order: Sequence[str]
) -> alt.Chart | alt.LayerChart:
    """`chart` (x: `run:O`, one bar per run, in `order`) with a rule on the bar of each run whose step
    from the run before holds an event (`runs`: taken_at, run: the bar's label); the first run's step is
    not drawn, so an event before it draws nothing."""
    if not events or runs.empty:
        return chart
    steps = runs[["taken_at", "run"]].drop_duplicates("run").sort_values("taken_at")
    rows: list[tuple[Event, str]] = []
    for (before, _), (now, label) in zip(steps.values[:-1], steps.values[1:], strict=True):
        rows += [(e, label) for e in events_in_step(events, naive_utc(before), naive_utc(now))]
    if not rows:
        return chart
    frame = _frame([e for e, _ in rows], run=[label for _, label in rows])
    x = alt.X("run:O", sort=list(order), title=None)
    tooltip = [*TOOLTIP, alt.Tooltip("run:N", title="in the step to the run of")]
    return _over(chart, _marks(frame, x, tooltip))


def _over(chart: alt.Chart | alt.LayerChart, marks: alt.LayerChart) -> alt.LayerChart:
    """The marks over the chart, at the chart's height."""
    layered = alt.layer(chart, marks)
    height = getattr(chart, "height", alt.Undefined)
    return layered if height is alt.Undefined else layered.properties(height=height)
