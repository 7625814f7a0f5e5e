"""The digest's movers: their JSON rows (`data`), their Markdown section (`markdown`) and the notification's
line (`summary_line`). Who counts as a mover, and the sentences when nobody does or everybody ties, are
`tracker.core.movers`'s, as on the dashboard's Movers page: the two say the same thing in the same words.
"""

from __future__ import annotations

import pandas as pd

from tracker.core import movers
from tracker.core.movers import Floors
from tracker.report.markdown_table import table, text

BOARDS = (("risers", "Risers"), ("fallers", "Fallers"))


def _number(value: object) -> int | None:
    return None if value is None or pd.isna(value) else int(value)


def data(boards: dict[str, pd.DataFrame], top: int, floors: Floors = movers.FLOORS) -> dict:
    """The JSON part: `floors` (what a mover clears), `risers`, `fallers` (ranked) and `entrants`."""
    out: dict = {"floors": {"change": floors.change, "share": floors.share}}
    for name, _ in BOARDS:
        out[name] = [
            {**_row(r), "rank": int(r.rank), "tied": bool(r.tied)} for r in _rows(boards.get(name), top)
        ]
    out["entrants"] = [_row(r) for r in _rows(boards.get("entrants"), top)]
    return out


def _rows(frame: pd.DataFrame | None, top: int) -> list:
    """The first `top` rows, each model once (a model whose figures differ between ecosystems: the first)."""
    if frame is None or frame.empty:
        return []
    return list(frame.drop_duplicates("model_id").head(top).itertuples())


def _row(r) -> dict:  # noqa: ANN001 - a row of a board
    return {
        "model_id": r.model_id,
        "ecosystem": r.ecosystem,
        "family": r.family,
        "relation": r.relation,
        "weekly_downloads": _number(r.weekly_downloads),
        "weekly_downloads_before": _number(getattr(r, "weekly_downloads_before", None)),
        "change": _number(getattr(r, "change", None)),
        "event": getattr(r, "event", "") or "",  # a Hub event of its library in its step (`flag_events`)
    }


def ecosystem_label(d: dict, name: str) -> str:
    """How the digest names an ecosystem to a reader: its label (`labels[]` in the data), else its key."""
    return next((e["label"] for e in d.get("labels", ()) if e["ecosystem"] == name), name)


def _floors(d: dict) -> Floors:
    given = d["movers"]["floors"]
    return Floors(change=given["change"], share=given["share"])


def _signed(value: int | None) -> str:
    return "–" if value is None else f"{value:+,}"


def frame_of(rows: list[dict]) -> pd.DataFrame:
    """A board's JSON rows as a frame (`tracker.core.movers`' sentences read frames)."""
    return pd.DataFrame(rows, columns=["model_id", "change", "rank", "tied"])


def markdown(d: dict, top: int) -> list[str]:
    """The Movers section: what a mover is, the risers and fallers ranked (or the sentence saying that
    nobody cleared the floor), the entrants to the top."""
    if d["previous_run"] is None:
        return ["Movers compare weekly downloads with the previous run: from the next run on."]
    floors = _floors(d)
    lines = [movers.describe(floors), ""]
    for name, label in BOARDS:
        rows = d["movers"][name]
        lines += [f"{label} (weekly downloads against the previous run):", ""]
        if not rows:
            lines += [movers.nobody(name, floors), ""]
            continue
        tie = movers.all_tied(frame_of(rows), name)
        if tie:
            lines += [tie, ""]
        cells = [
            [
                movers.rank_label(r["rank"], r["tied"]),
                r["model_id"],
                ecosystem_label(d, r["ecosystem"]),
                f"{r['weekly_downloads']:,}",
                _signed(r["change"]),
            ]
            for r in rows
        ]
        lines += table(["rank", "model", "ecosystem", "weekly downloads", "change"], cells, "rllrr")
        lines.append("")
        lines += [_flagged(r) for r in rows if r.get("event")]
    entrants = d["movers"]["entrants"]
    lines += [f"New entrants to the top {top} by weekly downloads:", ""]
    if entrants:
        lines += table(
            ["model", "ecosystem", "weekly downloads"],
            [
                [r["model_id"], ecosystem_label(d, r["ecosystem"]), f"{r['weekly_downloads']:,}"]
                for r in entrants
            ],
            "llr",
        )
    else:
        lines.append("None.")
    return lines


def _flagged(r: dict) -> str:
    return (
        f"Flagged: {text(r['model_id'])}'s step holds a Hub event of its library ({text(r['event'])}): its "
        "change may be the Hub's counting, not adoption.\n"
    )


def summary_line(d: dict, count: int) -> str:
    """The notification's movers: the first `count` risers, or the sentence saying there are none ("" for
    a first run)."""
    if d["previous_run"] is None:
        return ""
    risers = d["movers"]["risers"][:count]
    if not risers:
        return movers.nobody("risers", _floors(d))
    named = "; ".join(
        f"{text(r['model_id'])} {_signed(r['change'])}" + (" (tied)" if r["tied"] else "") for r in risers
    )
    return f"Top movers (change in weekly downloads): {named}."


def draws_a_leaderboard(risers: pd.DataFrame) -> bool:
    """Whether the risers' chart is drawn: two values or more (a list of equal bars is no ranking)."""
    return not risers.empty and movers.is_ranking(risers)
