"""The whole-Hub view's figures shaped for a chart, and its charts: pure (pandas and Altair, no I/O), so
the dashboard's Whole Hub page and the digest draw them alike, in `tracker.report.palette`'s colours
(an ecosystem's, a region's).

- `compute_tracked_shares`: each tracked ecosystem's share of all the Hub's derivatives (and new ones),
  beside its share among the tracked ecosystems.
- `compute_region_shares`: each region's share of a run's new derivatives (or of one relation's).
- `new_share_kpi`: an ecosystem's share of all the Hub's new derivatives in a run, with its change, as a
  headline figure (the Overview's card).
- `share_lines`, `region_shares`, `capture_bars`: the charts. A run without the view (a tree) is no point
  of a line: it is drawn as a dashed rule, never as zero (`gaps`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import altair as alt
import pandas as pd

from tracker.core.instants import naive_utc
from tracker.core.organisations import REGIONS  # the legend's order
from tracker.read.kpis import Kpi
from tracker.report import charts
from tracker.report.chart_colours import coloured

# the columns of a group's new derivatives, all of them then each relation's, and what a reader calls them
NEW_BY_RELATION: dict[str, str] = {
    "new_derivatives": "all new derivatives",
    "new_finetunes": "finetunes",
    "new_adapters": "adapters",
    "new_quantizations": "quantizations",
    "new_merges": "merges",
}
GAP = "no whole-Hub view (a tree crawl)"
LINES_HEIGHT = charts.HEIGHT + 80


def compute_tracked_shares(groups: pd.DataFrame) -> pd.DataFrame:
    """Per run and tracked ecosystem (`load_groups(kind="ecosystem")`'s rows): `share` and `new_share` (of
    the Hub's derivatives, new derivatives), `tracked_share` and `tracked_new_share` (of the tracked
    ecosystems' summed: a merge of two ecosystems counts in each, as on the Compare page). Empty where the
    count is (new derivatives in the first run with the view)."""
    frame = groups.copy()
    for value, share in (("derivatives", "tracked_share"), ("new_derivatives", "tracked_new_share")):
        counts = frame[value].astype("Float64")
        total = counts.groupby(frame["run_id"]).transform("sum", min_count=1)
        frame[share] = (counts / total.where(total > 0)).astype("Float64")
    return frame


def compute_region_shares(groups: pd.DataFrame, value: str = "new_derivatives") -> pd.DataFrame:
    """Per run and region (`load_groups(kind="region")`'s rows): `value` (a column of `NEW_BY_RELATION`)
    and its `share` of the regions' sum in that run, which sums to 1 (a merge of bases of two regions
    counts in each). Runs that count none (the first with the view) are left out."""
    frame = groups[["run_id", "taken_at", "name", value]].rename(columns={"name": "region"})
    frame = frame.dropna(subset=[value])
    total = frame[value].astype("float64").groupby(frame["run_id"]).transform("sum")
    frame = frame[total > 0].assign(share=frame[value].astype("float64") / total[total > 0])
    return frame.reset_index(drop=True)


def new_share_kpi(groups: pd.DataFrame, runs: pd.DataFrame, ecosystem: str, label: str) -> Kpi | None:
    """`ecosystem`'s share of all the Hub's new derivatives in the latest of `runs` (`load_view_runs`'
    rows), its change in points against the run with the view before it; `groups`: `load_groups(kind=
    "ecosystem")`'s rows (every run). None without a run with the view. `label`: the ecosystem's."""
    if runs.empty:
        return None
    ids = list(runs["run_id"])
    mine = groups[groups["name"] == ecosystem].set_index("run_id")["new_share"]
    now = mine.get(ids[-1], pd.NA)
    then = mine.get(ids[-2], pd.NA) if len(ids) > 1 else pd.NA
    taken_at = runs["taken_at"].iloc[-1]
    delta = None if pd.isna(now) or pd.isna(then) else f"{(float(now) - float(then)) * 100:+.1f} pts"
    return Kpi(
        label="Share of the Hub's new derivatives",  # whole at 1024 px; the help names the ecosystem
        value="–" if pd.isna(now) else f"{float(now):.1%}",
        delta=delta,
        help=f"Of every new derivative on the whole Hugging Face Hub (models new since the run before "
        f"with a path of declared parent links to any base model, each counted once), the share that "
        f"descends from {label}'s base models, in the run of {taken_at:%d %b %Y} (the latest with the "
        "whole-Hub view, which a scan or a backfill records); the change is in percentage points against "
        "the run with the view before." + (f" {_why_none(runs, label)}" if pd.isna(now) else ""),
        key="hub_new_share",
        now=None if pd.isna(now) else float(now),
        before=None if pd.isna(then) else float(then),
    )


def _why_none(runs: pd.DataFrame, label: str) -> str:
    if pd.isna(runs["hub_new_derivatives"].iloc[-1]):
        return "The first run with the view counts no new derivatives: it has no run before it to compare."
    return f"That run records no base of {label} on the Hub."


def _base(frame: pd.DataFrame) -> alt.Chart:
    """A chart over `frame` with its runs' instants naive UTC (Vega-Lite reads them as given)."""
    return alt.Chart(frame.assign(taken_at=frame["taken_at"].dt.tz_convert("UTC").dt.tz_localize(None)))


def _gaps(chart: alt.Chart | alt.LayerChart, gaps: Sequence[pd.Timestamp]) -> alt.Chart | alt.LayerChart:
    """The chart with a dashed grey rule at each run that lacks the view: a week not measured, not zero."""
    if not len(gaps):
        return chart
    rules = pd.DataFrame({"taken_at": [naive_utc(t) for t in gaps], "run": GAP})
    rule = (
        alt.Chart(rules)
        .mark_rule(color="#9e9e9e", strokeDash=[4, 3], strokeWidth=1.5)
        .encode(x="taken_at:T", tooltip=[charts.RUN_TIP, alt.Tooltip("run:N", title="missing")])
    )
    return alt.layer(chart, rule).properties(height=charts.HEIGHT)


def share_lines(
    frame: pd.DataFrame,
    value: str,
    *,
    title: str,
    counts: Sequence[tuple[str, str]] = (),
    gaps: Sequence[pd.Timestamp] = (),
    archived: Sequence[pd.Timestamp] = (),
    domain: Sequence[str] | None = None,
    labels: Mapping[str, str] | None = None,
    legend: bool = True,
) -> alt.Chart | alt.LayerChart:
    """A share per run (`value`, 0 to 1) as one line per ecosystem with a point at each run (shares of
    the whole Hub do not add up to a whole: not stacked); `counts` ((column, title) pairs) in the tooltip;
    the runs without the view (`gaps`) as dashed rules, those from the weekly archive shaded."""
    data = frame.dropna(subset=[value]).astype({value: "float64"})
    data = data.astype({name: "float64" for name, _ in counts})
    data, colours = coloured(
        data, "ecosystem", value=value, sums=[value, *(n for n, _ in counts)], domain=domain, labels=labels
    )
    tooltip = [
        charts.RUN_TIP,
        alt.Tooltip("ecosystem:N"),
        alt.Tooltip(f"{value}:Q", title="share", format=".1%"),
    ]
    tooltip += [alt.Tooltip(f"{name}:Q", title=label, format=",") for name, label in counts]
    top = max(0.05, float(data[value].max()) * 1.1) if len(data) else 1.0
    chart = (
        _base(data)
        .mark_line(point=True)
        .encode(
            x=alt.X("taken_at:T", axis=charts.DATE_AXIS, scale=charts.MONTHS),
            y=alt.Y(
                f"{value}:Q", title=title, axis=charts.SHARE_AXIS, scale=alt.Scale(domain=[0, min(1.0, top)])
            ),
            color=charts.color_channel("ecosystem", colours, legend=legend, bottom=True),
            tooltip=tooltip,
        )
        .properties(height=charts.HEIGHT)
    )
    # taller than the others: the chart fits its legend (two rows of names at 1024 px) in its height
    return _gaps(charts._with_archive(chart, archived), gaps).properties(height=LINES_HEIGHT)


def region_shares(
    frame: pd.DataFrame,
    *,
    title: str,
    count_title: str,
    gaps: Sequence[pd.Timestamp] = (),
    archived: Sequence[pd.Timestamp] = (),
) -> alt.Chart | alt.LayerChart:
    """Each region's share per run (`compute_region_shares`) as stacked areas in the regions' colours,
    the count in the tooltip; the runs without the view as dashed rules."""
    value = next(c for c in frame.columns if c in NEW_BY_RELATION)
    data = frame.dropna(subset=["share"]).astype({"share": "float64", value: "float64"})
    data, colours = coloured(data, "region", value="share", sums=["share", value], domain=REGIONS)
    rank = {name: i for i, name in enumerate(colours.names)}
    chart = (
        _base(data.assign(_order=data["region"].map(rank)))
        .mark_area(opacity=0.85)
        .encode(
            x=alt.X("taken_at:T", axis=charts.DATE_AXIS, scale=charts.MONTHS),
            y=alt.Y("share:Q", stack="zero", title=title, axis=charts.SHARE_AXIS, scale=charts.WHOLE),
            color=charts.color_channel("region", colours, bottom=True, columns=len(colours.names)),
            order=alt.Order("_order:Q"),
            tooltip=[
                charts.RUN_TIP,
                alt.Tooltip("region:N"),
                alt.Tooltip("share:Q", format=".1%"),
                alt.Tooltip(f"{value}:Q", title=count_title, format=","),
            ],
        )
        .properties(height=charts.HEIGHT)
    )
    return _gaps(charts._with_archive(chart, archived), gaps)


def capture_bars(bases: pd.DataFrame, *, title: str) -> alt.Chart:
    """Each base's capture share (`capture_share`: its derivatives' downloads over its own and theirs) as
    a horizontal bar, in the order of `bases`, coloured by the base's region; downloads in the tooltip."""
    data = bases.dropna(subset=["capture_share"]).astype(
        {"capture_share": "float64", "downloads_30d": "float64", "derivative_downloads_30d": "float64"}
    )
    data, colours = coloured(data, "region", value="capture_share", keys=("base_id",), domain=REGIONS)
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X("capture_share:Q", title=title, axis=charts.SHARE_AXIS, scale=charts.WHOLE),
            y=alt.Y("base_id:N", sort=list(data["base_id"]), title=None, axis=alt.Axis(labelLimit=260)),
            color=charts.color_channel("region", colours, bottom=True, columns=len(colours.names)),
            tooltip=[
                alt.Tooltip("base_id:N", title="base"),
                alt.Tooltip("capture_share:Q", title="to its derivatives", format=".1%"),
                alt.Tooltip("downloads_30d:Q", title="its own downloads, 30 days", format=","),
                alt.Tooltip("derivative_downloads_30d:Q", title="its derivatives', 30 days", format=","),
                "region:N",
            ],
        )
        .properties(height=alt.Step(22))
    )
