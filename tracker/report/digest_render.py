"""A digest as Markdown, HTML (with its charts as images) or JSON, and as a notification's summary.

Everything renders `Digest.data` (`tracker.report.digest`), so the formats carry the same figures. Figures are
in full with thousands separators (`6,836`), as on the dashboard. The HTML is the Markdown converted
(Python-Markdown, tables), with the charts drawn by the dashboard's own Altair functions
(`tracker.report.charts`) and rendered to PNG by vl-convert (no browser), embedded as data URIs: one file,
readable offline and attachable.
"""

from __future__ import annotations

import base64
import html
import json
from collections.abc import Callable

import pandas as pd

from tracker.report import digest_events, digest_hub, digest_movers
from tracker.report.digest import SUMMARY_MOVERS, TOP, Digest
from tracker.report.digest_movers import ecosystem_label as _label
from tracker.report.markdown_table import table, text

FORMATS = ("markdown", "html", "json")
SUFFIXES = {"markdown": "md", "html": "html", "json": "json"}
CHART_WIDTH = 640
PER_RUN_BARS = 26  # runs shown in the bar chart of new derivatives (half a year of weeks)
FIRST_RUN = (
    "This is the first complete run of these ecosystems: the comparison with the previous run starts with "
    "the next one."
)


# `Digest.data` holds JSON values: a figure is a number, or None where it does not exist.
def _n(value: float | None) -> str:
    return "–" if value is None else f"{int(value):,}"


def _signed(value: float | None) -> str:
    return "" if value is None else f"{int(value):+,}"


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.1%}"


# --- Markdown ---------------------------------------------------------------------------------------------


def to_markdown(digest: Digest, charts: dict[str, str] | None = None) -> str:
    """The digest in Markdown; `charts`: Markdown (an image) to put at the end of a section, by section
    key (headline, alerts, new, movers, ecosystems, whole_hub, events)."""
    d = digest.data
    charts = charts or {}
    first = d["previous_run"] is None
    out = [f"# {text(d['title'])}", "", _context(d), ""]
    if d.get("provenance"):  # emulated data: says so before any figure
        out += [f"> {d['provenance']}", ""]
    if first:
        out += [FIRST_RUN, ""]
    sections: list[tuple[str, str, Callable[[dict], list[str]]]] = [
        ("headline", "Headline", _headline),
        ("alerts", "Alerts", _alerts),
        ("new", "New derivatives", _new),
        ("movers", "Movers", _movers),
        ("ecosystems", "The ecosystems side by side", _side_by_side),
        ("whole_hub", "The whole Hub", digest_hub.markdown),
        ("events", "Notable events", _events),
    ]
    for key, heading, body in sections:
        lines = body(d)
        if not lines:
            continue
        out += [f"## {heading}", "", *lines, ""]
        if key in charts:
            out += [charts[key], ""]
    if d["dashboard_url"]:
        out += [f"[Open the dashboard]({d['dashboard_url']})", ""]
    return "\n".join(out).rstrip() + "\n"


def _context(d: dict) -> str:
    run, previous = d["run"], d["previous_run"]
    names = ", ".join(text(_label(d, e)) for e in run["ecosystems"])
    against = (
        f"against run {previous['id']} of {previous['taken_at'][:10]}"
        if previous
        else "the first complete run"
    )
    taken = run["taken_at"][:16].replace("T", " ")
    return f"Run {run['id']}, taken {taken} UTC, {against}. Ecosystems: {names}."


def _headline(d: dict) -> list[str]:
    rows = [[k["label"], k["value"], k["change"] or "–"] for k in d["headline"]]
    lines = table(["figure", "this run", "change"], rows, "lrr")
    lines += [line for event in digest_events.markdown(d) for line in ("", event)]  # beside the downloads
    if d["growth_multiple"]:
        growth = d["growth_multiple"]
        lines += [
            "",
            f"Growth multiple: {growth['basis']}." + (f" {growth['note']}" if growth["note"] else ""),
        ]
    return lines


def _alerts(d: dict) -> list[str]:
    alerts = d["alerts"]
    if not alerts["rules"]:
        return []
    fired = alerts["fired"]
    quiet = [a for a in alerts["checked"] if a["evaluated"] and not a["fired"]]
    unevaluated = [a for a in alerts["checked"] if not a["evaluated"]]
    lines = [f"- {text(a['line'])}" for a in fired]
    if not fired:
        lines.append(f"No rule fired ({alerts['rules']:,} checked).")
    elif quiet:
        lines += ["", f"Did not fire: {len(quiet):,} of the {alerts['rules']:,} rules."]
    if unevaluated:
        lines += ["", "Not evaluated:", ""] + [f"- {text(a['line'])}" for a in unevaluated]
    return lines


def _new(d: dict) -> list[str]:
    if d["previous_run"] is None:
        return ["New derivatives are counted against the previous run: from the next run on."]
    families, relations = d["new_by_family"], d["new_by_relation"]
    if not families and not relations:
        return ["No new derivative since the previous run."]
    lines = [f"By family (the {min(TOP, len(families))} with the most):", ""]
    lines += table(
        ["ecosystem", "family", "new"],
        [[_label(d, f["ecosystem"]), f["family"], _n(f["new"])] for f in families[:TOP]],
        "llr",
    )
    lines += ["", "By relation:", ""]
    names = [e["ecosystem"] for e in d["ecosystems"]]
    counts = {(r["relation"], r["ecosystem"]): r["new"] for r in relations}
    kinds = sorted(
        {r["relation"] for r in relations}, key=lambda k: -sum(counts.get((k, e), 0) for e in names)
    )
    rows = [[kind, *(_n(counts.get((kind, e), 0)) for e in names)] for kind in kinds]
    lines += table(["relation", *(_label(d, e) for e in names)], rows, "l" + "r" * len(names))
    return lines


def _movers(d: dict) -> list[str]:
    return digest_movers.markdown(d, TOP)


def _side_by_side(d: dict) -> list[str]:
    ecosystems = d["ecosystems"]
    if not ecosystems:
        return []
    rows = [
        [
            _label(d, e["ecosystem"]),
            _n(e["derivatives"]),
            _signed(e["derivatives_change"]) or "–",
            _n(e["new"]),
            _pct(e["share_of_new"]),
            _n(e["weekly_downloads"]),
        ]
        for e in ecosystems
    ]
    header = ["ecosystem", "derivatives", "change", "new", "share of new", "weekly downloads"]
    lines = table(header, rows, "lrrrrr")
    sentence = rivals_sentence(d)
    if sentence:
        lines += ["", sentence]
    return lines


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def rivals_sentence(d: dict) -> str:
    """Llama's share of the new derivatives per week against the rivals' ("" with one ecosystem or no
    shares): the ecosystem named `llama`, else the largest, first."""
    shared = [e for e in d["ecosystems"] if e["share_of_new"] is not None]
    if len(shared) < 2:
        return ""
    lead = next((e for e in shared if e["ecosystem"] == "llama"), shared[0])
    others = ", ".join(
        f"{text(_label(d, e['ecosystem']))} {_pct(e['share_of_new'])}" for e in shared if e is not lead
    )
    return (
        f"{text(_capital(_label(d, lead['ecosystem'])))} took {_pct(lead['share_of_new'])} of the new "
        f"derivatives per week (the other tracked ecosystems: {others})."
    )


def _events(d: dict) -> list[str]:
    events = d["events"]
    lines = []
    roots = events["new_roots"]
    if roots:
        named = ", ".join(
            f"{text(r['model_id'])} ({text(_label(d, r['ecosystem']))}, {text(r['family'])})"
            for r in roots[:TOP]
        )
        more = f" and {len(roots) - TOP:,} more" if len(roots) > TOP else ""
        lines.append(f"- New roots: {named}{more}.")
    lost = events["lost_parents"]
    if lost:
        named = ", ".join(
            f"{text(r['model_id'])} ({r['children']:,} children, "
            f"{r['children_still_tracked']:,} still tracked)"
            for r in lost[:TOP]
        )
        more = f" and {len(lost) - TOP:,} more" if len(lost) > TOP else ""
        lines.append(
            f"- No longer tracked, with children: {named}{more} (deleted, made private, renamed, or cut off "
            f"from the roots; {events['lost_models']:,} models left in all)."
        )
    revisions = events["revisions"]
    if revisions["models"]:
        largest = ", ".join(
            f"{text(r['model_id'])} {r['downloads_delta']:+,}" for r in revisions["largest"][:3]
        )
        lines.append(
            f"- Downward revisions by the Hub: {revisions['models']:,} models' all-time downloads went down, "
            f"{revisions['downloads']:+,} in all (largest: {largest}); kept as data."
        )
    return lines or ["None."]


# --- HTML ---------------------------------------------------------------------------------------------------

_STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; max-width: 760px;
       margin: 2em auto; padding: 0 1em; color: #222; line-height: 1.45; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 1.6em; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; margin: 0.5em 0; font-variant-numeric: tabular-nums; }
th, td { padding: 0.25em 0.7em; border-bottom: 1px solid #eee; }
th { text-align: left; background: #f6f6f6; }
img { max-width: 100%; height: auto; display: block; margin: 0.8em 0; }
"""


def chart_images(digest: Digest) -> dict[str, tuple[str, bytes]]:
    """The digest's charts as PNG, by section: (alt text, image)."""
    import vl_convert

    return {
        key: (alt_text, vl_convert.vegalite_to_png(chart.properties(width=CHART_WIDTH).to_json(), scale=2))
        for key, (alt_text, chart) in chart_specs(digest).items()
    }


def chart_specs(digest: Digest) -> dict:
    """The digest's charts, by section: (alt text, Altair chart). Drawn by `tracker.report.charts` as on the
    dashboard's Overview, Movers and Compare pages; none where there is nothing to draw."""
    from tracker.report import charts, palette

    series, names = digest.series, palette.ecosystem_order(digest.data["run"]["ecosystems"])
    labels = digest.labels or None
    several = len(names) > 1
    by, frame = ("ecosystem", series) if several else ("family", digest.by_family)
    drawn = {}
    if not frame.empty:
        drawn["headline"] = (
            f"Derivatives per run, by {by}",
            charts.over_time(
                frame,
                "derivatives",
                title="derivatives",
                by=by,
                stacked=not several,
                archived=digest.archived,
                domain=names if several else None,
                labels=labels,
            ),
        )
        recent = frame[frame["run_id"].isin(_last_runs(frame, PER_RUN_BARS))]
        if recent["new"].notna().any():
            drawn["new"] = (
                f"New derivatives per run, by {by}",
                charts.per_run(
                    recent,
                    "new",
                    title="new derivatives",
                    by=by,
                    archived=digest.archived,
                    domain=names if several else None,
                    labels=labels,
                ),
            )
    if several and not digest.shares.empty:
        drawn["ecosystems"] = (
            "Share of new derivatives per week, by ecosystem",
            charts.share_areas(
                digest.shares,
                "ecosystem",
                title="share of new derivatives",
                archived=digest.archived,
                domain=names,
                labels=labels,
            ),
        )
    risers = digest.risers.drop_duplicates("model_id").head(TOP) if not digest.risers.empty else digest.risers
    if digest_movers.draws_a_leaderboard(risers):
        drawn["movers"] = (
            "Risers: rise in weekly downloads, by relation",
            charts.bars(risers, "change", "model_id", title="rise in weekly downloads", color="relation"),
        )
    return drawn


def _last_runs(frame: pd.DataFrame, count: int) -> list[int]:
    runs = frame[["taken_at", "run_id"]].drop_duplicates().sort_values(["taken_at", "run_id"])
    return runs["run_id"].tail(count).tolist()


def to_html(digest: Digest) -> str:
    """The digest as one self-contained HTML page, its charts embedded as PNG data URIs."""
    import markdown

    images = {
        key: f"![{alt_text}](data:image/png;base64,{base64.b64encode(png).decode()})"
        for key, (alt_text, png) in chart_images(digest).items()
    }
    body = markdown.markdown(to_markdown(digest, images), extensions=["tables"], output_format="html")
    return (
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(digest.data['title'])}</title>\n<style>{_STYLE}</style>\n</head>\n"
        f"<body>\n{body}\n</body>\n</html>\n"
    )


# --- JSON ------------------------------------------------------------------------------------------------


def to_json(digest: Digest) -> str:
    """Every figure of the digest for scripts: the same numbers as the other formats, unformatted."""
    return json.dumps(digest.data, indent=2, ensure_ascii=False) + "\n"


def render(digest: Digest, fmt: str) -> str:
    if fmt == "markdown":
        return to_markdown(digest)
    if fmt == "html":
        return to_html(digest)
    if fmt == "json":
        return to_json(digest)
    raise ValueError(f"unknown format {fmt!r} (one of {', '.join(FORMATS)})")


# --- the notification ---------------------------------------------------------------------------------


def summary(digest: Digest) -> tuple[str, str]:
    """A notification's title and Markdown body: the four headline figures with their change, the top
    movers, the link to the dashboard."""
    d = digest.data
    lines = [
        f"- **{k['label']}**: {k['value']}" + (f" ({k['change']})" if k["change"] else "")
        for k in d["headline"]
    ]
    if d["previous_run"] is None:
        lines += ["", FIRST_RUN]
    movers = digest_movers.summary_line(d, SUMMARY_MOVERS)
    if movers:
        lines += ["", movers]
    sentence = rivals_sentence(d)
    if sentence:
        lines += ["", sentence]
    fired = d["alerts"]["fired"]
    if fired:
        rules = "alert rule" if len(fired) == 1 else "alert rules"
        lines += ["", f"{len(fired):,} {rules} fired (each sent on its own)."]
    if d["dashboard_url"]:
        lines += ["", f"Dashboard: {d['dashboard_url']}"]
    return d["title"], "\n".join(lines)  # a title is text (`tracker.report.notify` escapes it if need be)


def alert_notices(digest: Digest) -> list[tuple[str, str]]:
    """One (title, body) per rule that fired."""
    run = digest.data["run"]
    return [
        (f"Alert: {a['rule']}", f"{text(a['line'])} (run {run['id']} of {run['taken_at'][:10]})")
        for a in digest.data["alerts"]["fired"]
    ]
