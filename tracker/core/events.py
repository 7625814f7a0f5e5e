"""The events file: dated changes that move the Hub's figures without being adoption.

A CSV of `date,kind,what,source[,libraries]` (tracker/data/hub-events.csv ships the Hub's own changes of
what it counts; see its README). `libraries`: the Hub `library_name` values the event concerns, separated
by `;`; empty, or the column absent, for an event that concerns every model. A user's file (their own
releases, say) adds to the shipped one (`--events PATH` / `TRACKER_EVENTS`), never replaces it. Download
charts mark each event whose date they cross, the digest names the events of its week, the movers page
flags a mover whose step holds an event of its library. Parsed strictly, like the organisations file: a
malformed row is refused in one line naming the file, the row's line and what is wrong.
"""

from __future__ import annotations

import csv
import importlib.resources
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from tracker.core import files
from tracker.core.errors import one_line

__all__ = [
    "COLUMNS",
    "ENV",
    "MAX_BYTES",
    "Event",
    "EventsError",
    "concerns",
    "events_between",
    "events_in_step",
    "load_events",
    "parse_events",
    "shipped_events",
]

ENV = "TRACKER_EVENTS"
COLUMNS = ("date", "kind", "what", "source", "libraries")
REQUIRED = COLUMNS[:4]
MAX_BYTES = 1024 * 1024  # a file of dated notes: thousands of rows stay far below
MAX_TEXT = 300  # characters of a cell
_FORMULA_START = ("=", "+", "-", "@")  # a cell a spreadsheet would read as a formula


class EventsError(ValueError):
    """A problem with an events file, in a one-line message."""

    def __init__(self, message: str) -> None:
        super().__init__(message.replace("\r", "\\r").replace("\n", "\\n"))


@dataclass(frozen=True)
class Event:
    """One dated event.

    Fields:
        date: the day it took effect (UTC).
        kind: a short word (`counting`: the Hub changed what it counts; a user's `release`, ...).
        what: what happened, one sentence.
        source: where it is documented.
        libraries: the Hub `library_name` values it concerns, lower-case; empty: every model.
    """

    date: date
    kind: str
    what: str
    source: str
    libraries: tuple[str, ...] = ()


def _fail(source: str, line: int | None, problem: str) -> EventsError:
    prefix = f"events file {source}: "
    return EventsError(prefix + (f"line {line}: {problem}" if line else problem))


def _text_problem(name: str, value: str) -> str | None:
    if not value:
        return f"empty {name}"
    if len(value) > MAX_TEXT:
        return f"{name} longer than {MAX_TEXT} characters"
    if any(ord(char) < 32 or ord(char) == 127 for char in value):
        return f"{name} holds a control character"
    if value.startswith(_FORMULA_START):
        return f"{name} {value[:20]!r} starts with {value[0]!r} (a spreadsheet would read it as a formula)"
    return None


def _row(cells: list[str], header: tuple[str, ...], line: int, source: str) -> Event:
    if len(cells) != len(header):
        raise _fail(source, line, f"{len(cells)} columns, expected {len(header)} ({','.join(header)})")
    got = dict(zip(header, (cell.strip() for cell in cells), strict=True))
    try:
        day = date.fromisoformat(got["date"])
    except ValueError:
        raise _fail(source, line, f"date {got['date']!r} is not a date (YYYY-MM-DD)") from None
    if len(got["date"]) != 10:
        raise _fail(source, line, f"date {got['date']!r} is not a date (YYYY-MM-DD)")
    for name in ("kind", "what", "source"):
        problem = _text_problem(name, got[name])
        if problem:
            raise _fail(source, line, problem)
    libraries = tuple(dict.fromkeys(p.strip().lower() for p in got.get("libraries", "").split(";")))
    libraries = tuple(name for name in libraries if name)
    for name in libraries:
        if not all(c.isalnum() or c in "-_." for c in name) or len(name) > 100:
            raise _fail(source, line, f"library {name!r} is not a Hub library name")
    return Event(day, got["kind"], got["what"], got["source"], libraries)


def parse_events(text: str, source: str = "<string>") -> tuple[Event, ...]:
    """Parse and strictly validate an events file's text; `source` names it in errors.

    The header names `date,kind,what,source` in this order, optionally then `libraries`; each row as many
    cells (spaces around a cell dropped, blank lines skipped); a date `YYYY-MM-DD`; kind, what and source
    not empty. Events come out sorted by date."""
    reader = csv.reader(io.StringIO(text), strict=True)
    header: tuple[str, ...] | None = None
    events: list[Event] = []
    try:
        for cells in reader:
            line = reader.line_num
            if not cells or (len(cells) == 1 and not cells[0].strip()):
                continue
            if header is None:
                got = tuple(cell.strip() for cell in cells)
                if got not in (REQUIRED, COLUMNS):
                    wanted, given = ",".join(COLUMNS), ",".join(got)
                    problem = f"the header must be {wanted!r} (libraries optional), got {given!r}"
                    raise _fail(source, line, problem)
                header = got
                continue
            events.append(_row(cells, header, line, source))
    except csv.Error as exc:
        raise _fail(source, reader.line_num, "not valid CSV: " + one_line(exc)) from None
    if header is None:
        raise _fail(source, None, f"empty: no header ({','.join(COLUMNS)})")
    return tuple(sorted(events, key=lambda e: (e.date, e.what)))


def shipped_events() -> tuple[Event, ...]:
    """The events shipped with the package (tracker/data/hub-events.csv)."""
    resource = importlib.resources.files("tracker") / "data" / "hub-events.csv"
    try:
        # Read through importlib.resources so the default also works from a zipped install.
        data = resource.read_bytes()
        return parse_events(files.decode(data, str(resource)), source=str(resource))
    except OSError as exc:
        raise _fail(str(resource), None, f"cannot read the shipped file ({exc.strerror or exc})") from None
    except files.FileProblem as exc:
        raise _fail(exc.source, None, exc.problem) from None


def load_events(path: str | Path | None = None) -> tuple[Event, ...]:
    """The shipped events plus those of the user's file at `path` (at most `MAX_BYTES`; None or "": none),
    by date. The commands take `path` from `--events` / `TRACKER_EVENTS` (`ENV`), and pass it on to the
    dashboard's process in `ENV`."""
    events = shipped_events()
    if not path:
        return events
    try:
        data, source = files.read_bytes(path, limit=MAX_BYTES)
        text = files.decode(data, source)
    except files.FileProblem as exc:
        raise _fail(exc.source, None, exc.problem) from None
    mine = parse_events(text, source=source)
    return tuple(sorted((*events, *mine), key=lambda e: (e.date, e.what)))


def _day(when: date | datetime) -> date:
    """A day in UTC: an aware instant converted, a naive one or a date taken as it is."""
    if isinstance(when, datetime):
        if when.tzinfo is not None:
            when = when.astimezone(UTC)
        return when.date()
    return when


def events_between(events: Iterable[Event], start: date | datetime, end: date | datetime) -> list[Event]:
    """The events dated from `start` to `end`, both included (days, UTC): those a chart over that span
    crosses."""
    first, last = _day(start), _day(end)
    return [e for e in events if first <= e.date <= last]


def events_in_step(events: Iterable[Event], after: date | datetime, upto: date | datetime) -> list[Event]:
    """The events of a step between two runs: dated after the earlier run's day, up to the later run's day
    included (the interval (previous run, this run] in days, UTC). An event on the earlier run's own day is
    in the step before: that run counted at most part of its day."""
    first, last = _day(after), _day(upto)
    return [e for e in events if first < e.date <= last]


def concerns(event: Event, library: str | None) -> bool:
    """Whether the event concerns a model of `library` (its `library_name`): an event naming no library
    concerns every model; one naming some concerns only theirs (a model without a library: none)."""
    if not event.libraries:
        return True
    return bool(library) and str(library).strip().lower() in event.libraries
