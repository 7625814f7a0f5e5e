"""Overview: is Llama's ecosystem growing? Its headline figures with their change since the previous run,
its growth multiple, its rivals beside it in one table, and the growth curves.

The page leads with one ecosystem, "the lead": Meta Llama (the product's subject) whenever the sidebar
shows it, else the first ecosystem shown. Every ecosystem shown is a row of the table. The charts stack
by ecosystem when several are shown, and by family within one.
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import streamlit as st

from dashboard import hub_data, layout, methodology
from dashboard.context import current
from tracker.read import kpis
from tracker.report import charts, hub_charts

SUBJECT = "llama"

ctx = current()
ctx_data = (ctx.engine, ctx.url, ctx.version)  # the cached loaders' first arguments
archived = ctx.archived()
shown = ctx.shown_ecosystems
series = ctx.series()
if series.empty:
    st.title("Is the ecosystem growing?")
    st.warning("No model matches the filters in the sidebar.")
    st.stop()
present = [name for name in shown if name in set(series["ecosystem"])]
lead = SUBJECT if SUBJECT in present else present[0]
rivals = [name for name in present if name != lead]
st.title(f"Is the {ctx.label(lead)} ecosystem growing?")
context = f", with {ctx.named(rivals)} beside it" if rivals else ""
why = (
    ""
    if lead == SUBJECT
    else f" {ctx.label(SUBJECT)} is not among the ecosystems shown: the page leads with {ctx.label(lead)}."
    if SUBJECT in ctx.all_ecosystems
    else ""
)
st.caption(
    f"Derivatives of {ctx.label(lead)}'s base models on the Hugging Face Hub{context}, from weekly "
    f"snapshots. Figures for the latest run; the arrows compare it with the previous one.{why}"
)
if archive_note := ctx.archive_note():
    st.caption(archive_note)

bases = st.toggle(
    "Include the base models",
    key="ov_bases",
    bind="query-params",
    help="Weekly downloads of the derivatives only (off), or of the base models too (on): a base model's "
    "downloads are usually far larger than all of its derivatives'.",
)
by_family = ctx.series("family")
with_roots = ctx.series(roots=True)


def _of(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    return frame[frame["ecosystem"] == name]


def _figures(name: str) -> list[kpis.Kpi]:
    """The headline figures of one ecosystem; weekly downloads with the base models when `bases`."""
    figures = kpis.overview(_of(series, name), _of(by_family, name))
    weekly = kpis.overview(_of(with_roots, name), _of(by_family, name))[2] if bases else figures[2]
    figures[2] = replace(weekly, label=methodology.downloads_label("Weekly downloads", bases))
    return figures


def _together(names: list[str]) -> str:
    """The ecosystems shown taken together, as the digest's headline gives them: each figure with its
    change since the previous run."""
    rows = series["ecosystem"].isin(names)
    together = kpis.overview(series[rows], by_family[by_family["ecosystem"].isin(names)])
    if bases:
        together[2] = kpis.overview(with_roots[with_roots["ecosystem"].isin(names)], by_family)[2]
    said = ", base models included" if bases else ", derivatives only"
    parts = [
        f"{k.label}{said if k.key == 'weekly_downloads' else ''}: {k.value}"
        + (f" ({k.delta})" if k.delta else "")
        for k in together
    ]
    return f"All {len(names)} ecosystems shown together. " + "; ".join(parts) + "."


figures = _figures(lead)
note = methodology.downloads_note(_of(series, lead), _of(with_roots, lead), bases, ecosystems=[lead])
figures[2] = replace(figures[2], help=f"{figures[2].help} {note}")
# Two rows of two: figures in full (`36,166`, a family's name) stay whole at 1024 px, where four in a row
# were cut to `36,1…`.
for row in (figures[:2], figures[2:]):
    for column, kpi in zip(st.columns(len(row)), row, strict=True):
        column.metric(kpi.label, kpi.value, kpi.delta, help=kpi.help, border=True)
# The lead's place on the whole Hub: its share of every new derivative there (a scan or a backfill records
# the whole-Hub view; a tree crawl does not).
view_runs = hub_data.within(hub_data.view_runs(*ctx_data), ctx.since, ctx.until)
hub_share = hub_charts.new_share_kpi(
    hub_data.groups(*ctx_data, "ecosystem"), view_runs, lead, ctx.label(lead)
)
if hub_share is None:
    st.caption(
        f"{ctx.label(lead)}'s share of all the Hub's new derivatives: no run "
        + ("within the sidebar's dates " if ctx.since or ctx.until else "")
        + "has the whole-Hub view, which a scan or a backfill records (a tree crawl does not)."
    )
else:
    share_column, link_column = st.columns(2, vertical_alignment="center")
    share_column.metric(hub_share.label, hub_share.value, hub_share.delta, help=hub_share.help, border=True)
    link_column.page_link("views/whole_hub.py", label="Every base on the Hub", icon=":material/public:")

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
    growth = kpis.growth_multiple(_of(series, lead), since)
    if growth is not None:
        value = kpis.format_multiple(growth.value) if growth.value is not None else "–"
        title = f"Growth multiple, {ctx.label(lead)}"
        figure.metric(title, value, help="Derivatives now over derivatives then.")
        figure.caption(" ".join(filter(None, [growth.basis + ".", growth.note])))

if rivals:
    st.subheader(f"{ctx.label(lead)} beside the other tracked ecosystems")
    rows = []
    for name in [lead, *rivals]:
        derivatives, new, weekly, _ = _figures(name)
        multiple = kpis.growth_multiple(_of(series, name), since)
        rows.append(
            {
                "ecosystem": ctx.label(name),
                "derivatives": derivatives.now,
                "new": new.now,
                "growth": None if multiple is None else multiple.value,
                "weekly": weekly.now,
            }
        )
    table = pd.DataFrame(rows)  # the lead first, then its rivals, largest first
    table = pd.concat([table.iloc[:1], table.iloc[1:].sort_values("derivatives", ascending=False)])
    said = "base models included" if bases else "derivatives only, base models excluded"
    # Static: a few rows need no data grid, which costs a reader a chart's time to draw.
    layout.small_table(
        table,
        {
            "ecosystem": "Ecosystem",
            "derivatives": "Derivatives",
            "new": "New this week",
            "growth": "Growth multiple",
            "weekly": "Weekly downloads",
        },
        {"derivatives": "{:,.0f}", "new": "{:,.0f}", "growth": "{:.2f}x", "weekly": "{:,.0f}"},
    )
    st.caption(
        f"Each ecosystem's own figures, as the cards give the lead's; weekly downloads {said}; the growth "
        f"multiple: derivatives now over on {since}, the day chosen above. A model that descends from two "
        "ecosystems (a merge) counts in each."
    )
    st.caption(_together(present))

one = len(present) == 1
by = "family" if one else "ecosystem"
frame = by_family if one else series
downloads = (ctx.series("family", roots=True) if one else with_roots) if bases else frame
names = None if one else list(shown)
where = f"{ctx.label(lead)}'s families" if one else "ecosystem"
# One chart at a time: the others wait in their tabs, neither computed nor sent until chosen.
drawn = {"by": by, "archived": archived, "domain": names, "labels": ctx.labels}
weekly_label = methodology.downloads_label("Weekly downloads", bases)
layout.sections(
    {
        "Derivatives": layout.chart(
            f"Derivatives by {where}", charts.over_time, frame, "derivatives", "derivatives", **drawn
        ),
        "New per run": layout.chart(
            f"New derivatives per run, by {where}", charts.per_run, frame, "new", "new derivatives", **drawn
        ),
        "Weekly downloads": layout.chart(
            f"{weekly_label}, by {where}",
            charts.per_run,
            downloads.dropna(subset=["weekly_downloads"]),
            "weekly_downloads",
            "downloads per week",
            **drawn,
            events=ctx.events,  # a download chart: the Hub's counting changes marked
        ),
    },
    key="ov_chart",
)
# The notes under the charts as one caption: each caption is a Markdown block of its own for the browser.
notes = [
    methodology.downloads_note(series[series["ecosystem"].isin(present)], with_roots, bases),
    methodology.FAMILIES_NOTE
    if one
    else "Stacked by ecosystem; choose one ecosystem in the sidebar to see its families.",
]
revisions = int(downloads["negative_deltas"].sum())
if revisions:
    notes.append(
        f":material/warning: {revisions:,} model-week{'s' if revisions > 1 else ''} with a downward revision "
        f"by the Hub {'are' if revisions > 1 else 'is'} included (negative deltas, kept as data)."
    )
st.caption("\n\n".join(notes))
layout.methodology_note("ov_method")
