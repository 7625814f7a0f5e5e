"""The digest's Hub events: those of its week, named beside the download figures, and the movers whose
step holds one of their library's (`tracker.core.events`).

A week is the interval (previous run, this run], in days (`events_in_step`): its download figures cross
each event dated in it, a step of the Hub's counting that is no adoption. The text of an event may come
from a user's file: it goes into Markdown through `markdown_table.text`, like every other datum.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from tracker.core.events import Event, events_in_step
from tracker.core.movers import flag_events
from tracker.report.markdown_table import text


def of_week(events: Sequence[Event], run: dict, previous: dict | None) -> list[Event]:
    """The events of the digest's week; none for a first run (no interval)."""
    if previous is None:
        return []
    before, now = pd.Timestamp(previous["taken_at"]), pd.Timestamp(run["taken_at"])
    return events_in_step(events, before.to_pydatetime(), now.to_pydatetime())


def data(events: Sequence[Event]) -> list[dict]:
    """The JSON part: each event of the week (date, kind, what, source, libraries)."""
    return [
        {
            "date": f"{e.date:%Y-%m-%d}",
            "kind": e.kind,
            "what": e.what,
            "source": e.source,
            "libraries": list(e.libraries),
        }
        for e in events
    ]


def _whose(libraries: Sequence[str]) -> str:
    return f"models of {', '.join(libraries)}" if libraries else "every model"


def markdown(d: dict) -> list[str]:
    """One line per event of the week, to follow the download figures ([] without one)."""
    return [
        f"Hub event in this week: {text(e['date'])}, {text(e['what'])} (source: {text(e['source'])}). "
        f"Weekly downloads of {text(_whose(e['libraries']))} step there: the Hub's counting, not adoption."
        for e in d.get("hub_events", ())
    ]


def flag_boards(
    boards: Mapping[str, pd.DataFrame], libraries: Mapping[str, str | None], events: Sequence[Event]
) -> dict[str, pd.DataFrame]:
    """The movers' boards with their `event` column (`flag_events`): the week's events of each mover's
    library."""
    return {
        name: flag_events(board, libraries, events) if "model_id" in board else board
        for name, board in boards.items()
    }
