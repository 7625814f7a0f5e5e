"""Charts: pure functions, DataFrame in, Altair chart out (no Streamlit, no I/O)."""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import pandas as pd

HEIGHT = 320
RUN_TIP = alt.Tooltip("taken_at:T", title="run", format="%Y-%m-%d")
DATE_AXIS = alt.Axis(format="%d %b %Y", labelAngle=-30, title=None, tickCount="week")


def _base(frame: pd.DataFrame) -> alt.Chart:
    return alt.Chart(frame.assign(taken_at=frame["taken_at"].dt.tz_convert("UTC").dt.tz_localize(None)))


def _naive(stamp: pd.Timestamp) -> pd.Timestamp:
    return stamp.tz_convert("UTC").tz_localize(None) if stamp.tzinfo else stamp


def _with_archive(chart: alt.Chart, archived: Sequence[pd.Timestamp]) -> alt.Chart | alt.LayerChart:
    """The chart over a grey band spanning the runs backfilled from the weekly archive (half a week
    either side, so the first and last archive points sit inside it)."""
    if not archived:
        return chart
    half = pd.Timedelta(days=3.5)
    band = pd.DataFrame(
        {
            "start": [_naive(min(archived)) - half],
            "end": [_naive(max(archived)) + half],
            "runs": ["from the Hub's weekly archive"],
        }
    )
    shade = (
        alt.Chart(band)
        .mark_rect(color="#9e9e9e", opacity=0.18)
        .encode(x="start:T", x2="end:T", tooltip=[alt.Tooltip("runs:N", title="runs")])
    )
    return alt.layer(shade, chart).properties(height=HEIGHT)


def over_time(
    frame: pd.DataFrame,
    value: str,
    *,
    title: str,
    by: str | None = None,
    log: bool = False,
    stacked: bool = True,
    archived: Sequence[pd.Timestamp] = (),
) -> alt.Chart | alt.LayerChart:
    """A value per run over time: stacked areas by `by` (lines on a log scale, where stacks mislead);
    the runs from the weekly archive (`archived`) shaded."""
    scale = alt.Scale(type="log") if log else alt.Scale(type="linear")
    data = frame.dropna(subset=[value])
    if log:
        data = data[data[value] > 0]
    data = data.astype({value: "float64"})
    tooltip = [RUN_TIP, alt.Tooltip(f"{value}:Q", format=",")]
    if by:
        tooltip.insert(1, alt.Tooltip(f"{by}:N"))
    base = _base(data)
    y = alt.Y(f"{value}:Q", title=title, scale=scale, stack="zero" if stacked and by and not log else None)
    stack = stacked and by and not log
    mark = base.mark_area(opacity=0.85, line=True) if stack else base.mark_line(point=True)
    encoding = {"x": alt.X("taken_at:T", axis=DATE_AXIS), "y": y, "tooltip": tooltip}
    if by:
        encoding["color"] = alt.Color(f"{by}:N", title=by.replace("_", " "))
    return _with_archive(mark.encode(**encoding).properties(height=HEIGHT), archived)


def shares(
    frame: pd.DataFrame, value: str, by: str, *, title: str, archived: Sequence[pd.Timestamp] = ()
) -> alt.Chart | alt.LayerChart:
    """Each `by`'s share of the total per run (normalised stacked areas); archive runs shaded."""
    data = frame.dropna(subset=[value]).astype({value: "float64"})
    chart = (
        _base(data)
        .mark_area(opacity=0.85)
        .encode(
            x=alt.X("taken_at:T", axis=DATE_AXIS),
            y=alt.Y(f"{value}:Q", stack="normalize", title=title, axis=alt.Axis(format="%")),
            color=alt.Color(f"{by}:N", title=by),
            tooltip=[RUN_TIP, f"{by}:N", alt.Tooltip(f"{value}:Q", format=",")],
        )
        .properties(height=HEIGHT)
    )
    return _with_archive(chart, archived)


def bars(frame: pd.DataFrame, value: str, label: str, *, title: str, color: str | None = None) -> alt.Chart:
    """Horizontal bars, largest first: a leaderboard."""
    data = frame.dropna(subset=[value]).astype({value: "float64"})
    encoding = {
        "x": alt.X(f"{value}:Q", title=title),
        "y": alt.Y(f"{label}:N", sort="-x", title=None, axis=alt.Axis(labelLimit=320)),
        "tooltip": [f"{label}:N", alt.Tooltip(f"{value}:Q", format=",")],
    }
    if color:
        encoding["color"] = alt.Color(f"{color}:N")
        encoding["tooltip"].append(f"{color}:N")
    return alt.Chart(data).mark_bar().encode(**encoding).properties(height=alt.Step(22))


def subtree(frame: pd.DataFrame) -> alt.Chart:
    """A lineage subtree as an icicle: one band per depth, each model's width its share of the downloads
    of its depth, coloured by relation. Columns: model_id, depth, relation, downloads_30d."""
    data = frame.copy()
    data["size"] = data["downloads_30d"].fillna(0).astype("float64").clip(lower=1)
    data = data.sort_values(["depth", "size"], ascending=[True, False])
    total = data.groupby("depth")["size"].transform("sum")
    data["x2"] = data.groupby("depth")["size"].cumsum() / total
    data["x"] = data["x2"] - data["size"] / total
    data["depth_label"] = "depth " + data["depth"].astype(str)
    return (
        alt.Chart(data)
        .mark_rect(stroke="white", strokeWidth=0.5)
        .encode(
            x=alt.X("x:Q", axis=None, scale=alt.Scale(domain=[0, 1])),
            x2="x2:Q",
            y=alt.Y("depth_label:N", title=None, sort=alt.SortField("depth")),
            color=alt.Color("relation:N"),
            tooltip=["model_id:N", "relation:N", "depth:Q", alt.Tooltip("downloads_30d:Q", format=",")],
        )
        .properties(height=max(120, 60 * data["depth"].nunique()))
    )


def per_run(
    frame: pd.DataFrame,
    value: str,
    *,
    title: str,
    by: str | None = None,
    log: bool = False,
    archived: Sequence[pd.Timestamp] = (),
) -> alt.Chart | alt.LayerChart:
    """A flow per run (new models, weekly downloads) as stacked bars, one per run; negative values
    (the Hub revising its counts down) stack below zero instead of bending an area. Log: lines. Runs
    from the weekly archive (`archived`) are paler bars."""
    if log:
        return over_time(frame, value, title=title, by=by, log=True, archived=archived)
    data = frame.dropna(subset=[value]).astype({value: "float64"})
    data = data.assign(run=data["taken_at"].dt.strftime("%d %b %Y"))
    order = list(dict.fromkeys(data.sort_values("taken_at")["run"]))
    encoding = {
        "x": alt.X("run:O", sort=order, title=None, axis=alt.Axis(labelAngle=-30)),
        "y": alt.Y(f"{value}:Q", title=title, stack="zero"),
        "tooltip": [alt.Tooltip("run:O", title="run"), alt.Tooltip(f"{value}:Q", format=",")],
    }
    if by:
        encoding["color"] = alt.Color(f"{by}:N", title=by.replace("_", " "))
        encoding["tooltip"].insert(1, alt.Tooltip(f"{by}:N"))
    if archived:
        kinds = {_naive(t) for t in archived}
        naive = data["taken_at"].dt.tz_convert("UTC").dt.tz_localize(None)
        data = data.assign(source=["weekly archive" if t in kinds else "live snapshot" for t in naive])
        encoding["opacity"] = alt.Opacity(
            "source:N",
            title="run",
            scale=alt.Scale(domain=["weekly archive", "live snapshot"], range=[0.45, 1.0]),
        )
        encoding["tooltip"].append(alt.Tooltip("source:N", title="from"))
    return alt.Chart(data).mark_bar().encode(**encoding).properties(height=HEIGHT)
