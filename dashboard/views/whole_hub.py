"""Whole Hub: Llama's place among every open-model family on the Hub, from the whole-Hub view that each
scan and each run backfilled from the weekly archive records (a tree crawl does not): the league tables
of bases, organisations and regions, the tracked ecosystems' shares of all derivatives, the regions'
shares of the new ones, risers, newcomers and new bases, and how much of a base's downloads go to its
derivatives.

The sidebar's dates choose the runs (the latest one with the view within them is "this run"); its
ecosystem, family and relation filters do not apply: the view is the whole Hub. A run without the view is
named, and drawn as a dashed rule, never as zero. The sections live in `dashboard.hub_sections`.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import hub_data, hub_sections, layout
from dashboard.context import current

ctx = current()
eng, url, version = ctx.engine, ctx.url, ctx.version
st.title("The whole Hub")
all_runs = hub_data.view_runs(eng, url, version)
lacking = hub_data.runs_without_view(eng, url, version)
SHOWN_DATES = 12  # runs named in a sentence at most


def _dates(frame: pd.DataFrame) -> str:
    days = [f"{t:%d %b %Y}" for t in frame["taken_at"]]
    more = len(days) - SHOWN_DATES
    return ", ".join(days[:SHOWN_DATES]) + (f" and {more:,} more" if more > 0 else "")


if all_runs.empty:
    st.info(
        "No run has the whole-Hub view yet: a scan (`tracker snapshot --strategy scan`) or a backfill from "
        "the Hub's weekly archive (`tracker backfill`) records it; a tree crawl does not."
        + (
            f" Without it: {len(lacking):,} complete run{'s' * (len(lacking) > 1)} ({_dates(lacking)})."
            if len(lacking)
            else ""
        ),
        icon=":material/travel_explore:",
    )
    st.stop()


runs = hub_data.within(all_runs, ctx.since, ctx.until)
gaps = hub_data.within(lacking, ctx.since, ctx.until)
if runs.empty:
    st.info(
        f"No run with the whole-Hub view within the sidebar's dates; the runs with it: {_dates(all_runs)}."
    )
    st.stop()
run = runs.iloc[-1]
run_id = int(run["run_id"])
position = list(all_runs["run_id"]).index(run_id)
before = all_runs.iloc[position - 1] if position else None
bases = hub_data.bases(eng, url, version, run_id)
kind = {"scan": "a scan", "archive": "from the weekly archive"}.get(
    str(run["strategy"]), str(run["strategy"])
)
st.caption(
    f"Every base model on the Hub and its derivatives (declared lineage, each derivative once per base), "
    f"in run {run_id} of {run['taken_at']:%d %b %Y} ({kind})"
    + (
        f", against run {int(before['run_id'])} of {before['taken_at']:%d %b %Y}. "
        if before is not None
        else ". "
    )
    + "A base is a model with no parent of its own and at least one derivative. The sidebar's ecosystem, "
    "family and relation filters do not apply here: this is the whole Hub."
)
if len(gaps):
    st.caption(
        f":material/warning: {len(gaps):,} run{'s lack' if len(gaps) > 1 else ' lacks'} the whole-Hub view "
        f"(tree crawls read only the tracked ecosystems): {_dates(gaps)}. The series skip "
        f"{'them' if len(gaps) > 1 else 'it'} (a dashed line on the charts, not a zero); the new derivatives "
        "of the run after count from the run with the view before."
    )


def _count(value: object) -> str:
    return "–" if pd.isna(value) else f"{int(value):,}"


def _delta(now: object, then: object) -> str | None:
    return None if then is None or pd.isna(now) or pd.isna(then) else f"{int(now) - int(then):+,}"


previous_bases = hub_data.bases(eng, url, version, int(before["run_id"])) if before is not None else None
HEADLINE = (
    ("Models on the Hub", "hub_models", "Every model the Hub listed in this run."),
    (
        "Derivatives",
        "hub_derivatives",
        "Listed models with a path of declared parent links to a base, each "
        "once, however many bases they descend from.",
    ),
    (
        "New derivatives",
        "hub_new_derivatives",
        "Derivatives not in the run with the view before (none is counted in the first run with the view).",
    ),
)
cards = [
    (label, _count(run[field]), _delta(run[field], None if before is None else before[field]), help)
    for label, field, help in HEADLINE
]
cards.append(
    (
        "Bases",
        f"{len(bases):,}",
        _delta(len(bases), None if previous_bases is None else len(previous_bases)),
        "Models with no parent of their own and at least one derivative.",
    )
)
for row in (cards[:2], cards[2:]):
    for column, (label, value, delta, help) in zip(st.columns(2), row, strict=True):
        column.metric(label, value, delta, help=help, border=True)

view = hub_sections.HubRun(ctx, run, before, bases, tuple(gaps["taken_at"]))
# One section at a time: the others wait in their tabs, neither computed nor sent until chosen.
layout.sections(
    {
        "League tables": lambda: hub_sections.league(view),
        "Ecosystems' share": lambda: hub_sections.ecosystems(view),
        "Regions": lambda: hub_sections.regions(view),
        "Risers and newcomers": lambda: hub_sections.changes(view),
        "Capture share": lambda: hub_sections.capture(view),
    },
    key="hub_section",
)
