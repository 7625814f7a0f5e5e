"""Lineage explorer: a root or any tracked model, its lineage as a tree, its path to the root.

The choices live in the link (`st.query_params`): the model, the search, the size and the depth drawn.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import data, layout, links, tree
from dashboard.context import current
from tracker.core.records import RELATIONS
from tracker.report import tree_chart

SIZE_LABELS = {"downloads": "30-day downloads", "models": "models"}


def _pick() -> None:
    """Clicking a model in the tree re-roots the explorer on it (before the widgets are drawn again)."""
    selection = st.session_state.get("lin_tree", {}).get("selection", {})
    for name in tree_chart.TREE_PICKS:
        chosen = selection.get(name) or []
        if chosen and chosen[0].get("model_id"):
            st.session_state["lin_model"] = chosen[0]["model_id"]
            return


def _up(model_id: str) -> None:
    st.session_state["lin_model"] = model_id


ctx = current()
st.title("Lineage explorer")
st.caption(
    f"The declared links of the latest run (#{ctx.run_id}). The sidebar's ecosystems choose the lineage; "
    "its families and relations choose the figures, and fade the models outside them in the tree."
)
f = ctx.filters(since=None, until=None)
if not data.has_lineage_index(ctx.engine, ctx.url, ctx.version):
    st.info(
        "This database predates the explorer's index. Any tracker command on it writes the index "
        "(it migrates the database), e.g. `tracker runs`, or the next `tracker snapshot`.",
        icon=":material/account_tree:",
    )
    st.stop()
roots = data.lineage_roots(ctx.engine, ctx.url, ctx.version, f)
if not roots and not data.is_indexed(ctx.engine, ctx.url, ctx.version):
    st.info(
        f"The latest run (#{ctx.run_id}) has no lineage index yet: a backfill writes its last runs' at its "
        "end (run a stopped `tracker backfill` again to finish it), and each `tracker snapshot` its own.",
        icon=":material/account_tree:",
    )
    st.stop()
search = st.text_input(
    "Search a tracked model",
    key="lin_search",
    placeholder="e.g. Hermes, GGUF, unsloth/",
    bind="query-params",
)
if search:
    options = data.find_members(ctx.engine, ctx.url, ctx.version, f, search)
    if not options:
        st.info(f"No tracked model matches {links.literal(search)}.")  # a link's text: shown as text
        st.stop()
else:
    options = roots
if not options:
    st.warning("No model matches the filters in the sidebar.")
    st.stop()
# A model chosen by a click, or by a link, stays choosable though it is neither a root nor found.
wanted = st.session_state.get("lin_model") or st.query_params.get("lin_model")
if wanted and wanted not in options and data.is_member(ctx.engine, ctx.url, ctx.version, f, wanted):
    options = [*options, wanted]
left, middle, right = st.columns([3, 2, 2])
chosen = left.selectbox("Model" if search else "Root", options, key="lin_model", bind="query-params")
size = middle.segmented_control(
    "Size by",
    list(tree.SIZES),
    default="downloads",
    format_func=SIZE_LABELS.get,
    key="lin_size",
    bind="query-params",
    required=True,
)
levels = right.slider("Levels drawn", 1, tree.MAX_DEPTH, 4, key="lin_depth", bind="query-params")

ecosystems = tuple(ctx.ecosystems)
row = data.member(ctx.engine, ctx.url, ctx.version, chosen, ecosystems)
if row is None:
    st.warning(f"{links.literal(chosen)} is not a member of the latest run in these ecosystems.")
    st.stop()
filtered = bool(ctx.families or ctx.relations)
own = row.downloads_30d or 0
figures = (
    data.subtree_figures(ctx.engine, ctx.url, ctx.version, chosen, f)
    if filtered
    else {"descendants": row.descendants, "downloads_30d": row.subtree_downloads - own}
)
# Two rows of two: a family's name and a 30-day figure in full at 1024 px, where four in a row were cut.
a, b = st.columns(2)
c, d = st.columns(2)
a.metric("Family", row.family, border=True, help=f"Ecosystem: {ctx.label(row.ecosystem)}.")
b.metric("Depth", row.depth, border=True, help="Links from the model up to a root.")
c.metric(
    "Descendants",
    f"{figures['descendants']:,}",
    border=True,
    help="Tracked models below it through any chain of links, each counted once"
    + (" (within the sidebar's families and relations)." if filtered else "."),
)
d.metric(
    "Descendants' downloads, 30 days",
    f"{figures['downloads_30d']:,}",
    border=True,
    help=f"The 30-day downloads of the models below it, each counted once; its own ({own:,}"
    + (", a base model's" if row.depth == 0 else "")
    + f") left out: {figures['downloads_30d'] + own:,} with them.",
)

path = row.path
if path:
    st.markdown("**Path to the root:** " + " ← ".join(f"`{m}`" for m in (chosen, *path)))
    st.button(f"Up to {path[0]}", icon=":material/arrow_upward:", on_click=_up, args=(path[0],), key="lin_up")
else:
    st.markdown(f"**A root:** `{chosen}`")

nodes = data.subtree(ctx.engine, ctx.url, ctx.version, chosen, ecosystems, size)
drawn = tree.layout(nodes, size=size, models=row.descendants + 1, max_depth=levels)
spans = drawn.spans
if filtered:
    spans = spans.assign(
        in_filters=(spans["family"].isin(ctx.families) if ctx.families else True)
        & (spans["relation"].isin(ctx.relations) if ctx.relations else True)
    )
st.subheader(f"Its lineage, sized by {SIZE_LABELS[size]}")
st.caption(
    f"The chosen model's descendants share the width by their subtrees' {SIZE_LABELS[size]}; each "
    "model is drawn inside its parent's span, and what is left of a span is its own share. A merge "
    "(dashed outline) "
    "is drawn under each of its parents with an equal part of its size under each, so it counts once. "
    "Hover for names and figures; click a model to explore from it."
)
if spans.empty:
    st.info(
        "No tracked descendants: nothing below it to draw."
        if not row.descendants
        else "Nothing to draw: no downloads recorded below this model (size it by models)."
    )
else:
    st.altair_chart(
        tree_chart.tree(spans, size_title=f"share of the descendants' {SIZE_LABELS[size]}"),
        key="lin_tree",
        on_select=_pick,
        selection_mode=tree_chart.TREE_PICKS,
    )
    if drawn.not_drawn:
        st.caption(
            f"{drawn.drawn:,} of {drawn.models:,} models drawn; {drawn.not_drawn:,} more not drawn "
            f"(more than {levels} level{'s' if levels > 1 else ''} below; narrower than the "
            f"{len(spans):,} widest spans, or than {tree.MIN_SHARE:.3%} of the width, too thin to see; or "
            "of no size: no downloads recorded)."
        )
    else:
        st.caption(f"All {drawn.models:,} models drawn.")


def _children() -> None:
    """The chosen model's direct children, by relation."""
    st.subheader("Children by relation")
    kids = pd.DataFrame({"relation": list(RELATIONS), "children": [row.children[r] for r in RELATIONS]})
    if not kids["children"].any():
        st.info("No tracked children.")
    else:  # four figures: a static table, drawn at once (a chart of them cost the page a chart's time)
        shown = kids[kids["children"] > 0].sort_values("children", ascending=False)
        layout.small_table(shown, {"relation": "Relation", "children": "Children"}, {"children": "{:,.0f}"})


def _descendants() -> None:
    """Its most downloaded descendants among those read for the tree."""
    st.subheader("Most downloaded descendants")
    below = nodes.iloc[1:]
    if filtered:
        if ctx.families:
            below = below[below["family"].isin(ctx.families)]
        if ctx.relations:
            below = below[below["relation"].isin(ctx.relations)]
    top = below.sort_values("downloads_30d", ascending=False, na_position="last").head(100)
    st.dataframe(
        top[["model_id", "relation", "level", "downloads_30d", "descendants"]],
        hide_index=True,
        key="lin_table",
        column_config={
            "model_id": st.column_config.TextColumn("Model", width=205),
            "relation": st.column_config.TextColumn("Relation", width=80),
            "level": st.column_config.NumberColumn("Level", width=55, help="Links below the chosen model."),
            "downloads_30d": st.column_config.NumberColumn("30-day downloads", format="localized", width=120),
            "descendants": st.column_config.NumberColumn("Descendants", format="localized", width=95),
        },
    )
    st.caption(f"Among the {len(nodes) - 1:,} largest descendants by {SIZE_LABELS[size]}.")


# Below the tree, one at a time: the other waits in its tab, neither computed nor sent until chosen.
BELOW = {"Children by relation": _children, "Most downloaded descendants": _descendants}
layout.sections(BELOW, key="lin_below")
