"""Lineage explorer: a root or any tracked model, its subtree sized by downloads, its path to the root."""

from __future__ import annotations

import streamlit as st

from dashboard import charts, data
from dashboard.context import current

ctx = current()
st.title("Lineage explorer")
st.caption(f"The declared links of the latest run (#{ctx.run_id}), within the sidebar's filters.")
f = ctx.filters(since=None, until=None)
roots = data.lineage_roots(ctx.engine, ctx.url, ctx.version, f)
search = st.text_input("Search a tracked model", key="lin_search", placeholder="e.g. Hermes, GGUF, unsloth/")
if search:
    options = data.find_members(ctx.engine, ctx.url, ctx.version, f, search)
    if not options:
        st.info(f"No tracked model matches {search!r}.")
        st.stop()
else:
    options = roots
if not options:
    st.warning("No model matches the filters in the sidebar.")
    st.stop()
chosen = st.selectbox("Model" if search else "Root", options, key="lin_model")

nodes = data.subtree(ctx.engine, ctx.url, ctx.version, f, chosen)
about = data.lineage_of(ctx.engine, ctx.url, ctx.version, chosen)
row = about["member"]
a, b, c, d = st.columns(4)
a.metric("Family", row.family, border=True)
b.metric("Depth", row.depth, border=True)
c.metric("Descendants", f"{len(nodes) - 1:,}", border=True, help="Within the sidebar's filters.")
d.metric("Downloads, 30 days (subtree)", f"{int(nodes['downloads_30d'].fillna(0).sum()):,}", border=True)

st.markdown("**Path to the root:** " + " ← ".join(f"`{m}`" for m in about["path"]))

st.subheader("Subtree, sized by 30-day downloads")
st.caption(
    "Each band is a generation below the chosen model; a model's width is its share of that "
    "generation's downloads; hover for names. The 3,000 nearest models are drawn."
)
icicle = nodes.assign(depth=nodes["level"], downloads_30d=nodes["downloads_30d"].fillna(0))
st.altair_chart(charts.subtree(icicle[["model_id", "depth", "relation", "downloads_30d"]].head(3000)))

left, right = st.columns([1, 2])
kids = about["children"]
with left:
    st.subheader("Children by relation")
    if kids.empty:
        st.info("No declared children.")
    else:
        by_relation = kids.groupby("relation", as_index=False).size().rename(columns={"size": "children"})
        st.altair_chart(charts.bars(by_relation, "children", "relation", title="children"))
with right:
    st.subheader("Largest descendants")
    top = nodes[nodes["model_id"] != chosen].sort_values("downloads_30d", ascending=False).head(100)
    st.dataframe(
        top[["model_id", "relation", "level", "downloads_30d", "likes"]].rename(
            columns={"level": "generation"}
        ),
        hide_index=True,
        key="lin_table",
    )
