"""Charts: pure functions, DataFrame in, Altair chart out (no Streamlit, no I/O).

Every colour comes from `tracker.report.palette` through `chart_colours.coloured`: a relation, an
ecosystem, a region has one colour on every chart of the dashboard and the digest; families are shades
of their ecosystem's hue. A chart never has more categories than its scale has colours: past
`palette.MAX_ENTRIES` (families: `palette.TOP_FAMILIES`) the smallest are summed into one grey "other".
`labels` (ecosystem name to its label, for every tracked ecosystem) names the ecosystems as a reader
knows them ("Meta Llama").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import altair as alt
import pandas as pd

from tracker.core.events import Event
from tracker.core.instants import naive_utc
from tracker.report import event_marks, palette
from tracker.report.chart_colours import Colours, coloured, label_of, named

HEIGHT = 320
KEY_HEIGHT = 32
RUN_TIP = alt.Tooltip("taken_at:T", title="run", format="%Y-%m-%d")
# Labels level, those that would overlap left out, over a scale that starts and ends on a month with its
# first and last labels flush inside it: a label turned on its side reached past the chart's left edge,
# and a month's label centred near the end past its right one, where Streamlit cuts them.
DATE_AXIS = alt.Axis(
    format="%b %Y",
    labelAngle=0,
    title=None,
    tickCount="month",
    labelFlush=True,
    labelOverlap="greedy",
    labelSeparation=8,
)
MONTHS = alt.Scale(nice="month")
RUN_AXIS = alt.Axis(labelAngle=0, labelOverlap="greedy", labelSeparation=8)
COUNT_AXIS = alt.Axis(labelFlush=True)  # the last figure ("25,000") inside the chart's right edge
LEGEND_COLUMNS = 4  # a legend below its chart: four names to a row fit a chart 600 px wide


def color_channel(
    field: str,
    colours: Colours,
    *,
    title: str | None = None,
    legend: bool = True,
    bottom: bool = False,
    columns: int | None = None,
) -> alt.Color:
    """A colour channel on `colours`' scale (its order is the legend's), its legend beside the chart (at
    most `palette.MAX_ENTRIES` names: never cut at the chart's height), below it in rows of `columns` when
    `bottom` (one long row is cut at narrow widths: Vega does not wrap legends), or none (`legend=False`:
    see `key`)."""
    shown = None
    if legend and bottom:
        count = columns or min(len(colours.names), LEGEND_COLUMNS) or 1
        shown = alt.Legend(orient="bottom", direction="horizontal", columns=count, labelLimit=180)
    elif legend:
        shown = alt.Legend(orient="right", labelLimit=180)
    name = title or field.replace("_", " ")
    return alt.Color(f"{field}:N", title=name, scale=colours.scale(), legend=shown, sort=list(colours.names))


def _stacked(data: pd.DataFrame, field: str, colours: Colours) -> tuple[pd.DataFrame, alt.Order]:
    """The stacking order: the legend's first at the bottom (Llama, when the legend leads with it)."""
    rank = {name: i for i, name in enumerate(colours.names)}
    return data.assign(_rank=data[field].map(rank)), alt.Order("_rank:Q", sort="ascending")


def key(
    domain: Sequence[str], field: str = "ecosystem", *, labels: Mapping[str, str] | None = None
) -> alt.LayerChart:
    """The colours of `domain` as a row of named squares spread over the width, whatever it is: one
    legend for charts side by side drawn without theirs (`legend=False`)."""
    frame, colours = coloured(
        pd.DataFrame({field: list(domain), "n": 1.0}), field, value="n", domain=domain, labels=labels
    )
    names = list(colours.names)
    base = alt.Chart(frame).encode(
        x=alt.X(f"{field}:N", sort=names, axis=None, scale=alt.Scale(paddingInner=0, paddingOuter=0)),
        y=alt.value(KEY_HEIGHT / 2),  # without it, Vega-Lite draws the row on the top edge, cut in half
        tooltip=[f"{field}:N"],
    )
    squares = base.mark_square(size=140, opacity=1, xOffset=-30).encode(
        color=color_channel(field, colours, legend=False)
    )
    text = base.mark_text(align="left", baseline="middle", dx=-20, fontSize=13).encode(text=f"{field}:N")
    return alt.layer(squares, text).properties(height=KEY_HEIGHT).configure_view(strokeWidth=0)


SHARE_AXIS = alt.Axis(format="%")
WHOLE = alt.Scale(domain=[0, 1])


def _base(frame: pd.DataFrame) -> alt.Chart:
    return alt.Chart(frame.assign(taken_at=frame["taken_at"].dt.tz_convert("UTC").dt.tz_localize(None)))


def _with_archive(chart: alt.Chart, archived: Sequence[pd.Timestamp]) -> alt.Chart | alt.LayerChart:
    """The chart over a grey band spanning the runs backfilled from the weekly archive (half a week
    either side, so the first and last archive points sit inside it)."""
    if not archived:
        return chart
    half = pd.Timedelta(days=3.5)
    band = pd.DataFrame(
        {
            "start": [naive_utc(min(archived)) - half],
            "end": [naive_utc(max(archived)) + half],
            "runs": ["from the Hub's weekly archive"],
        }
    )
    shade = (
        alt.Chart(band)
        .mark_rect(color="#9e9e9e", opacity=0.18)
        .encode(x="start:T", x2="end:T", tooltip=[alt.Tooltip("runs:N", title="runs")])
    )
    gap = archive_gap(chart.data["taken_at"] if isinstance(chart.data, pd.DataFrame) else (), archived)
    if gap is None:
        return alt.layer(shade, chart).properties(height=HEIGHT)
    hole = pd.DataFrame({"start": [gap[0] + half], "end": [gap[1]], "runs": [NO_DATA]})
    outline = (
        alt.Chart(hole)
        .mark_rect(color="#fff3e0", opacity=0.85, stroke=GAP_STROKE, strokeDash=[4, 3], strokeWidth=1)
        .encode(x="start:T", x2="end:T", tooltip=[alt.Tooltip("runs:N", title="runs")])
    )
    # Over the series: the line or area a chart draws from the last archive run to the next is no data.
    return alt.layer(shade, chart, outline).properties(height=HEIGHT)


NO_DATA = "none: no data between the archive's last week of new data and the first live snapshot"
GAP_STROKE = "#ef6c00"  # the gap's dashed outline
GAP_FROM = pd.Timedelta(days=10)  # runs further apart than this, across the archive's end: a gap


Span = tuple[pd.Timestamp, pd.Timestamp]


def archive_gap(times: Sequence, archived: Sequence[pd.Timestamp]) -> Span | None:
    """The stretch from the last archive run to the first later run on the chart, when they are more than
    `GAP_FROM` apart (the archive's files after its real end repeat it and are not imported): drawn as
    a gap, never as a flat line. Naive UTC instants, as the charts draw them."""
    if not archived:
        return None
    last = naive_utc(max(archived))
    later = sorted(t for t in (naive_utc(x) for x in times) if t > last)
    if not later or later[0] - last <= GAP_FROM:
        return None
    return last, later[0]


def over_time(
    frame: pd.DataFrame,
    value: str,
    *,
    title: str,
    by: str | None = None,
    log: bool = False,
    stacked: bool = True,
    archived: Sequence[pd.Timestamp] = (),
    domain: Sequence[str] | None = None,
    legend: bool = True,
    labels: Mapping[str, str] | None = None,
    events: Sequence[Event] = (),
) -> alt.Chart | alt.LayerChart:
    """A value per run over time: stacked areas by `by` (lines on a log scale, where stacks mislead);
    the runs from the weekly archive (`archived`) shaded; `domain`, `labels`: as `coloured`; `legend`:
    as `color_channel`; `events` (a download chart's) marked where the runs' span crosses them."""
    scale = alt.Scale(type="log") if log else alt.Scale(type="linear")
    data = frame.dropna(subset=[value])
    if log:
        data = data[data[value] > 0]
    data = data.astype({value: "float64"})
    tooltip = [RUN_TIP, alt.Tooltip(f"{value}:Q", format=",")]
    encoding = {"x": alt.X("taken_at:T", axis=DATE_AXIS, scale=MONTHS), "tooltip": tooltip}
    if by:
        data, colours = coloured(data, by, value=value, domain=domain, labels=labels)
        data, encoding["order"] = _stacked(data, by, colours)
        tooltip.insert(1, alt.Tooltip(f"{by}:N", title=by.replace("_", " ")))
        encoding["color"] = color_channel(by, colours, legend=legend)
    stack = stacked and by and not log
    encoding["y"] = alt.Y(f"{value}:Q", title=title, scale=scale, stack="zero" if stack else None)
    mark = _base(data).mark_area(opacity=0.85, line=True) if stack else _base(data).mark_line(point=True)
    chart = _with_archive(mark.encode(**encoding).properties(height=HEIGHT), archived)
    return event_marks.on_time_axis(chart, events, data["taken_at"])


def shares(
    frame: pd.DataFrame,
    value: str,
    by: str,
    *,
    title: str,
    archived: Sequence[pd.Timestamp] = (),
    labels: Mapping[str, str] | None = None,
) -> alt.Chart | alt.LayerChart:
    """Each `by`'s share of the total per run (normalised stacked areas); archive runs shaded."""
    data = frame.dropna(subset=[value]).astype({value: "float64"})
    data, colours = coloured(data, by, value=value, labels=labels)
    chart = (
        _base(data)
        .mark_area(opacity=0.85)
        .encode(
            x=alt.X("taken_at:T", axis=DATE_AXIS, scale=MONTHS),
            y=alt.Y(f"{value}:Q", stack="normalize", title=title, axis=alt.Axis(format="%")),
            color=color_channel(by, colours),
            tooltip=[RUN_TIP, f"{by}:N", alt.Tooltip(f"{value}:Q", format=",")],
        )
        .properties(height=HEIGHT)
    )
    return _with_archive(chart, archived)


def share_areas(
    frame: pd.DataFrame,
    by: str,
    *,
    title: str,
    counts: Sequence[tuple[str, str]] = (),
    archived: Sequence[pd.Timestamp] = (),
    domain: Sequence[str] | None = None,
    labels: Mapping[str, str] | None = None,
) -> alt.Chart | alt.LayerChart:
    """Shares computed beforehand (column `share`, summing to 1 per run) as stacked areas by `by`, with
    `counts` ((column, title) pairs) in the tooltip; archive runs shaded; the legend below."""
    data = frame.dropna(subset=["share"]).astype({"share": "float64"})
    data = data.astype({name: "float64" for name, _ in counts})
    sums = ["share", *(name for name, _ in counts)]
    data, colours = coloured(data, by, value="share", sums=sums, domain=domain, labels=labels)
    tooltip = [RUN_TIP, alt.Tooltip(f"{by}:N"), alt.Tooltip("share:Q", format=".1%")]
    tooltip += [alt.Tooltip(f"{name}:Q", title=label, format=",.1f") for name, label in counts]
    rank = {name: i for i, name in enumerate(colours.names)}
    chart = (
        _base(data.assign(_order=data[by].map(rank)))
        .mark_area(opacity=0.85)
        .encode(
            x=alt.X("taken_at:T", axis=DATE_AXIS, scale=MONTHS),
            y=alt.Y("share:Q", stack="zero", title=title, axis=SHARE_AXIS, scale=WHOLE),
            color=color_channel(by, colours, bottom=True),
            order=alt.Order("_order:Q"),
            tooltip=tooltip,
        )
        .properties(height=HEIGHT)
    )
    return _with_archive(chart, archived)


def mix(
    frame: pd.DataFrame,
    by: str,
    value: str,
    *,
    title: str,
    order: Sequence[str] | None = None,
    rows: Sequence[str] | None = None,
    labels: Mapping[str, str] | None = None,
) -> alt.Chart:
    """One bar per ecosystem split by `by` into its shares (column `share`), `value` in the tooltip;
    `order`: the parts' order; `rows`: the ecosystems' order (default: the palette's)."""
    data = frame.dropna(subset=["share"]).astype({"share": "float64", value: "float64"})
    rows = list(rows) if rows else palette.ecosystem_order(data["ecosystem"])
    data, colours = coloured(
        data, by, value="share", keys=("ecosystem",), sums=["share", value], domain=order, labels=labels
    )
    shown = label_of(labels)
    rank = {name: i for i, name in enumerate(colours.names)}
    return (
        alt.Chart(data.assign(_order=data[by].map(rank)))
        .mark_bar()
        .encode(
            x=alt.X("share:Q", stack="zero", title=title, axis=SHARE_AXIS, scale=WHOLE),
            y=alt.Y("ecosystem:N", title=None, sort=[shown.get(r, r) for r in rows]),
            color=color_channel(by, colours, bottom=True),
            order=alt.Order("_order:Q"),
            tooltip=[
                "ecosystem:N",
                alt.Tooltip(f"{by}:N", title=by.replace("_", " ")),
                alt.Tooltip("share:Q", format=".1%"),
                alt.Tooltip(f"{value}:Q", title=value.replace("_", " "), format=","),
            ],
        )
        .properties(height=alt.Step(28))
    )


def bars(
    frame: pd.DataFrame,
    value: str,
    label: str,
    *,
    title: str,
    color: str | None = None,
    domain: Sequence[str] | None = None,
    legend: bool = True,
    labels: Mapping[str, str] | None = None,
) -> alt.Chart:
    """Horizontal bars, largest first: a leaderboard (split by `color`, its legend below, when given)."""
    data = frame.dropna(subset=[value]).astype({value: "float64"})
    encoding = {
        "x": alt.X(f"{value}:Q", title=title, axis=COUNT_AXIS),
        "y": alt.Y(f"{label}:N", sort="-x", title=None, axis=alt.Axis(labelLimit=320)),
        "tooltip": [f"{label}:N", alt.Tooltip(f"{value}:Q", format=",")],
    }
    if color:
        data, colours = coloured(data, color, value=value, keys=(label,), domain=domain, labels=labels)
        encoding["color"] = color_channel(color, colours, legend=legend, bottom=True)
        if color != label:
            encoding["tooltip"].append(f"{color}:N")
    else:
        data = named(data, label_of(labels))
    return alt.Chart(data).mark_bar().encode(**encoding).properties(height=alt.Step(22))


def per_run(
    frame: pd.DataFrame,
    value: str,
    *,
    title: str,
    by: str | None = None,
    log: bool = False,
    archived: Sequence[pd.Timestamp] = (),
    domain: Sequence[str] | None = None,
    labels: Mapping[str, str] | None = None,
    events: Sequence[Event] = (),
) -> alt.Chart | alt.LayerChart:
    """A flow per run (new models, weekly downloads) as stacked bars, one per run; negative values
    (the Hub revising its counts down) stack below zero instead of bending an area. Log: lines. Runs
    from the weekly archive (`archived`) are paler bars; `domain`, `labels`: as `coloured`; `events`: a
    rule on the bar of each run whose step holds one."""
    if log:
        drawn = {"archived": archived, "domain": domain, "labels": labels, "events": events}
        return over_time(frame, value, title=title, by=by, log=True, **drawn)
    data = frame.dropna(subset=[value]).astype({value: "float64"})
    encoding = {"y": alt.Y(f"{value}:Q", title=title, stack="zero")}
    tooltip = [alt.Tooltip("run:O", title="run"), alt.Tooltip(f"{value}:Q", format=",")]
    if by:
        data, colours = coloured(data, by, value=value, domain=domain, labels=labels)
        data, encoding["order"] = _stacked(data, by, colours)
        encoding["color"] = color_channel(by, colours)
        tooltip.insert(1, alt.Tooltip(f"{by}:N", title=by.replace("_", " ")))
    data = data.assign(run=data["taken_at"].dt.strftime("%d %b %Y"))
    order = list(dict.fromkeys(data.sort_values("taken_at")["run"]))
    encoding["x"] = alt.X("run:O", sort=order, title=None, axis=RUN_AXIS)
    if archived:
        kinds = {naive_utc(t) for t in archived}
        naive = data["taken_at"].dt.tz_convert("UTC").dt.tz_localize(None)
        data = data.assign(source=["weekly archive" if t in kinds else "live snapshot" for t in naive])
        encoding["opacity"] = alt.Opacity(
            "source:N",
            title="run",
            scale=alt.Scale(domain=["weekly archive", "live snapshot"], range=[0.45, 1.0]),
        )
        tooltip.append(alt.Tooltip("source:N", title="from"))
    encoding["tooltip"] = tooltip
    chart = alt.Chart(data).mark_bar().encode(**encoding).properties(height=HEIGHT)
    return event_marks.on_runs(chart, events, data, order)
