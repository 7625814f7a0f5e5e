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

from tracker.report import palette
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
    domain: Sequence[str] | None = None,
    legend: bool = True,
    labels: Mapping[str, str] | None = None,
) -> alt.Chart | alt.LayerChart:
    """A value per run over time: stacked areas by `by` (lines on a log scale, where stacks mislead);
    the runs from the weekly archive (`archived`) shaded; `domain`, `labels`: as `coloured`; `legend`:
    as `color_channel`."""
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
    return _with_archive(mark.encode(**encoding).properties(height=HEIGHT), archived)


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


# the tree's selections, one per layer (spans, merges' outlines, names): clicking a model picks it
TREE_PICKS = ("pick", "pick_outline", "pick_name")
TREE_COLOURS = tuple(palette.RELATION_COLOURS)  # base, finetune, adapter, quantized, merge
TREE_COLUMNS = (
    *("model_id", "name", "parent", "relation", "level_name", "x0", "x1", "share", "parents"),
    *("downloads_30d", "descendants", "likes", "drawn_under", "in_filters"),
)


def tree(spans: pd.DataFrame, *, size_title: str) -> alt.LayerChart:
    """A lineage tree as an icicle (`dashboard.tree.layout`'s spans): the chosen model on the top row,
    each model inside its parent's span, coloured by relation; a merge drawn under several parents is
    outlined with dashes; models outside the sidebar's filters (`in_filters` false) are faded; hover for
    names and figures; clicking a model selects it (`TREE_PICKS`). `size_title`: what the widths measure."""
    data = spans.copy()
    data["name"] = data["model_id"].str.split("/").str[-1]
    data["level_name"] = [
        "chosen model" if r == 0 else f"{r} link{'s' if r > 1 else ''} below" for r in data["row"]
    ]
    data["drawn_under"] = [
        f"{n} parents: 1/{n} of its size under each" if n > 1 else "" for n in data["parents"]
    ]
    if "in_filters" not in data:
        data["in_filters"] = True
    rows = sorted(data["row"].unique())
    y = alt.Y(
        "level_name:N", title=None, sort=[data.loc[data["row"] == r, "level_name"].iloc[0] for r in rows]
    )
    data = data[[name for name in TREE_COLUMNS if name in data]]  # what is drawn or read: less to send
    x = alt.X("x0:Q", axis=None, scale=WHOLE)
    pick, outline, name = (alt.selection_point(name=n, fields=["model_id"], on="click") for n in TREE_PICKS)
    base = alt.Chart(data).encode(x=x, x2="x1:Q", y=y)
    tooltip = [
        alt.Tooltip("model_id:N", title="model"),
        alt.Tooltip("parent:N", title="drawn under"),
        alt.Tooltip("relation:N"),
        alt.Tooltip("downloads_30d:Q", title="downloads, 30 days", format=","),
        alt.Tooltip("descendants:Q", format=","),
        alt.Tooltip("likes:Q", format=","),
        alt.Tooltip("share:Q", title=size_title, format=".2%"),
        alt.Tooltip("drawn_under:N", title="a merge"),
    ]
    relations = Colours(TREE_COLOURS, tuple(palette.colours("relation", TREE_COLOURS)))
    spans_layer = (
        base.mark_rect(stroke="white", strokeWidth=0.6, cursor="pointer")
        .encode(
            color=color_channel("relation", relations, bottom=True, columns=len(TREE_COLOURS)),
            opacity=alt.condition("datum.in_filters", alt.value(1.0), alt.value(0.3)),
            tooltip=tooltip,
        )
        .add_params(pick)
    )
    merges = (
        alt.Chart(data[data["parents"] > 1])
        .mark_rect(fillOpacity=0, stroke="#333", strokeWidth=1.2, strokeDash=[4, 2], cursor="pointer")
        .encode(x=x, x2="x1:Q", y=y, tooltip=tooltip)
        .add_params(outline)  # a click on the outline or on a name picks the model too
    )
    labels = (
        alt.Chart(data[data["share"] >= 0.06])
        .mark_text(align="left", baseline="middle", dx=4, fontSize=11, limit=150, cursor="pointer")
        .encode(
            x=x,
            y=y,
            text="name:N",
            tooltip=tooltip,
            # white on the base models' dark grey, dark on the relations' lighter colours
            color=alt.condition("datum.relation === 'base'", alt.value("white"), alt.value("#1a1a1a")),
        )
        .add_params(name)
    )
    return alt.layer(spans_layer, merges, labels).properties(height=max(140, 56 * len(rows)))


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
) -> alt.Chart | alt.LayerChart:
    """A flow per run (new models, weekly downloads) as stacked bars, one per run; negative values
    (the Hub revising its counts down) stack below zero instead of bending an area. Log: lines. Runs
    from the weekly archive (`archived`) are paler bars; `domain`, `labels`: as `coloured`."""
    if log:
        return over_time(
            frame, value, title=title, by=by, log=True, archived=archived, domain=domain, labels=labels
        )
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
        kinds = {_naive(t) for t in archived}
        naive = data["taken_at"].dt.tz_convert("UTC").dt.tz_localize(None)
        data = data.assign(source=["weekly archive" if t in kinds else "live snapshot" for t in naive])
        encoding["opacity"] = alt.Opacity(
            "source:N",
            title="run",
            scale=alt.Scale(domain=["weekly archive", "live snapshot"], range=[0.45, 1.0]),
        )
        tooltip.append(alt.Tooltip("source:N", title="from"))
    encoding["tooltip"] = tooltip
    return alt.Chart(data).mark_bar().encode(**encoding).properties(height=HEIGHT)
