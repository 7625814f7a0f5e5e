"""The release-dates file: the day each base model was publicly released, where the Hub's `createdAt` is not.

A CSV of `model_id,created_on,released_on` (tracker/data/release-dates.csv ships the ATOM project's
corrections; see its README). Weights are often uploaded privately before the launch, so `createdAt` can
be days or weeks early; the relative adoption of base models (`tracker.core.adoption`) counts ages from
the release date where this file has one. A user's file (`--release-dates PATH`, `TRACKER_RELEASE_DATES`)
extends the shipped one, its rows replacing the shipped rows of the same model. Parsed strictly, like the
organisations file: a malformed row is refused in one line naming the file, the row's line and what is
wrong.
"""

from __future__ import annotations

import csv
import importlib.resources
import io
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from types import MappingProxyType

from tracker.core import files
from tracker.core.errors import one_line
from tracker.core.hub_ids import is_repo_id

__all__ = [
    "HEADER",
    "MAX_BYTES",
    "RELEASE_DATES_ENV",
    "ReleaseDate",
    "ReleaseDates",
    "ReleaseDatesError",
    "default_release_dates_path",
    "load_release_dates",
    "parse_release_dates",
]

HEADER = ("model_id", "created_on", "released_on")
RELEASE_DATES_ENV = "TRACKER_RELEASE_DATES"
# The shipped 62 rows are 3 KB; a file naming every base model on the Hub would stay well under this.
MAX_BYTES = 16 * 1024 * 1024
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
_SHIPPED = "release-dates.csv"


class ReleaseDatesError(ValueError):
    """A problem with a release-dates file, in a one-line message."""

    def __init__(self, message: str) -> None:
        # Messages end up in logs, CLI output and a dashboard page, which expect exactly one line.
        super().__init__(message.replace("\r", "\\r").replace("\n", "\\n"))


def _fail(source: str, line: int | None, problem: str) -> ReleaseDatesError:
    """Build the error for a problem on `line` (1-based, the header is line 1; None: the whole file)."""
    prefix = f"release-dates file {source}: "
    return ReleaseDatesError(prefix + (f"line {line}: {problem}" if line else problem))


@dataclass(frozen=True)
class ReleaseDate:
    """One row: the model, the file's record of its `createdAt` day (None when left empty), its public
    release day, and where the row was read (file, line)."""

    model_id: str
    created_on: date | None
    released_on: date
    source: str
    line: int


class ReleaseDates(Mapping[str, ReleaseDate]):
    """Release-dates files read: lower-cased model id -> its row, immutable; looking up an id is
    case-insensitive (Hub ids are). `sources` names the files, the shipped one first; `user_path` the
    user's file (None: the shipped one alone)."""

    __slots__ = ("_entries", "sources", "user_path")

    def __init__(
        self,
        entries: Mapping[str, ReleaseDate],
        *,
        sources: tuple[str, ...] = ("<string>",),
        user_path: str | None = None,
    ) -> None:
        object.__setattr__(self, "_entries", MappingProxyType({k.lower(): v for k, v in entries.items()}))
        object.__setattr__(self, "sources", sources)
        object.__setattr__(self, "user_path", user_path)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"ReleaseDates is immutable (cannot set {name!r})")

    def __getitem__(self, model_id: str) -> ReleaseDate:
        return self._entries[model_id.lower()]

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        return f"ReleaseDates({len(self)} models from {' + '.join(self.sources)})"

    def released_on(self, model_id: str) -> date | None:
        """The model's release day, or None when no file names it."""
        row = self._entries.get(model_id.lower())
        return None if row is None else row.released_on

    def extended_by(self, other: ReleaseDates) -> ReleaseDates:
        """These rows and `other`'s, `other`'s replacing these for the same model."""
        return ReleaseDates(
            {**self._entries, **other._entries},
            sources=(*self.sources, *other.sources),
            user_path=other.user_path or self.user_path,
        )


def _day(text: str, column: str, line: int, source: str) -> date:
    """A `YYYY-MM-DD` day, or the error naming the column and the text."""
    try:
        if not _DATE.fullmatch(text):
            raise ValueError
        return date.fromisoformat(text)
    except ValueError:
        raise _fail(source, line, f"{column} {text!r} is not a date (YYYY-MM-DD)") from None


def _header(cells: list[str], line: int, source: str) -> dict[str, int]:
    """Each column's position; the header must name the three columns, once each, in any order."""
    names = [cell.strip() for cell in cells]
    wanted = ",".join(HEADER)
    missing = [name for name in HEADER if name not in names]
    if missing:
        given = ",".join(names)
        raise _fail(
            source, line, f"no column {', '.join(missing)} (the header must be {wanted!r}, got {given!r})"
        )
    unknown = [name for name in names if name not in HEADER]
    if unknown:
        raise _fail(source, line, f"unknown column {unknown[0]!r} (the header must be {wanted!r})")
    twice = [name for name in HEADER if names.count(name) > 1]
    if twice:
        raise _fail(source, line, f"column {twice[0]!r} is named twice")
    return {name: names.index(name) for name in HEADER}


def _row(cells: list[str], at: dict[str, int], line: int, source: str) -> ReleaseDate:
    """One data row checked."""
    if len(cells) != len(HEADER):
        raise _fail(source, line, f"{len(cells)} columns, expected {len(HEADER)} ({','.join(HEADER)})")
    model_id, created, released = (cells[at[name]].strip() for name in HEADER)
    if not model_id:
        raise _fail(source, line, "empty model_id")
    if not is_repo_id(model_id):
        raise _fail(source, line, f"model_id {model_id!r} is not a Hub model id (namespace/name)")
    if not released:
        raise _fail(source, line, "empty released_on")
    created_on = _day(created, "created_on", line, source) if created else None
    return ReleaseDate(model_id, created_on, _day(released, "released_on", line, source), source, line)


def parse_release_dates(text: str, source: str = "<string>", *, user: bool = False) -> ReleaseDates:
    """Parse and strictly validate the text of a release-dates file; `source` names it in errors (and,
    with `user`, as the user's file).

    The header names `model_id`, `created_on` and `released_on` (in any order, nothing else); each row
    three cells (spaces around a cell dropped; blank lines skipped): a Hub model id (`namespace/name`),
    listed once in the file (case-insensitively); `created_on` a `YYYY-MM-DD` day or empty; `released_on`
    a `YYYY-MM-DD` day."""
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff")), strict=True)  # a spreadsheet's mark
    entries: dict[str, ReleaseDate] = {}
    at: dict[str, int] | None = None
    try:
        for cells in reader:
            line = reader.line_num
            if not cells or (len(cells) == 1 and not cells[0].strip()):
                continue
            if at is None:
                at = _header(cells, line, source)
                continue
            row = _row(cells, at, line, source)
            key = row.model_id.lower()
            if key in entries:
                twice = f"model_id {row.model_id!r} is listed twice (also on line {entries[key].line})"
                raise _fail(source, line, twice)
            entries[key] = row
    except csv.Error as exc:
        raise _fail(source, reader.line_num, "not valid CSV: " + one_line(exc)) from None
    if at is None:
        raise _fail(source, None, f"empty: no header ({','.join(HEADER)})")
    return ReleaseDates(entries, sources=(source,), user_path=source if user else None)


def default_release_dates_path() -> Path:
    """Path of the release-dates file shipped with the package (tracker/data/release-dates.csv)."""
    return Path(str(importlib.resources.files("tracker") / "data" / _SHIPPED))


def _shipped() -> ReleaseDates:
    resource = importlib.resources.files("tracker") / "data" / _SHIPPED
    source = str(resource)
    try:
        # Read through importlib.resources so the default also works from a zipped install.
        data = resource.read_bytes()
        text = files.decode(data, source)
    except OSError as exc:
        raise _fail(source, None, f"cannot read the shipped file ({exc.strerror or exc})") from None
    except files.FileProblem as exc:
        raise _fail(exc.source, None, exc.problem) from None
    return parse_release_dates(text, source)


def load_release_dates(path: str | Path | None = None) -> ReleaseDates:
    """The shipped release dates, extended by the user's file at `path` (at most `MAX_BYTES`; its rows
    replace the shipped ones of the same model); None: the shipped file alone."""
    shipped = _shipped()
    if path is None:
        return shipped
    try:
        data, source = files.read_bytes(path, limit=MAX_BYTES)
        text = files.decode(data, source)
    except files.FileProblem as exc:
        raise _fail(exc.source, None, exc.problem) from None
    return shipped.extended_by(parse_release_dates(text, source, user=True))
