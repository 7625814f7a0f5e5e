"""The real lineage data read into model records: who existed when, with which bases (2025-03-12 .. 07-02).

Reads `tracker/data/msc-weekly-lineage.csv.gz` (see its README) and the roots of the ecosystems file;
the ids, relations, declared bases and the weeks in which models appeared and vanished are real, times
inside a week drawn from the catalogue's one `random.Random(seed)`, in file order (`real` draws the
rest from the same generator, after these):

- Each model added in the window is created in the 7 days before the week it was first added;
  its relation and bases are those of that row. A deletion makes it vanish during the 7 days before
  its week, a later addition brings it back. A deletion seen before its first addition concerns an
  earlier repository of that name, which is not modelled: it is dropped.
- Models named only as bases, or only deleted, existed before the window: they are created between
  2023-01-01 and 2025-03-05 (official Llama repositories on their family's release date), before
  any of their children; a model only deleted keeps the relation and bases its row declares.
- Every root listed in the shipped tracker/data/ecosystems.toml exists (the official releases of
  every ecosystem: the real Hub has them, though the data names some of them nowhere). The
  `meta-llama/Meta-Llama-3.1-*` ids are the old ids of the `meta-llama/Llama-3.1-*` models, renamed
  on 2024-09-05 (old ids answer 307), and a base declared by its old id resolves to the renamed model.
- As on the real Hub, `meta-llama/Llama-3.1-8B-Instruct` declares `Llama-3.1-8B` as its base (its card
  still says `Meta-Llama-3.1-8B`) and `Meta-Llama-3-70B-Instruct` declares `Meta-Llama-3-70B`.
- Ids match case-insensitively (the first spelling in the file wins); a base id the Hub would reject
  is dropped from its model's bases. `RealLoadStats` counts what was merged, dropped and ignored.
"""

from __future__ import annotations

import csv
import gzip
import importlib.resources
import io
import logging
import random
import re
import tomllib
from collections import deque
from dataclasses import dataclass
from pathlib import Path

from tracker.core.hub_ids import is_hub_id
from tracker.emulator.vocabulary import DAY, parse_time

logger = logging.getLogger("tracker.emulator.real")  # kept: operators filter on it

REAL_DEFAULT_NOW = parse_time("2025-07-02T00:00:00Z")
REAL_FIRST_WEEK = parse_time("2025-03-12T00:00:00Z")

_HOUR = 3600
_PRE_START = parse_time("2023-01-01T00:00:00Z")
PRE_END = parse_time("2025-03-05T00:00:00Z")  # models existing before the window are created by then
_COLUMNS = ["week", "event", "model_id", "relation", "base_model"]
_OLD_31, _NEW_31 = "meta-llama/meta-llama-3.1-", "meta-llama/llama-3.1-"
LLAMA_ORGS = ("meta-llama/", "codellama/", "huggyllama/")
# (pattern on the lower-cased id, family, release date): first match wins, so specific ones come first.
_FAMILIES = [
    (re.compile(r"prompt-guard-2|guard-4"), "Llama Guard", "2025-04-29"),
    (re.compile(r"guard"), "Llama Guard", "2024-07-23"),
    (re.compile(r"codellama"), "Code Llama", "2023-08-24"),
    (re.compile(r"llama-4"), "Llama 4", "2025-04-05"),
    (re.compile(r"llama-3\.3"), "Llama 3.3", "2024-12-06"),
    (re.compile(r"llama-3\.2"), "Llama 3.2", "2024-09-25"),
    (re.compile(r"llama-3\.1"), "Llama 3.1", "2024-07-23"),
    (re.compile(r"llama-3"), "Llama 3", "2024-04-18"),
    (re.compile(r"llama-2"), "Llama 2", "2023-07-18"),
    (re.compile(r"^huggyllama/"), "Llama 1", "2023-04-05"),
]
# Official child -> (base, base as its card writes it), as recorded on the real Hub (shared/hub-samples).
_OFFICIAL_LINKS = {
    "meta-llama/llama-3.1-8b-instruct": ("meta-llama/llama-3.1-8b", "meta-llama/Meta-Llama-3.1-8B"),
    "meta-llama/meta-llama-3-70b-instruct": ("meta-llama/meta-llama-3-70b", "meta-llama/Meta-Llama-3-70B"),
}


@dataclass
class RealLoadStats:
    """What loading the real data kept, made up and dropped.

    Fields:
        rows: data rows read.
        added_models: distinct models added in the window (after case merging).
        pre_window_models: models created before the window (bases, deleted-only models, roots).
        case_merged_ids: distinct ids that differ only by case from an earlier one and were merged into it.
        invalid_bases: declared bases dropped because the Hub would reject the id (or it is empty).
        ignored_events: rows that changed nothing (an addition of a present model, a deletion of a gone one,
            a deletion before the model's first addition).
        deletions: toggles that made a model vanish.
        restorations: toggles that brought a model back.
    """

    rows: int = 0
    added_models: int = 0
    pre_window_models: int = 0
    case_merged_ids: int = 0
    invalid_bases: int = 0
    ignored_events: int = 0
    deletions: int = 0
    restorations: int = 0


@dataclass(slots=True)
class ModelRecord:
    """A model under construction; `parents` are positions in the build list."""

    repo_id: str
    in_window: bool
    relation: str | None = None
    declared: tuple[str, ...] = ()
    parents: tuple[int, ...] = ()
    created: int | None = None
    toggles: tuple[int, ...] = ()
    old_id: str | None = None


def _key(model_id: str) -> str:
    """Case-insensitive lookup key; an old `Meta-Llama-3.1-*` id keys as its renamed model."""
    key = model_id.lower()
    return _NEW_31 + key[len(_OLD_31) :] if key.startswith(_OLD_31) else key


def _spelling(model_id: str) -> str:
    """The id a model is created under: the renamed form of an old `Meta-Llama-3.1-*` id."""
    if model_id.lower().startswith(_OLD_31):
        return "meta-llama/Llama-3.1-" + model_id[len(_OLD_31) :]
    return model_id


def _family(model_id: str) -> tuple[str, str] | None:
    """(family, release date) of an official Llama repository, None for any other id."""
    key = model_id.lower()
    if not key.startswith(LLAMA_ORGS):
        return None
    for pattern, family, date in _FAMILIES:
        if pattern.search(key):
            return family, date
    return None


def _listed_roots(ecosystems: str | Path | None) -> list[str]:
    """Root ids of every ecosystem in an ecosystems file (None: the shipped one, if present)."""
    if ecosystems is None:
        resource = importlib.resources.files("tracker") / "data" / "ecosystems.toml"
        if not resource.is_file():
            logger.debug("no shipped ecosystems file: no extra roots")
            return []
        raw = resource.read_bytes()
    else:
        raw = Path(ecosystems).read_bytes()
    # Read with tomllib alone: the emulator must not depend on the tracker's own validation.
    data = tomllib.loads(raw.decode("utf-8-sig"))
    roots: list[str] = []
    for eco in data.get("ecosystem", []):
        if isinstance(eco, dict):
            for family in eco.get("family", []):
                if isinstance(family, dict):
                    roots.extend(r.strip() for r in family.get("roots", []) if isinstance(r, str))
    return roots


def _open_rows(path: str | Path | None) -> list[list[str]]:
    """The data rows of the CSV file (header checked and skipped)."""
    if path is None:
        raw = (importlib.resources.files("tracker") / "data" / "msc-weekly-lineage.csv.gz").read_bytes()
    else:
        raw = Path(path).read_bytes()
    # One-shot decompression: several times faster than streaming through GzipFile.
    rows = list(csv.reader(io.StringIO(gzip.decompress(raw).decode("utf-8"), newline="")))
    if not rows or rows[0] != _COLUMNS:
        header = rows[0] if rows else None
        raise ValueError(f"unexpected columns {header!r} in real lineage data (want {_COLUMNS})")
    return rows[1:]


class RealLineage:
    """Turns data rows into model records (`read`, `link`, `date_pre_window`), for `real` to draw traits."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.recs: list[ModelRecord] = []
        self.index: dict[str, int] = {}
        self.stats = RealLoadStats()

    def ensure(self, model_id: str) -> int:
        """Position of the model an id names, created as a pre-window model if unknown."""
        key = model_id.lower()
        pos = self.index.get(key)
        if pos is None and key.startswith(_OLD_31):
            key = _key(model_id)
            pos = self.index.get(key)
        if pos is None:
            pos = self.index[key] = len(self.recs)
            self.recs.append(ModelRecord(_spelling(model_id), in_window=False))
        return pos

    def read(self, rows: list[list[str]]) -> None:
        """Draw a time for every row in file order, then derive each model's life from its events."""
        week_start: dict[str, int] = {}
        events: dict[int, list[tuple[int, int, bool, int, str, str]]] = {}
        ensure, draw, span = self.ensure, self.rng.random, 7 * DAY
        for n, (week, event, model_id, relation, base) in enumerate(rows):
            start = week_start.get(week)
            if start is None:
                start = week_start[week] = parse_time(week) - span
            if event not in ("added", "deleted"):
                raise ValueError(f"row {n + 2} of the real lineage data: unknown event {event!r}")
            # random() rather than randrange(): the same determinism at a fraction of the cost.
            t = start + int(draw() * span)
            pos = ensure(model_id)
            evs = events.get(pos)
            if evs is None:
                evs = events[pos] = []
            evs.append((start, n, event == "added", t, relation, base))
        self.stats.rows = len(rows)
        # Every distinct spelling made a record unless its lower-cased form was already known.
        self.stats.case_merged_ids = len({row[2] for row in rows}) - len(self.recs)
        for pos, evs in events.items():
            self._life(self.recs[pos], sorted(evs) if len(evs) > 1 else evs)

    def _life(self, rec: ModelRecord, evs: list[tuple[int, int, bool, int, str, str]]) -> None:
        """Creation, relation, bases and toggles of one model from its events in week order."""
        start = 0 if evs[0][2] else next((i for i, e in enumerate(evs) if e[2]), 0)
        self.stats.ignored_events += start  # deletions before the first addition
        _, _, added, t, relation, base = evs[start]
        rec.in_window = added
        rec.relation = relation or None
        rec.declared = self._declared(base)
        if added:
            rec.created = t
            self.stats.added_models += 1
            if len(evs) == 1:
                return
        present, last, toggles = True, t if added else t - 1, []
        for _, _, is_add, when, _, _ in evs[start + added :]:
            if is_add == present:
                self.stats.ignored_events += 1
                continue
            last = max(when, last + 1)
            toggles.append(last)
            present = is_add
            if is_add:
                self.stats.restorations += 1
            else:
                self.stats.deletions += 1
        rec.toggles = tuple(toggles)

    def _declared(self, field: str) -> tuple[str, ...]:
        """Valid declared bases of a row, stripped, one per model (first spelling); invalid ones counted."""
        if "," not in field:
            base = field.strip()
            if is_hub_id(base):
                return (base,)
            self.stats.invalid_bases += 1
            return ()
        out: dict[str, str] = {}
        for part in field.split(","):
            base = part.strip()
            if not is_hub_id(base):
                self.stats.invalid_bases += 1
            else:
                out.setdefault(_key(base), base)
        return tuple(out.values())

    def link(self, roots: list[str]) -> None:
        """Resolve declared bases to positions, add missing roots, renames and official links."""
        ensure = self.ensure
        for rec in list(self.recs):
            if len(rec.declared) == 1:
                rec.parents = (ensure(rec.declared[0]),)
            elif rec.declared:
                rec.parents = tuple([ensure(base) for base in rec.declared])
        for root in roots:
            if is_hub_id(root):
                self.ensure(root)
        for key, (base_key, card) in _OFFICIAL_LINKS.items():
            child, base = self.index.get(key), self.index.get(base_key)
            if child is not None and base is not None and not self.recs[child].in_window:
                rec = self.recs[child]
                if not rec.parents:
                    rec.relation, rec.parents, rec.declared = "finetune", (base,), (card,)
        for rec in self.recs:
            key = rec.repo_id.lower()
            if key.startswith(_NEW_31):
                rec.old_id = "meta-llama/Meta-Llama-3.1-" + rec.repo_id[len(_NEW_31) :]
        self.stats.pre_window_models = sum(not rec.in_window for rec in self.recs)

    def date_pre_window(self) -> None:
        """Creation times of pre-window models: bases first, then derivatives after their bases."""
        # A pre-window model must exist before its first deletion and before its in-window children.
        bound = [REAL_DEFAULT_NOW] * len(self.recs)
        bases: list[int] = []
        derivatives: list[int] = []
        for pos, rec in enumerate(self.recs):
            created = rec.created  # set for models added in the window, None for the others yet
            if created is not None:
                for p in rec.parents:
                    if created < bound[p]:
                        bound[p] = created
            else:
                (derivatives if rec.parents else bases).append(pos)
                if rec.toggles and rec.toggles[0] < bound[pos]:
                    bound[pos] = rec.toggles[0]
        order = bases + derivatives
        for pos in order:
            rec, hi = self.recs[pos], bound[pos] - _HOUR
            known = [self.recs[p].created for p in rec.parents if self.recs[p].created is not None]
            lo = max([_PRE_START, *(c + _HOUR for c in known)])
            family = _family(rec.repo_id)
            if family is not None:
                # Official repositories keep their release date unless a base or child forbids it.
                release = max(parse_time(family[1]) + self.rng.randrange(12 * _HOUR), lo)
                rec.created = min(release, hi)
            else:
                hi = min(hi, PRE_END)
                rec.created = hi if lo >= hi else lo + self.rng.randrange(hi - lo)

    def families(self) -> list[str | None]:
        """Family of each model's nearest official Llama ancestor (itself for an official one), else None."""
        children: list[list[int]] = [[] for _ in self.recs]
        for pos, rec in enumerate(self.recs):
            for p in rec.parents:
                children[p].append(pos)
        found: list[str | None] = [None] * len(self.recs)
        queue: deque[int] = deque()
        for pos, rec in enumerate(self.recs):
            family = _family(rec.repo_id)
            if family is not None:
                found[pos] = family[0]
                queue.append(pos)
        while queue:
            pos = queue.popleft()
            for child in children[pos]:
                if found[child] is None:
                    found[child] = found[pos]
                    queue.append(child)
        return found


def read_lineage(path: str | Path | None, ecosystems: str | Path | None, seed: int) -> RealLineage:
    """The records of the data file at `path` (None: the packaged one), with every root of the ecosystems
    file (None: the shipped one), dated; `seed` starts the generator `real` goes on drawing from."""
    lineage = RealLineage(seed)
    lineage.read(_open_rows(path))
    lineage.link(_listed_roots(ecosystems))
    lineage.date_pre_window()
    return lineage
