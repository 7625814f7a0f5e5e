"""Compare ecosystems: each ecosystem's share of derivatives and downloads over time."""

from __future__ import annotations

import streamlit as st

from dashboard import charts
from dashboard.context import current
from dashboard.methodology import NOTE

ctx = current()
archived = ctx.archived()
st.title("Compare ecosystems")
if len(ctx.all_ecosystems) < 2:
    only = ctx.all_ecosystems[0] if ctx.all_ecosystems else "none"
    st.info(
        f"Only one ecosystem is tracked ({only}). Enable rivals (Qwen, Mistral, Gemma, DeepSeek) in the "
        "ecosystems file, or name them with `tracker snapshot --ecosystem`, to compare them here."
    )
    st.stop()

counts = downloads = ctx.series(ecosystems=())
left, right = st.columns(2)
with left:
    st.subheader("Share of derivatives")
    st.altair_chart(
        charts.shares(counts, "derivatives", "ecosystem", title="share of derivatives", archived=archived)
    )
with right:
    st.subheader("Share of 30-day downloads")
    st.altair_chart(
        charts.shares(downloads, "downloads_30d", "ecosystem", title="share of downloads", archived=archived)
    )
chart, note = st.columns([3, 1])
with chart:
    st.subheader("Derivatives")
    st.altair_chart(
        charts.over_time(
            counts, "derivatives", title="derivatives", by="ecosystem", stacked=False, archived=archived
        )
    )
with note:
    with st.container(border=True):
        st.markdown("**Methodology**")
        st.markdown(NOTE)

if archive_note := ctx.archive_note():
    st.caption(archive_note)
