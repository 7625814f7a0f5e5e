"""Movers: the largest risers and fallers in weekly downloads, and new entrants to the top."""

from __future__ import annotations

import streamlit as st

from dashboard.context import current
from tracker.report import charts

ctx = current()
st.title("Movers")
n = st.slider("How many", 5, 50, 10, key="mov_n", bind="query-params")
movers = ctx.movers(n)
st.caption("Weekly downloads of the latest run against the run before (all-time growth per week).")
if movers["risers"].empty and movers["entrants"].empty:
    st.info("Movers need two runs or more within the filters.")
    st.stop()

cols = ["model_id", "family", "relation", "weekly_downloads", "weekly_downloads_before", "change"]
left, right = st.columns(2)
with left:
    st.subheader("Risers")
    st.altair_chart(charts.bars(movers["risers"], "change", "model_id", title="change in weekly downloads"))
    st.dataframe(movers["risers"][cols], hide_index=True, key="mov_risers")
with right:
    st.subheader("Fallers")
    st.altair_chart(charts.bars(movers["fallers"], "change", "model_id", title="change in weekly downloads"))
    st.dataframe(movers["fallers"][cols], hide_index=True, key="mov_fallers")

st.subheader("Fastest relative growth")
st.caption("Models with at least 100 weekly downloads the run before.")
st.dataframe(movers["relative_risers"][[*cols, "relative_change"]], hide_index=True, key="mov_relative")
st.subheader("New entrants to the top")
st.dataframe(
    movers["entrants"][["model_id", "family", "relation", "author", "weekly_downloads"]],
    hide_index=True,
    key="mov_entrants",
)
