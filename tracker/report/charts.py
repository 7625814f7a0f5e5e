"""Charts: pure functions, DataFrame in, Altair chart out (no Streamlit, no I/O)."""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import pandas as pd

HEIGHT = 320
KEY_HEIGHT = 32
RUN_TIP = alt.Tooltip("taken_at:T", title="run", format="%Y-%m-%d")
DATE_AXIS = alt.Axis(format="%d %b %Y", labelAngle=-30, title=None, tickCount="week")
# Tableau 10, fixed per name through `domain`: an ecosystem keeps its colour from chart to chart.
PALETTE = (
    "#4c78a8",
    "#f58518",
    "#54a24b",
    "#e45756",
    "#72b7b2",
    "#b279a2",
    "#eeca3b",
    "#9d755d",
    "#ff9da6",
    "#bab0ac",
)


def color_channel(
    field: str,
    *,
    title: str | None = None,
    domain: Sequence[str] | None = None,
    bottom: bool = False,
    columns: int = 4,
    legend: bool = True,
) -> alt.Color:
    """A colour channel: a fixed colour per value of `domain` (in its order); the legend below the chart
    in rows of `columns` when `bottom` (beside it, a legend takes a third of a half-width chart, and one
    long row is cut at narrow widths: Vega does not wrap legends), or none (`legend=False`: see `key`)."""
    scale = alt.Scale(domain=list(domain), range=list(PALETTE[: len(domain)])) if domain else alt.Undefined
    shown = alt.Undefined
    if not legend:
        shown = None
    elif bottom:
        shown = alt.Legend(orient="bottom", direction="horizontal", columns=columns, labelLimit=160)
    name = title or field.replace("_", " ")
    return alt.Color(f"{field}:N", title=name, scale=scale, legend=shown, sort=domain or "ascending")


def key(domain: Sequence[str], field: str = "ecosystem") -> alt.LayerChart:
    """The colours of `domain` as a row of named squares spread over the width, whatever it is: one
    legend for charts side by side drawn without theirs (`legend=False`)."""
    base = alt.Chart(pd.DataFrame({field: list(domain)})).encode(
        x=alt.X(f"{field}:N", sort=list(domain), axis=None, scale=alt.Scale(paddingInner=0, paddingOuter=0)),
        y=alt.value(KEY_HEIGHT / 2),  # without it, Vega-Lite draws the row on the top edge, cut in half
        tooltip=[f"{field}:N"],
    )
    squares = base.mark_square(size=140, opacity=1, xOffset=-30).encode(
        color=color_channel(field, domain=domain, legend=False)
    )
    names = base.mark_text(align="left", baseline="middle", dx=-20, fontSize=13).encode(text=f"{field}:N")
    return alt.layer(squares, names).properties(height=KEY_HEIGHT).configure_view(strokeWidth=0)


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
) -> alt.Chart | alt.LayerChart:
    """A value per run over time: stacked areas by `by` (lines on a log scale, where stacks mislead);
    the runs from the weekly archive (`archived`) shaded; `domain`, `legend`: as `color_channel`."""
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
        encoding["color"] = color_channel(by, domain=domain, legend=legend)
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


def share_areas(
    frame: pd.DataFrame,
    by: str,
    *,
    title: str,
    counts: Sequence[tuple[str, str]] = (),
    archived: Sequence[pd.Timestamp] = (),
    domain: Sequence[str] | None = None,
) -> alt.Chart | alt.LayerChart:
    """Shares computed beforehand (column `share`, summing to 1 per run) as stacked areas by `by`, with
    `counts` ((column, title) pairs) in the tooltip; archive runs shaded; the legend below."""
    data = frame.dropna(subset=["share"]).astype({"share": "float64"})
    data = data.astype({name: "float64" for name, _ in counts})
    tooltip = [RUN_TIP, alt.Tooltip(f"{by}:N"), alt.Tooltip("share:Q", format=".1%")]
    tooltip += [alt.Tooltip(f"{name}:Q", title=label, format=",.1f") for name, label in counts]
    chart = (
        _base(data)
        .mark_area(opacity=0.85)
        .encode(
            x=alt.X("taken_at:T", axis=DATE_AXIS),
            y=alt.Y("share:Q", stack="zero", title=title, axis=SHARE_AXIS, scale=WHOLE),
            color=color_channel(by, domain=domain, bottom=True, columns=len(domain or ()) or 5),
            order=alt.Order(f"{by}:N"),
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
) -> alt.Chart:
    """One bar per ecosystem split by `by` into its shares (column `share`), `value` in the tooltip;
    `order`: the parts' order and colours; `rows`: the ecosystems' order."""
    data = frame.dropna(subset=["share"]).astype({"share": "float64", value: "float64"})
    if order:
        rank = {name: i for i, name in enumerate(order)}
        data = data.assign(_order=data[by].map(rank).fillna(len(rank)))
    else:
        data = data.assign(_order=data[by].rank(method="dense"))
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X("share:Q", stack="zero", title=title, axis=SHARE_AXIS, scale=WHOLE),
            y=alt.Y("ecosystem:N", title=None, sort=list(rows) if rows else "ascending"),
            color=color_channel(by, domain=order, bottom=True),
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
) -> alt.Chart:
    """Horizontal bars, largest first: a leaderboard (split by `color`, its legend below, when given)."""
    data = frame.dropna(subset=[value]).astype({value: "float64"})
    encoding = {
        "x": alt.X(f"{value}:Q", title=title),
        "y": alt.Y(f"{label}:N", sort="-x", title=None, axis=alt.Axis(labelLimit=320)),
        "tooltip": [f"{label}:N", alt.Tooltip(f"{value}:Q", format=",")],
    }
    if color:
        columns = len(domain) if domain else 4
        encoding["color"] = color_channel(color, domain=domain, bottom=domain is not None, columns=columns)
        encoding["tooltip"].append(f"{color}:N")
    return alt.Chart(data).mark_bar().encode(**encoding).properties(height=alt.Step(22))


# the tree's selections, one per layer (spans, merges' outlines, names): clicking a model picks it
TREE_PICKS = ("pick", "pick_outline", "pick_name")
TREE_COLOURS = ("base", "finetune", "adapter", "quantized", "merge")


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
    spans_layer = (
        base.mark_rect(stroke="white", strokeWidth=0.6, cursor="pointer")
        .encode(
            color=color_channel("relation", domain=TREE_COLOURS, bottom=True, columns=5),
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
        .mark_text(
            align="left", baseline="middle", dx=4, fontSize=11, limit=150, color="white", cursor="pointer"
        )
        .encode(x=x, y=y, text="name:N", tooltip=tooltip)
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
) -> alt.Chart | alt.LayerChart:
    """A flow per run (new models, weekly downloads) as stacked bars, one per run; negative values
    (the Hub revising its counts down) stack below zero instead of bending an area. Log: lines. Runs
    from the weekly archive (`archived`) are paler bars; `domain`: as `color_channel`."""
    if log:
        return over_time(frame, value, title=title, by=by, log=True, archived=archived, domain=domain)
    data = frame.dropna(subset=[value]).astype({value: "float64"})
    data = data.assign(run=data["taken_at"].dt.strftime("%d %b %Y"))
    order = list(dict.fromkeys(data.sort_values("taken_at")["run"]))
    encoding = {
        "x": alt.X("run:O", sort=order, title=None, axis=alt.Axis(labelAngle=-30)),
        "y": alt.Y(f"{value}:Q", title=title, stack="zero"),
        "tooltip": [alt.Tooltip("run:O", title="run"), alt.Tooltip(f"{value}:Q", format=",")],
    }
    if by:
        encoding["color"] = color_channel(by, domain=domain)
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
