"""The lineage explorer's tree as an icicle chart: pure, DataFrame in, Altair chart out (no Streamlit, no
I/O), in `tracker.report.palette`'s relation colours, as `tracker.report.charts` draws the others."""

from __future__ import annotations

import altair as alt
import pandas as pd

from tracker.report import palette
from tracker.report.chart_colours import Colours
from tracker.report.charts import WHOLE, color_channel

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
