"""Lineage explorer: a root or any tracked model, its subtree sized by downloads, its path to the root."""

from __future__ import annotations

import streamlit as st

from dashboard import charts, lineage
from dashboard.context import current

ctx = current()
st.title("Lineage explorer")
history = ctx.history(since=None, until=None)
if history.empty:
    st.warning("No model matches the filters in the sidebar.")
    st.stop()

latest = history[history["run_id"] == history.sort_values(["taken_at", "run_id"])["run_id"].iloc[-1]]
latest = latest.drop_duplicates("model_id")
depth_of = dict(zip(latest["model_id"], latest["depth"].astype(int), strict=True))
edges = ctx.edges()

# roots with the most direct children first: the richest trees open by default
fanout = edges["parent_id"].str.lower().value_counts()
base = latest[latest["depth"] == 0]
roots = (
    base.assign(children=base["model_id"].str.lower().map(fanout).fillna(0))
    .sort_values(["children", "downloads_30d"], ascending=False)["model_id"]
    .tolist()
)
search = st.text_input("Search a tracked model", key="lin_search", placeholder="e.g. Hermes, GGUF, unsloth/")
if search:
    found = latest[latest["model_id"].str.contains(search, case=False, regex=False)]
    options = found.sort_values("downloads_30d", ascending=False)["model_id"].head(200).tolist()
    if not options:
        st.info(f"No tracked model matches {search!r}.")
        st.stop()
else:
    options = roots or latest["model_id"].tolist()
chosen = st.selectbox("Model" if search else "Root", options, key="lin_model")

tree = lineage.subtree(chosen, edges)
nodes = latest[latest["model_id"].isin(tree)].assign(
    level=lambda f: f["model_id"].map(tree), downloads_30d=lambda f: f["downloads_30d"].fillna(0)
)
row = latest[latest["model_id"] == chosen].iloc[0]
a, b, c, d = st.columns(4)
a.metric("Family", row["family"], border=True)
b.metric("Depth", int(row["depth"]), border=True)
c.metric("Descendants", f"{len(tree) - 1:,}", border=True)
d.metric("Downloads, 30 days (subtree)", f"{int(nodes['downloads_30d'].sum()):,}", border=True)

path = lineage.path_to_root(chosen, edges, depth_of)
st.markdown("**Path to the root:** " + " ← ".join(f"`{m}`" for m in path))

st.subheader("Subtree, sized by 30-day downloads")
st.caption(
    "Each band is a generation below the chosen model; a model's width is its share of that "
    "generation's downloads; hover for names."
)
icicle = nodes.assign(depth=nodes["level"])[["model_id", "depth", "relation", "downloads_30d"]]
st.altair_chart(charts.subtree(icicle.head(3000)))

left, right = st.columns([1, 2])
kids = lineage.children(chosen, edges)
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
