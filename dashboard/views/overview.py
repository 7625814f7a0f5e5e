"""Overview: the headline figures with their change since the previous run, and the growth curves."""

from __future__ import annotations

import streamlit as st

from dashboard.context import current
from dashboard.methodology import NOTE
from tracker.read import kpis
from tracker.report import charts

ctx = current()
archived = ctx.archived()
series = ctx.series()
by_family = ctx.series("family")
names = ", ".join(ctx.ecosystems or ctx.all_ecosystems)
st.title("Is the ecosystem growing?")
st.caption(
    f"Derivatives of the tracked base models on the Hugging Face Hub ({names}), from weekly snapshots. "
    "Figures for the latest run; the arrows compare it with the previous one."
)

if archive_note := ctx.archive_note():
    st.caption(archive_note)

if series.empty:
    st.warning("No model matches the filters in the sidebar.")
    st.stop()

# Two rows of two: figures in full (`36,166`, a family's name) stay whole at 1024 px, where four in a row
# were cut to `36,1…`.
figures = kpis.overview(series, by_family)
for row in (figures[:2], figures[2:]):
    for column, kpi in zip(st.columns(len(row)), row, strict=True):
        column.metric(kpi.label, kpi.value, kpi.delta, help=kpi.help, border=True)

run_days = series["taken_at"].dt.tz_convert("UTC").dt.date
first, last = run_days.min(), run_days.max()
if st.session_state.get("_ov_growth_runs") != (first, last):  # new data: back to a year before it
    st.session_state["ov_growth_since"] = kpis.default_since(first, last)
    st.session_state["_ov_growth_runs"] = (first, last)
with st.container(border=True):
    pick, figure = st.columns([1, 3], vertical_alignment="center")
    since = pick.date_input(
        "Growth since",
        key="ov_growth_since",
        bind="query-params",
        help="Derivatives in the latest run against the latest run on or before this day (UTC). "
        "Default: a year before the latest run, or the first run when history is shorter.",
    )
    growth = kpis.growth_multiple(series, since)
    if growth is not None:
        shown = kpis.format_multiple(growth.value) if growth.value is not None else "–"
        figure.metric("Growth multiple", shown, help="Derivatives now over derivatives then.")
        figure.caption(" ".join(filter(None, [growth.basis + ".", growth.note])))

counts = downloads = new = by_family

left, right = st.columns(2)
with left:
    st.subheader("Derivatives")
    st.altair_chart(
        charts.over_time(counts, "derivatives", title="derivatives", by="family", archived=archived)
    )
with right:
    st.subheader("New derivatives per run")
    st.altair_chart(charts.per_run(new, "new", title="new derivatives", by="family", archived=archived))

chart, note = st.columns([3, 1])
with chart:
    st.subheader("Weekly downloads")
    st.altair_chart(
        charts.per_run(
            downloads.dropna(subset=["weekly_downloads"]),
            "weekly_downloads",
            title="downloads per week",
            by="family",
            archived=archived,
        )
    )
    revisions = int(downloads["negative_deltas"].sum())
    if revisions:
        st.caption(
            f":material/warning: {revisions:,} model-weeks with a downward revision by the Hub are included "
            "(negative deltas, kept as data)."
        )
with note:
    with st.container(border=True):
        st.markdown("**Methodology**")
        st.markdown(NOTE)
