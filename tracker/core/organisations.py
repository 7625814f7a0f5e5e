"""The organisations file: which organisation, in which region, stands behind each Hub namespace.

A CSV of `namespace,organisation,region` (tracker/data/hub-organisations.csv ships a seed; see its README).
The whole-Hub view gives each base its organisation and region from it: several namespaces can share
one organisation (Meta: `meta-llama`, `meta-models`, `facebook`), and a namespace the file does not name
is its own organisation, region `unknown`. Parsed strictly, like the ecosystems file: a malformed row is
refused in one line naming the file, the row's line and what is wrong.
"""

from __future__ import annotations

import csv
import importlib.resources
import io
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Literal

from tracker.core import files
from tracker.core.errors import one_line
from tracker.core.hub_ids import is_namespace

__all__ = [
    "HEADER",
    "MAX_BYTES",
    "REGIONS",
    "UNKNOWN_REGION",
    "Organisations",
    "OrganisationsError",
    "Region",
    "default_organisations_path",
    "load_organisations",
    "parse_organisations",
]

Region = Literal["us", "china", "eu", "other", "unknown"]
REGIONS: tuple[Region, ...] = ("us", "china", "eu", "other", "unknown")
UNKNOWN_REGION: Region = "unknown"
HEADER = ("namespace", "organisation", "region")
# A seed of 124 rows is 3 KB; a census of every namespace on the Hub would stay well under this.
MAX_BYTES = 16 * 1024 * 1024
MAX_ORGANISATION = 200  # characters of an organisation's name
# A cell starting with one of these is a formula to a spreadsheet, where exports end up.
_FORMULA_START = ("=", "+", "-", "@")


class OrganisationsError(ValueError):
    """A problem with the organisations file, in a one-line message."""

    def __init__(self, message: str) -> None:
        # Messages end up in logs and CLI output, which expect exactly one line.
        super().__init__(message.replace("\r", "\\r").replace("\n", "\\n"))


def _fail(source: str, line: int | None, problem: str) -> OrganisationsError:
    """Build the error for a problem on `line` (1-based, the header is line 1; None: the whole file)."""
    prefix = f"organisations file {source}: "
    return OrganisationsError(prefix + (f"line {line}: {problem}" if line else problem))


class Organisations(Mapping[str, tuple[str, Region]]):
    """An organisations file read: lower-cased namespace -> (organisation, region), immutable.

    Looking up a namespace is case-insensitive (Hub names are); `of` also answers for a namespace the
    file does not name. `source` names the file it was read from.
    """

    __slots__ = ("_entries", "source")

    def __init__(self, entries: Mapping[str, tuple[str, Region]], *, source: str = "<string>") -> None:
        object.__setattr__(self, "_entries", MappingProxyType({k.lower(): v for k, v in entries.items()}))
        object.__setattr__(self, "source", source)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"Organisations is immutable (cannot set {name!r})")

    def __getitem__(self, namespace: str) -> tuple[str, Region]:
        return self._entries[namespace.lower()]

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        return f"Organisations({len(self)} namespaces from {self.source})"

    def of(self, namespace: str) -> tuple[str, Region]:
        """(organisation, region) of a namespace; one the file does not name is its own organisation,
        region `unknown`."""
        return self._entries.get(namespace.lower(), (namespace, UNKNOWN_REGION))


def _organisation_problem(name: str) -> str | None:
    """Why an organisation's name cannot be kept, or None."""
    if not name:
        return "empty organisation"
    if len(name) > MAX_ORGANISATION:
        return f"organisation longer than {MAX_ORGANISATION} characters"
    if any(ord(char) < 32 or ord(char) == 127 for char in name):
        return f"organisation {name!r} holds a control character"
    if name.startswith(_FORMULA_START):
        return f"organisation {name!r} starts with {name[0]!r} (a spreadsheet would read it as a formula)"
    return None


def _row(cells: list[str], line: int, source: str) -> tuple[str, str, Region]:
    """One data row checked: (namespace, organisation, region)."""
    if len(cells) != len(HEADER):
        raise _fail(source, line, f"{len(cells)} columns, expected {len(HEADER)} ({','.join(HEADER)})")
    namespace, organisation, region = (cell.strip() for cell in cells)
    if not namespace:
        raise _fail(source, line, "empty namespace")
    if not is_namespace(namespace):
        raise _fail(source, line, f"namespace {namespace!r} is not a Hub user or organisation name")
    problem = _organisation_problem(organisation)
    if problem:
        raise _fail(source, line, problem)
    if region not in REGIONS:
        raise _fail(source, line, f"region {region!r} is not one of {', '.join(REGIONS)}")
    return namespace, organisation, region  # type: ignore[return-value]


def parse_organisations(text: str, source: str = "<string>") -> Organisations:
    """Parse and strictly validate the text of an organisations file; `source` names it in errors.

    The header must be `namespace,organisation,region`; each row three cells (spaces around a cell are
    dropped; blank lines are skipped); a namespace a Hub name, listed once (case-insensitively); a
    region one of `REGIONS`."""
    reader = csv.reader(io.StringIO(text), strict=True)
    entries: dict[str, tuple[str, Region]] = {}
    lines: dict[str, int] = {}
    header_seen = False
    try:
        for cells in reader:
            line = reader.line_num
            if not cells or (len(cells) == 1 and not cells[0].strip()):
                continue
            if not header_seen:
                got = tuple(cell.strip() for cell in cells)
                if got != HEADER:
                    wanted, given = ",".join(HEADER), ",".join(got)
                    raise _fail(source, line, f"the header must be {wanted!r}, got {given!r}")
                header_seen = True
                continue
            namespace, organisation, region = _row(cells, line, source)
            key = namespace.lower()
            if key in lines:
                twice = f"namespace {namespace!r} is listed twice (also on line {lines[key]})"
                raise _fail(source, line, twice)
            lines[key] = line
            entries[key] = (organisation, region)
    except csv.Error as exc:
        raise _fail(source, reader.line_num, "not valid CSV: " + one_line(exc)) from None
    if not header_seen:
        raise _fail(source, None, f"empty: no header ({','.join(HEADER)})")
    return Organisations(entries, source=source)


def default_organisations_path() -> Path:
    """Path of the organisations file shipped with the package (tracker/data/hub-organisations.csv)."""
    return Path(str(importlib.resources.files("tracker") / "data" / "hub-organisations.csv"))


def load_organisations(path: str | Path | None = None) -> Organisations:
    """Read and parse an organisations file (at most `MAX_BYTES`); None loads the shipped default."""
    if path is None:
        resource = importlib.resources.files("tracker") / "data" / "hub-organisations.csv"
        source = str(resource)
        try:
            # Read through importlib.resources so the default also works from a zipped install.
            data = resource.read_bytes()
        except OSError as exc:
            raise _fail(source, None, f"cannot read the shipped file ({exc.strerror or exc})") from None
    try:
        if path is not None:
            data, source = files.read_bytes(path, limit=MAX_BYTES)
        text = files.decode(data, source)
    except files.FileProblem as exc:
        raise _fail(exc.source, None, exc.problem) from None
    return parse_organisations(text, source=source)
