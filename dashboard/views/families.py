"""Families and relations: derivatives and downloads over time, stacked by ecosystem, family or relation."""

from __future__ import annotations

import streamlit as st

from dashboard import layout, methodology
from dashboard.context import current
from tracker.report import charts

ctx = current()
archived = ctx.archived()
st.title("Families and relations")
several = len(ctx.shown_ecosystems) > 1
st.caption(
    f"{ctx.named(ctx.shown_ecosystems)}: the derivatives and their downloads, run by run"
    + (", stacked by ecosystem unless you choose otherwise. " if several else ". ")
    + methodology.FAMILIES_NOTE
)

by = st.segmented_control(
    "Stack by",
    ["ecosystem", "family", "relation"],
    default="ecosystem" if several else "family",
    key="fam_by",
    bind="query-params",
) or ("ecosystem" if several else "family")
scale = st.segmented_control(
    "Scale", ["linear", "log"], default="linear", key="fam_scale", bind="query-params"
)
bases = st.toggle(
    "Include the base models",
    key="fam_bases",
    bind="query-params",
    help="The download charts: the derivatives only (off), or the base models too (on).",
)
log = scale == "log"
names = list(ctx.shown_ecosystems) if by == "ecosystem" else None
group = None if by == "ecosystem" else by

counts = ctx.series(group)
if counts.empty:
    st.warning("No model matches the filters in the sidebar.")
    st.stop()
downloads = ctx.series(group, roots=True) if bases else counts
drawn = {"by": by, "log": log, "archived": archived, "domain": names, "labels": ctx.labels}

# One chart at a time: the others wait in their tabs, neither computed nor sent until chosen.
weekly_label = methodology.downloads_label("Weekly downloads", bases)
monthly_label = methodology.downloads_label("30-day downloads", bases)
layout.sections(
    {
        "Derivatives": layout.chart(
            f"Derivatives by {by}", charts.over_time, counts, "derivatives", "derivatives", **drawn
        ),
        "Weekly downloads": layout.chart(
            f"{weekly_label}, by {by}",
            charts.per_run,
            downloads.dropna(subset=["weekly_downloads"]),
            "weekly_downloads",
            "downloads per week",
            **drawn,
            events=ctx.events,  # a download chart: the Hub's counting changes marked
        ),
        "30-day downloads": layout.chart(
            f"{monthly_label}, by {by}",
            charts.over_time,
            downloads,
            "downloads_30d",
            "downloads, last 30 days",
            **drawn,
            events=ctx.events,  # a download chart: the Hub's counting changes marked
        ),
    },
    key="fam_chart",
)
with_roots = ctx.series(roots=True)
st.caption(methodology.downloads_note(ctx.series(), with_roots, bases))

latest = downloads[downloads["run_id"] == downloads["run_id"].max()]
keys = [by] if by == "ecosystem" else ([by, "ecosystem"] if by == "family" else [by])
table = latest.groupby(keys, as_index=False)[["derivatives", "weekly_downloads", "downloads_30d"]].sum()
table = table.sort_values("derivatives", ascending=False)
if "ecosystem" in table:
    table["ecosystem"] = table["ecosystem"].map(ctx.label)
if bases:  # the base models' rows count members, not derivatives
    table = table.rename(columns={"derivatives": "members"})
said = "Base models included" if bases else "Derivatives only, base models excluded"
st.subheader("Latest run")
HEADERS = {
    "family": "Family",
    "relation": "Relation",
    "ecosystem": "Ecosystem",
    "derivatives": "Derivatives",
    "members": "Models",
    "weekly_downloads": "Weekly downloads",
    "downloads_30d": "30-day downloads",
}
if len(table) <= layout.SMALL_TABLE:  # static: a few rows need no data grid, which costs a chart's time
    figures = ("derivatives", "members", "weekly_downloads", "downloads_30d")
    layout.small_table(table, HEADERS, dict.fromkeys(figures, "{:,.0f}"))
else:
    st.dataframe(
        table,
        hide_index=True,
        key="fam_table",
        column_config={
            "family": st.column_config.TextColumn("Family", width=130),
            "relation": st.column_config.TextColumn("Relation", width=100),
            "ecosystem": st.column_config.TextColumn("Ecosystem", width=105),
            "derivatives": st.column_config.NumberColumn("Derivatives", format="localized", width=90),
            "members": st.column_config.NumberColumn(
                "Models", format="localized", width=90, help="Derivatives and base models."
            ),
            "weekly_downloads": st.column_config.NumberColumn(
                "Weekly downloads", format="localized", width=120, help=f"{said}."
            ),
            "downloads_30d": st.column_config.NumberColumn(
                "30-day downloads", format="localized", width=120, help=f"{said}."
            ),
        },
    )
st.caption(f"Downloads: {said.lower()}." + (" Models: derivatives and base models." if bases else ""))

layout.methodology_note("fam_method")
if archive_note := ctx.archive_note():
    st.caption(archive_note)
