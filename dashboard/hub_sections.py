"""The Whole Hub page's sections (`dashboard/views/whole_hub.py`), each drawn only when its tab is open:
league tables, the tracked ecosystems' shares of the Hub, the regions' shares of the new derivatives,
risers and newcomers, capture share. Each takes the page's `HubRun`.

Base ids and organisations are strangers' text: shown in the data grid (never Markdown), or as one code
span (`links.literal`) in a sentence.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import streamlit as st

from dashboard import hub_data, layout, links
from dashboard.context import Context
from tracker.read.hub import TOP
from tracker.report import charts, hub_charts


@dataclass(frozen=True)
class HubRun:
    """What every section reads: the page's context, this run (a `load_view_runs` row), the run with the
    view before it (None for the first), this run's bases, and the instants of the runs without the view
    within the sidebar's dates (drawn as dashed rules)."""

    ctx: Context
    run: pd.Series
    before: pd.Series | None
    bases: pd.DataFrame
    gaps: tuple[pd.Timestamp, ...]

    @property
    def run_id(self) -> int:
        return int(self.run["run_id"])

    @property
    def where(self) -> tuple:
        """The cached loaders' first arguments: engine, URL, data version."""
        return self.ctx.engine, self.ctx.url, self.ctx.version

    def tracked_in(self, names: object) -> str:
        """The tracked ecosystems a base is a root of (`ecosystems`), by their labels; `TRACKED_IN`
        outside every one."""
        parts = [self.ctx.label(name) for name in str(names or "").split(";") if name]
        return ", ".join(parts) or TRACKED_IN


TRACKED_IN = "untracked"


NUMBER = {"format": "localized"}
MEASURES = {  # the choice: (column, the chart's axis)
    "derivatives": ("derivatives", "derivatives"),
    "new derivatives": ("new_derivatives", "new derivatives this run"),
    "downloads": ("derivative_downloads_30d", "derivatives' downloads, 30 days"),
}
ROWS = 200  # a league table's rows at most
WIDTH = 550  # px: a table's columns at most, beside the sidebar at 1024 px (about 560 px)
TRACKED, REGION = 95, 65  # px: "Google Gemma", "unknown" whole
BARS = 15  # a league's leaders drawn


def league(view: HubRun) -> None:
    """Bases, organisations or regions ranked by derivatives, new derivatives or their downloads."""
    st.subheader("League tables")
    # one above the other: side by side, the second was cut at 1024 px
    of = (
        st.segmented_control(
            "Of", ["bases", "organisations", "regions"], default="bases", key="hub_of", bind="query-params"
        )
        or "bases"
    )
    by = (
        st.segmented_control(
            "Ranked by", list(MEASURES), default="derivatives", key="hub_by", bind="query-params"
        )
        or "derivatives"
    )
    column, title = MEASURES[by]
    counts = {
        name: st.column_config.NumberColumn(head, width=w, help=help, **NUMBER)
        for name, head, w, help in (
            ("bases", "Bases", 55, None),
            ("derivatives", "Derivatives", 80, None),
            ("new_derivatives", "New", 50, "New derivatives: not its derivatives in the run before."),
            ("derivative_downloads_30d", "Downloads", 95, "The derivatives' 30-day downloads, summed."),
        )
    }
    if of == "bases":
        frame = view.bases.assign(tracked_in=view.bases["ecosystems"].map(view.tracked_in))
        frame = frame.sort_values([column, "derivatives", "base_id"], ascending=[False, False, True])
        shown = [
            "base_id",
            "tracked_in",
            "region",
            "derivatives",
            "new_derivatives",
            "derivative_downloads_30d",
        ]
        config = {
            "base_id": st.column_config.TextColumn("Base", width=165),
            "tracked_in": st.column_config.TextColumn(
                "Tracked in", width=TRACKED, help=f"`{TRACKED_IN}`: outside every tracked ecosystem."
            ),
            "region": st.column_config.TextColumn("Region", width=REGION),
        }
    else:
        name = "organisation" if of == "organisations" else "region"
        frame = hub_data.groups(*view.where, name, *([view.run["taken_at"].date()] * 2))
        frame = frame[frame["run_id"] == view.run_id].rename(columns={"name": name})
        if name == "organisation":  # its region: that of its bases (one namespace, one region)
            regions = view.bases.drop_duplicates("organisation").set_index("organisation")["region"]
            frame = frame.assign(region=frame["organisation"].map(regions))
        frame = frame.sort_values([column, "derivatives", name], ascending=[False, False, True])
        shown = [name, *(["region"] if name == "organisation" else []), "bases", "derivatives"]
        shown += ["new_derivatives", "derivative_downloads_30d"]
        config = {
            name: st.column_config.TextColumn(name.capitalize(), width=150 if name == "organisation" else 80),
            "region": st.column_config.TextColumn("Region", width=REGION),
        }
    config |= {key: value for key, value in counts.items() if key in shown}
    if frame[column].isna().all():
        st.info("The first run with the view counts no new derivatives: it has no run before it to compare.")
    label = shown[0]
    leaders = frame[frame[column].fillna(0) > 0].head(BARS)
    if len(leaders):  # coloured by region: a region's own colour on every chart
        st.altair_chart(charts.bars(leaders, column, label, title=title, color="region"))
    st.dataframe(frame[shown].head(ROWS), hide_index=True, key=f"hub_league_{of}", column_config=config)
    st.caption(
        f"The {min(len(frame), ROWS):,} {of} with the most {by} in this run, of {len(frame):,}. "
        "Derivatives: listed models with a path of declared parent links to the base (a group counts each "
        "once); new: not its derivatives in the run with the view before; downloads: the derivatives' "
        "30-day downloads summed (the bases' own left out)."
    )


def ecosystems(view: HubRun) -> None:
    """Each tracked ecosystem's share of the Hub's derivatives, beside its share among the tracked."""
    st.subheader("The tracked ecosystems' share of the Hub")
    which = (
        st.segmented_control(
            "Of",
            ["derivatives", "new derivatives"],
            default="new derivatives",
            key="hub_share_of",
            bind="query-params",
        )
        or "new derivatives"
    )
    groups = hub_data.groups(*view.where, "ecosystem", view.ctx.since, view.ctx.until)
    shares = hub_charts.compute_tracked_shares(groups).rename(columns={"name": "ecosystem"})
    new = which == "new derivatives"
    hub_share, tracked_share = ("new_share", "tracked_new_share") if new else ("share", "tracked_share")
    count = ("new_derivatives", "new derivatives") if new else ("derivatives", "derivatives")
    if shares[hub_share].isna().all():
        st.info("No new derivatives are counted yet: the first run with the view has none to compare.")
        return
    names = list(view.ctx.all_ecosystems)
    drawn = {"counts": [count], "gaps": view.gaps, "archived": view.ctx.archived(), "domain": names}
    # one above the other, each with its legend: side by side, a key of six names overlapped at 1024 px
    for value, heading in (
        (hub_share, f"Of all the Hub's {which}"),
        (tracked_share, f"Among the tracked ecosystems' {which}"),
    ):
        st.markdown(f"**{heading}**")
        st.altair_chart(hub_charts.share_lines(shares, value, title="share", labels=view.ctx.labels, **drawn))
    latest = shares[shares["run_id"] == view.run_id].copy()
    latest["ecosystem"] = latest["ecosystem"].map(view.ctx.label)
    layout.small_table(
        latest.sort_values(count[0], ascending=False),
        {
            "ecosystem": "Ecosystem",
            count[0]: which.capitalize(),
            hub_share: "Of the Hub",
            tracked_share: "Among the tracked",
        },
        {count[0]: "{:,.0f}", hub_share: "{:.1%}", tracked_share: "{:.1%}"},
    )
    st.caption(
        f"The first chart: each ecosystem's {which} over all the Hub's (each derivative once); the second: "
        "over the tracked ecosystems' summed, as the Compare page counts them (a merge of two ecosystems "
        "counts in each). The table: this run, both side by side."
    )


def regions(view: HubRun) -> None:
    """The regions' shares of the new derivatives over time, of all of them or of one relation."""
    st.subheader("New derivatives by region")
    words = {label: column for column, label in hub_charts.NEW_BY_RELATION.items()}
    relation = (
        st.segmented_control(
            "Relation", list(words), default="all new derivatives", key="hub_relation", bind="query-params"
        )
        or "all new derivatives"
    )
    groups = hub_data.groups(*view.where, "region", view.ctx.since, view.ctx.until)
    shares = hub_charts.compute_region_shares(groups, words[relation])
    if shares.empty:
        st.info(f"No {relation} counted yet: the first run with the view has none to compare.")
        return
    st.altair_chart(
        hub_charts.region_shares(
            shares,
            title=f"share of {relation}",
            count_title=relation,
            gaps=view.gaps,
            archived=view.ctx.archived(),
        )
    )
    latest = groups[groups["run_id"] == view.run_id].rename(columns={"name": "region"})
    headers = {
        "region": "Region",
        **{c: label.capitalize() for c, label in hub_charts.NEW_BY_RELATION.items()},
    }
    layout.small_table(
        latest.sort_values("new_derivatives", ascending=False),
        headers,
        {column: "{:,.0f}" for column in hub_charts.NEW_BY_RELATION},
    )
    st.caption(
        "Each region's share of the run's new derivatives (the owner of the base's namespace, from the "
        "organisations file; `unknown`: a namespace not in it). A merge of bases of two regions counts in "
        "each, so the shares are of the regions' sum. The table: this run's new derivatives by relation."
    )


def _bases_table(
    view: HubRun, frame: pd.DataFrame, key: str, extra: dict[str, object], *, region: bool = True
) -> None:
    """Bases as a table: the id, `extra`'s columns, the tracked ecosystems they are roots of, and their
    region (`region`), within the main column's width at 1024 px (about 560 px)."""
    shown = frame.assign(tracked_in=frame["ecosystems"].map(view.tracked_in))
    widths = [column["width"] for column in extra.values()]
    config = {
        "base_id": st.column_config.TextColumn(
            "Base", width=WIDTH - TRACKED - (REGION if region else 0) - sum(widths)
        ),
        **extra,
        "tracked_in": st.column_config.TextColumn(
            "Tracked in", width=TRACKED, help=f"`{TRACKED_IN}`: outside every tracked ecosystem."
        ),
    }
    if region:
        config["region"] = st.column_config.TextColumn("Region", width=REGION)
    st.dataframe(shown[list(config)], hide_index=True, key=key, column_config=config)


def changes(view: HubRun) -> None:
    """Risers, newcomers to the top by new derivatives, and the bases new this run."""
    st.subheader("Risers")
    risen = hub_data.risers(*view.where, view.run_id, 20)
    if risen.empty:
        st.info("No base's new derivatives grew against the run with the view before (or it counts none).")
    else:
        _bases_table(
            view,
            risen,
            "hub_risers",
            {
                "new_derivatives": st.column_config.NumberColumn("New", width=55, **NUMBER),
                "growth": st.column_config.NumberColumn(
                    "Growth", width=60, help="New derivatives now minus the run before.", **NUMBER
                ),
            },
        )
    st.subheader(f"Newcomers to the top {TOP}")
    came = hub_data.newcomers(*view.where, view.run_id)
    if came.empty:
        st.info("No newcomer: the top by new derivatives needs two runs with the view before this one.")
    else:
        _bases_table(
            view,
            came,
            "hub_newcomers",
            {
                "rank": st.column_config.NumberColumn("Rank", width=50, **NUMBER),
                "new_derivatives": st.column_config.NumberColumn("New", width=55, **NUMBER),
            },
        )
    st.subheader("New bases")
    fresh = hub_data.new_bases(*view.where, view.run_id)
    if fresh.empty:
        st.info(
            "No new base in this run."
            if view.before is not None
            else "The first run with the view: no new base."
        )
    else:
        _bases_table(
            view,
            fresh,
            "hub_new_bases",
            {
                "derivatives": st.column_config.NumberColumn("Derivatives", width=80, **NUMBER),
            },
        )
    st.caption(
        "Risers: the bases whose new derivatives grew most against the run with the view before. Newcomers: "
        "in this run's top by new derivatives, not in that run's. New bases: no base in that run (a new "
        f"family, or an old model's first derivative). `{TRACKED_IN}`: outside every tracked ecosystem."
    )


def _percent(share: float) -> str:
    """A share as a reader reads it: `37.4%`; never `100.0%` for a share short of the whole."""
    return "over 99.9%" if 0.999 < share < 1 else "under 0.1%" if 0 < share < 0.001 else f"{share:.1%}"


def capture(view: HubRun) -> None:
    """How much of each base's downloads go to its derivatives."""
    st.subheader("Capture share")
    only = st.toggle("Tracked bases only", key="hub_capture_tracked", bind="query-params")
    frame = view.bases[view.bases["tracked"]] if only else view.bases
    known = frame.dropna(subset=["capture_share"])
    known = known.assign(total=known["downloads_30d"] + known["derivative_downloads_30d"])
    top = known.sort_values(["total", "base_id"], ascending=[False, True]).head(20)
    if top.empty:
        st.info("No base has both its own downloads and its derivatives' in this run.")
        return
    lead = top.iloc[0]  # the most downloaded, theirs and its derivatives' together
    share = _percent(lead["capture_share"])
    st.markdown(
        f"{share[:1].upper()}{share[1:]} of {links.literal(lead['base_id'])}'s downloads go to its "
        f"derivatives: {int(lead['derivative_downloads_30d']):,} of {int(lead['total']):,} in 30 days."
    )
    top = top.sort_values(["capture_share", "base_id"], ascending=[False, True])  # the chart's question
    st.altair_chart(hub_charts.capture_bars(top, title="share of the downloads that go to the derivatives"))
    _bases_table(
        view,
        top,
        "hub_capture",
        {
            "capture_share": st.column_config.NumberColumn("Capture", width=65, format="percent"),
            "downloads_30d": st.column_config.NumberColumn("Own, 30 d", width=90, **NUMBER),
            "derivative_downloads_30d": st.column_config.NumberColumn(
                "Derivatives', 30 d", width=110, **NUMBER
            ),
        },
        region=False,  # the chart's colour
    )
    st.caption(
        "The 20 bases with the most downloads, theirs and their derivatives' (30 days), by the share that "
        "goes to the derivatives: their downloads over the base's own plus theirs. A base whose own figure "
        "the Hub did not give is left out "
        f"({len(frame) - len(known):,} of {len(frame):,} here)."
    )
