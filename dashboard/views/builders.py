"""Builders: who makes the derivatives (authors), and how concentrated the downloads are."""

from __future__ import annotations

import streamlit as st

from dashboard import layout
from dashboard.context import current
from tracker.read import metrics
from tracker.report import charts

ctx = current()
st.title("Builders")
st.caption(
    "Who makes the latest run's derivatives: a builder is the namespace a model lives in. A model "
    "tracked in two of the selected ecosystems counts in each. Base models excluded: every figure here "
    "is the derivatives' (the base models' publishers, such as `meta-llama`, count only for derivatives "
    "they publish)."
)
builders = ctx.builders()
if builders.empty:
    st.warning("No model matches the filters in the sidebar.")
    st.stop()

by_downloads = metrics.compute_concentration(builders["downloads_30d"], top=10)
by_count = metrics.compute_concentration(builders["derivatives"], top=10)
a, b, c, d = st.columns(4)
a.metric("Builders", f"{len(builders):,}", border=True)
b.metric(
    "Top 10 share of downloads",
    f"{by_downloads['top_share']:.0%}",
    border=True,
    help="The ten largest builders' share of the derivatives' 30-day downloads (base models excluded).",
)
c.metric("Top 10 share of derivatives", f"{by_count['top_share']:.0%}", border=True)
d.metric(
    "HHI of downloads",
    f"{by_downloads['hhi']:,.0f}",
    border=True,
    help="Herfindahl-Hirschman index of the derivatives' 30-day downloads by builder, 0 (spread) to "
    "10,000 (one builder); above 2,500 is concentrated.",
)

n = st.slider("Leaderboard size", 10, 50, 20, key="bld_n", bind="query-params")
# One leaderboard at a time: the other waits in its tab, neither computed nor sent until chosen.
by_count = builders.sort_values(["derivatives", "author"], ascending=[False, True])
layout.sections(
    {
        "By 30-day downloads": lambda: st.altair_chart(
            charts.bars(builders.head(n), "downloads_30d", "author", title="downloads, 30 days")
        ),
        "By derivatives": lambda: st.altair_chart(
            charts.bars(by_count.head(n), "derivatives", "author", title="derivatives")
        ),
    },
    key="bld_chart",
)
st.dataframe(
    builders.head(200),
    hide_index=True,
    key="bld_table",
    column_config={
        "author": st.column_config.TextColumn("Builder", width=150),
        "derivatives": st.column_config.NumberColumn("Derivatives", format="localized", width=90),
        "downloads_30d": st.column_config.NumberColumn("30-day downloads", format="localized", width=120),
        "weekly_downloads": st.column_config.NumberColumn("Weekly downloads", format="localized", width=120),
        "share_30d": st.column_config.NumberColumn(
            "Share", format="percent", width=70, help="Share of all the builders' 30-day downloads."
        ),
    },
)
st.caption("Downloads of the builder's derivatives only. The 200 largest builders by 30-day downloads.")
