"""The digest's Whole Hub section: the run's whole-Hub view (DESIGN.md, "The whole Hub") as JSON
(`load`, `compute`) and as Markdown (`markdown`).

Every model the Hub lists, not only the tracked ecosystems': the Hub-wide totals with their change from the
run with the view before (`tracker.read.hub.previous_view_run`, which may be older than the digest's
previous run: a tree crawl has no view), each tracked ecosystem's and each region's share of the Hub's new
derivatives, the bases that appeared this run (`tracker.read.hub.new_bases`) and the newcomers to the top
by new derivatives (`tracker.read.hub.newcomers`), named by id, those outside every tracked ecosystem
marked. A run without the view says so, with the runs that lack it, never as zeros: its figures are None.
Base ids are Hub text: the Markdown passes them through `tracker.report.markdown_table` like every id.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy.engine import Engine

from tracker.read import hub
from tracker.report.digest_movers import ecosystem_label
from tracker.report.markdown_table import table, text

LISTED = 20  # new bases listed in the JSON (most derivatives first); `new_bases_count` counts them all
SHOWN = 10  # new bases and newcomers shown in the Markdown; the rest are counted, the untracked named
FIGURES = ("models", "derivatives", "new_derivatives")  # the Hub-wide totals, `snapshot_run.hub_*`
NO_VIEW = (
    "only a scan or a backfilled archive file records it; a tree crawl reads the tracked ecosystems' "
    "lineage alone"
)


def _int(value: object) -> int | None:
    return None if value is None or pd.isna(value) else int(value)  # type: ignore[arg-type]


def _float(value: object) -> float | None:
    return None if value is None or pd.isna(value) else float(value)  # type: ignore[arg-type]


def _iso(stamp: object) -> str:
    return pd.Timestamp(stamp).tz_convert("UTC").strftime("%Y-%m-%dT%H:%M:%SZ")


# --- reading ------------------------------------------------------------------------------------------------


def load(engine: Engine, run: dict) -> dict:
    """The Whole Hub part of the digest of `run` (`tracker.report.digest.pick_run`'s dict)."""
    runs = hub.load_view_runs(engine)
    lacking = hub.runs_without_view(engine)
    up_to = (lacking["taken_at"] < run["taken_at"]) | (
        (lacking["taken_at"] == run["taken_at"]) & (lacking["run_id"] <= run["id"])
    )
    without = [int(r) for r in lacking.loc[up_to, "run_id"]]
    ids = [int(r) for r in runs["run_id"]]
    if run["id"] not in ids:
        return compute(None, None, without=without)
    at = ids.index(run["id"])
    day = run["taken_at"].date()

    def groups(kind: str) -> pd.DataFrame:
        frame = hub.load_groups(engine, kind, since=day, until=day)
        return frame[frame["run_id"] == run["id"]]

    previous = runs.iloc[at - 1] if at > 0 else None
    bases, earlier = hub.with_previous(engine, run["id"])  # once, for both comparisons
    return compute(
        runs.iloc[at],
        previous,
        without=without,
        ecosystems=groups("ecosystem"),
        regions=groups("region"),
        new_bases=hub.new_bases_of(bases, earlier),
        newcomers=hub.newcomers_of(bases, earlier),
    )


# --- the figures, pure --------------------------------------------------------------------------------------


def compute(
    now: pd.Series | None,
    previous: pd.Series | None,
    *,
    without: list[int],
    ecosystems: pd.DataFrame | None = None,
    regions: pd.DataFrame | None = None,
    new_bases: pd.DataFrame | None = None,
    newcomers: pd.DataFrame | None = None,
) -> dict:
    """The section's JSON. `now`, `previous`: the run's and the run with the view before's rows of
    `tracker.read.hub.load_view_runs` (`now` None: the run has no view, every figure None); `without`: the
    complete runs up to this one that lack the view; the frames: `load_groups` rows of the run,
    `new_bases` and `newcomers` of the run."""
    out: dict = {"recorded": now is not None, "runs_without_view": without, "top": hub.TOP}
    out["previous_run"] = (
        None if previous is None else {"id": int(previous["run_id"]), "taken_at": _iso(previous["taken_at"])}
    )
    for figure in FIGURES:
        value = None if now is None else _int(now[f"hub_{figure}"])
        before = None if previous is None else _int(previous[f"hub_{figure}"])
        out[figure] = value
        out[f"{figure}_change"] = None if value is None or before is None else value - before
    empty = pd.DataFrame()
    out["ecosystems"] = None if now is None else _groups(ecosystems if ecosystems is not None else empty)
    out["regions"] = None if now is None else _groups(regions if regions is not None else empty)
    # New bases need a run with the view before; newcomers need one that counts new derivatives.
    if now is None or previous is None or new_bases is None:
        out["new_bases"], out["new_bases_count"] = None, None
    else:
        out["new_bases"] = [_base(r) for r in new_bases.head(LISTED).itertuples()]
        out["new_bases_count"] = len(new_bases)
    if now is None or previous is None or newcomers is None or pd.isna(previous["hub_new_derivatives"]):
        out["newcomers"], out["untracked_newcomers"] = None, None
    else:
        out["newcomers"] = [{**_base(r), "rank": int(r.rank)} for r in newcomers.itertuples()]
        out["untracked_newcomers"] = sum(not b["tracked"] for b in out["newcomers"])
    return out


def _groups(frame: pd.DataFrame) -> list[dict]:
    """A kind of group at the run: largest share of new derivatives first (of derivatives in a first run)."""
    rows = [
        {
            "name": r.name,
            "bases": int(r.bases),
            "derivatives": int(r.derivatives),
            "share": _float(r.share),
            "new_derivatives": _int(r.new_derivatives),
            "new_share": _float(r.new_share),
        }
        for r in frame.itertuples()
    ]
    return sorted(rows, key=lambda g: (-(g["new_share"] or 0), -g["derivatives"], g["name"]))


def _base(r) -> dict:  # noqa: ANN001 - a row of `tracker.read.hub.load_bases`
    return {
        "base_id": r.base_id,
        "organisation": r.organisation,
        "region": r.region,
        "derivatives": int(r.derivatives),
        "new_derivatives": _int(r.new_derivatives),
        "ecosystems": [e for e in (r.ecosystems or "").split(";") if e],
        "tracked": bool(r.tracked),
    }


def untracked_ids(whole_hub: dict | None) -> list[str]:
    """The ids of the run's newcomers outside every tracked ecosystem, by rank ([] when none counted)."""
    return [b["base_id"] for b in (whole_hub or {}).get("newcomers") or () if not b["tracked"]]


# --- Markdown ----------------------------------------------------------------------------------------------


def _n(value: int | None) -> str:
    return "–" if value is None else f"{value:,}"


def _signed(value: int | None) -> str:
    return "–" if value is None else f"{value:+,}"


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.1%}"


def _runs(ids: list[int]) -> str:
    named = [str(i) for i in ids[-SHOWN:]]
    listed = named[0] if len(named) == 1 else ", ".join(named[:-1]) + " and " + named[-1]
    return listed if len(ids) <= SHOWN else f"{len(ids):,} runs, the latest {listed}"


def markdown(d: dict) -> list[str]:
    """The Whole Hub section's lines (Markdown), from `d["whole_hub"]`."""
    w = d.get("whole_hub")
    if w is None:
        return []
    if not w["recorded"]:
        lacking = _runs(w["runs_without_view"])
        return [f"Run {d['run']['id']} has no whole-Hub view ({NO_VIEW}). Runs without it: {lacking}."]
    lines = [_context(w), ""]
    rows = [
        ["models on the Hub", _n(w["models"]), _signed(w["models_change"])],
        ["derivatives of some base", _n(w["derivatives"]), _signed(w["derivatives_change"])],
        ["new derivatives", _n(w["new_derivatives"]), _signed(w["new_derivatives_change"])],
    ]
    lines += table(["figure", "this run", "change"], rows, "lrr")
    if w["new_derivatives"] is None:
        lines += ["", "New derivatives are counted against the run before with the view: from the next run."]
    for key, heading, name in (
        ("ecosystems", "Share of the Hub's new derivatives, by tracked ecosystem:", "ecosystem"),
        ("regions", "By region (of the base's organisation):", "region"),
    ):
        groups = w[key]
        if not groups:
            continue
        cells = [
            [
                ecosystem_label(d, g["name"]) if key == "ecosystems" else g["name"],
                _n(g["new_derivatives"]),
                _pct(g["new_share"]),
                _n(g["derivatives"]),
                _pct(g["share"]),
            ]
            for g in groups
        ]
        header = [name, "new derivatives", "share of new", "derivatives", "share"]
        lines += ["", heading, "", *table(header, cells, "lrrrr")]
    lines += ["", *_new_bases(d, w), "", *_newcomers(d, w)]
    return lines


def _context(w: dict) -> str:
    previous = w["previous_run"]
    against = (
        f"changes against run {previous['id']} of {previous['taken_at'][:10]}, the run before with the "
        "whole-Hub view"
        if previous
        else "the first run with the whole-Hub view"
    )
    return (
        f"Every model the Hub lists, not only the tracked ecosystems'; {against}. A base outside every "
        "tracked ecosystem is marked untracked."
    )


def _tracked_in(d: dict, base: dict) -> str:
    return ", ".join(ecosystem_label(d, e) for e in base["ecosystems"]) if base["tracked"] else "untracked"


def _more(rows: list[dict], total: int) -> str:
    """ "and 12 more (2 untracked: a, b)" for the rows beyond those shown ("" when none)."""
    rest = total - SHOWN
    if rest <= 0:
        return ""
    untracked = [b["base_id"] for b in rows[SHOWN:] if not b["tracked"]]
    named = f" ({len(untracked):,} untracked: {', '.join(text(i) for i in untracked)})" if untracked else ""
    return f"And {rest:,} more{named}."


def _new_bases(d: dict, w: dict) -> list[str]:
    bases = w["new_bases"]
    if bases is None:
        return ["New bases are counted against the run before with the view: from the next run on."]
    if not bases:
        return ["New bases (not bases in the run before with the view): none."]
    lines = [f"New bases (not bases in the run before with the view), {w['new_bases_count']:,} in all:", ""]
    cells = [
        [b["base_id"], b["organisation"], b["region"], _n(b["derivatives"]), _tracked_in(d, b)]
        for b in bases[:SHOWN]
    ]
    lines += table(["base", "organisation", "region", "derivatives", "tracked in"], cells, "lllrl")
    more = _more(bases, w["new_bases_count"])
    return lines + (["", more] if more else [])


def _newcomers(d: dict, w: dict) -> list[str]:
    comers, top = w["newcomers"], w["top"]
    if comers is None:
        return [
            f"Newcomers to the top {top} by new derivatives: from the third run with the view on (the run "
            "before must count new derivatives)."
        ]
    if not comers:
        return [f"Newcomers to the top {top} by new derivatives: none."]
    untracked = w["untracked_newcomers"]
    lines = [
        f"Newcomers to the top {top} by new derivatives, {len(comers):,} ({untracked:,} untracked):",
        "",
    ]
    cells = [
        [str(b["rank"]), b["base_id"], _n(b["new_derivatives"]), b["organisation"], _tracked_in(d, b)]
        for b in comers[:SHOWN]
    ]
    lines += table(["rank", "base", "new derivatives", "organisation", "tracked in"], cells, "rlrll")
    more = _more(comers, len(comers))
    return lines + (["", more] if more else [])
