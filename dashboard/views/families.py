"""Families and relations: derivatives and downloads over time, stacked by family or relation."""

from __future__ import annotations

import streamlit as st

from dashboard.context import current
from dashboard.methodology import NOTE
from tracker.report import charts

ctx = current()
archived = ctx.archived()
st.title("Families and relations")

by_label = st.segmented_control(
    "Stack by", ["family", "relation"], default="family", key="fam_by", bind="query-params"
)
scale = st.segmented_control(
    "Scale", ["linear", "log"], default="linear", key="fam_scale", bind="query-params"
)
by = by_label or "family"
log = scale == "log"

counts = downloads = ctx.series(by)
if counts.empty:
    st.warning("No model matches the filters in the sidebar.")
    st.stop()

st.subheader(f"Derivatives by {by}")
st.altair_chart(
    charts.over_time(counts, "derivatives", title="derivatives", by=by, log=log, archived=archived)
)

chart, note = st.columns([3, 1])
with chart:
    st.subheader(f"Weekly downloads by {by}")
    st.altair_chart(
        charts.per_run(
            downloads.dropna(subset=["weekly_downloads"]),
            "weekly_downloads",
            title="downloads per week",
            by=by,
            log=log,
            archived=archived,
        )
    )
    st.subheader(f"30-day downloads by {by}")
    st.altair_chart(
        charts.over_time(
            downloads, "downloads_30d", title="downloads, last 30 days", by=by, log=log, archived=archived
        )
    )
with note:
    with st.container(border=True):
        st.markdown("**Methodology**")
        st.markdown(NOTE)

latest = counts[counts["run_id"] == counts["run_id"].max()]
table = latest.groupby(by, as_index=False)["derivatives"].sum().sort_values("derivatives", ascending=False)
st.subheader("Latest run")
st.dataframe(table, hide_index=True, key="fam_table")

if archive_note := ctx.archive_note():
    st.caption(archive_note)
