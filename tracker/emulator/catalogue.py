"""The emulated Hub's data model: every repository it knows, with its life over time.

A `Catalogue` is immutable once built. What the Hub shows at a clock time (which models
exist, under which id, with which figures) is computed from it on demand, so moving the
clock is just answering with another `t`.

A catalogue of realistic size has two parts: the full part (`HubModel` objects: the tracked trees,
roots and traps) and a compact part (`tracker.emulator.builders.compact`: millions of unrelated models in
arrays, generated on demand). Indexes number the full part first (`0 .. len(full) - 1`, in `_id`
order), then the compact part (in its own `_id` order); listings interleave the two by `_id`.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import overload

from tracker.emulator import figures
from tracker.emulator.vocabulary import DAY, RELATIONS, CompactModels, Figures, HubModel


class _Models(Sequence[HubModel]):
    """The models of a two-part catalogue: the full part's objects, then the compact part's, made on use."""

    def __init__(self, full: list[HubModel], compact: CompactModels) -> None:
        self.full, self.compact, self.offset = full, compact, len(full)

    def __len__(self) -> int:
        return self.offset + len(self.compact)

    @overload
    def __getitem__(self, i: int) -> HubModel: ...
    @overload
    def __getitem__(self, i: slice) -> list[HubModel]: ...
    def __getitem__(self, i: int | slice) -> HubModel | list[HubModel]:
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        if 0 <= i < self.offset:
            return self.full[i]
        if not 0 <= i - self.offset < len(self.compact):
            raise IndexError(i)
        return self.compact.model(i - self.offset)

    def __iter__(self) -> Iterator[HubModel]:
        yield from self.full
        for j in range(len(self.compact)):
            yield self.compact.model(j)


@dataclass
class Catalogue:
    """All repositories of an emulated Hub, in `_id` (creation) order, with lookup indexes.

    `models` is given as the full part's list; with a `compact` part it becomes a sequence of both
    (see the module's docstring), and `full` keeps the list.
    """

    name: str
    models: list[HubModel]
    default_now: int
    # Named traps of the catalogue (feature -> model ids), for tests and the demo: "self_base", "cycle", ...
    features: dict[str, tuple[str, ...]] = field(default_factory=dict)
    compact: CompactModels | None = None
    full: list[HubModel] = field(init=False, repr=False)
    created: list[int] = field(init=False, repr=False)
    children: list[list[int]] = field(init=False, repr=False)
    ghost_children: dict[str, list[int]] = field(init=False, repr=False)
    tag_index: dict[str, list[int]] = field(init=False, repr=False)
    _by_id: dict[str, int] = field(init=False, repr=False)
    _by_old_id: dict[str, int] = field(init=False, repr=False)
    _count_cache: tuple[int, dict[int, int]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.models.sort(key=lambda m: m.oid)
        self.full = self.models
        self._count_cache = (-1, {})
        self.created = [m.created for m in self.models]
        self._by_id, self._by_old_id = {}, {}
        self.children = [[] for _ in self.models]
        self.ghost_children = {}
        self.tag_index = {}
        for i, m in enumerate(self.models):
            key = m.repo_id.lower()
            if key in self._by_id or key in self._by_old_id:
                raise ValueError(f"duplicate model id {m.repo_id!r} in catalogue {self.name!r}")
            self._by_id[key] = i
            if m.old_id:
                old = m.old_id.lower()
                if old in self._by_id or old in self._by_old_id:
                    raise ValueError(f"duplicate model id {m.old_id!r} in catalogue {self.name!r}")
                self._by_old_id[old] = i
            for p in m.parents:
                if isinstance(p, int):
                    self.children[p].append(i)
                else:
                    self.ghost_children.setdefault(p.lower(), []).append(i)
            for tag in static_tags(m):
                self.tag_index.setdefault(tag, []).append(i)
        if self.compact is not None:
            self.compact.attach(self)
            self.models = _Models(self.full, self.compact)  # type: ignore[assignment]

    def __len__(self) -> int:
        return len(self.models)

    def _compact_index(self, i: int) -> int | None:
        """The compact part's own index of model `i`, or None for a full-part model."""
        j = i - len(self.full)
        return j if j >= 0 and self.compact is not None else None

    # --- identity and visibility -------------------------------------------------------

    def id_at(self, i: int, t: int) -> str:
        """The id model `i` answers to at time `t`."""
        if i >= len(self.full) and self.compact is not None:
            return self.compact.model(i - len(self.full)).repo_id  # generated once, then cached
        m = self.models[i]
        if m.renamed_at is not None and t < m.renamed_at and m.old_id:
            return m.old_id
        return m.repo_id

    def exists(self, i: int, t: int) -> bool:
        """Whether model `i` has been created and is not deleted at `t` (private ones exist too)."""
        if i >= len(self.full) and self.compact is not None:
            return self.compact.exists(i - len(self.full), t)
        m = self.models[i]
        if m.created > t:
            return False
        return bisect.bisect_right(m.toggles, t) % 2 == 0

    def listed(self, i: int, t: int) -> bool:
        """Whether model `i` is public and present at `t`: what listings and lookups show."""
        if i >= len(self.full) and self.compact is not None:
            return self.compact.listed(i - len(self.full), t)
        return not self.models[i].private and self.exists(i, t)

    def created_by(self, t: int) -> int:
        """Number of full-part models created at or before `t` (they are its first ones in `_id` order).

        The compact part has its own (`compact.created_by`); its indexes start at `len(full)`.
        """
        return bisect.bisect_right(self.created, t)

    def listed_count(self, t: int) -> int:
        """Number of models listed at `t`, both parts."""
        n = sum(1 for i in range(self.created_by(t)) if self.listed(i, t))
        return n + (self.compact.listed_count(t) if self.compact is not None else 0)

    def listed_by_author(self, author: str, t: int) -> list[int]:
        """Indexes of the models listed at `t` whose current id is in namespace `author` (any case)."""
        key = author.lower()
        found = []
        for i in range(self.created_by(t)):
            if self.listed(i, t):
                repo_id = self.id_at(i, t)
                if "/" in repo_id and repo_id.split("/")[0].lower() == key:
                    found.append(i)
        if self.compact is not None:
            found.extend(len(self.full) + j for j in self.compact.listed_by_author(key, t))
        return found

    def find(self, repo_id: str, t: int) -> tuple[int, bool] | None:
        """The model an id names at `t` (existing or not), and whether the id is an old, renamed one."""
        key = repo_id.lower()
        i = self._by_id.get(key)
        if i is not None:
            m = self.models[i]
            if m.renamed_at is not None and t < m.renamed_at:
                return None  # the new name does not exist yet
            return i, False
        i = self._by_old_id.get(key)
        if i is not None:
            m = self.models[i]
            return i, m.renamed_at is not None and t >= m.renamed_at
        if self.compact is not None:
            j = self.compact.find(repo_id)
            if j is not None:
                return len(self.full) + j, False
        return None

    def index_of(self, repo_id: str) -> int:
        """Index of a model by its current or old id, whatever the time; KeyError if unknown."""
        key = repo_id.lower()
        if key in self._by_id:
            return self._by_id[key]
        if key not in self._by_old_id and self.compact is not None:
            j = self.compact.find(repo_id)
            if j is not None:
                return len(self.full) + j
        return self._by_old_id[key]

    # --- lineage -------------------------------------------------------------------------

    def parent_ids_at(self, i: int, t: int) -> list[str]:
        """Ids of the declared bases of model `i` as the Hub's tags show them at `t` (current ids)."""
        return [self.id_at(p, t) if isinstance(p, int) else p for p in self.models[i].parents]

    def children_named(self, parent_id: str, t: int) -> list[int]:
        """Indexes of the full-part models whose tags name `parent_id` at `t` (listed or not), in `_id`
        order; the compact part's are `compact_children_named`."""
        found = self.find(parent_id, t)
        if found is not None and not found[1]:
            return self.children[found[0]] if found[0] < len(self.full) else []
        return self.ghost_children.get(parent_id.lower(), [])

    def compact_children_named(self, parent_id: str, t: int):  # noqa: ANN201 - a numpy array
        """The compact part's own indexes of its models whose tags name `parent_id` at `t`, in order."""
        assert self.compact is not None
        found = self.find(parent_id, t)
        if found is None or found[1]:
            return self.compact.children(-1)  # none: tags name current ids, and no compact model a ghost
        j = self._compact_index(found[0])
        return self.compact.anchor_children(found[0]) if j is None else self.compact.children(j)

    def children_of(self, i: int) -> list[int]:
        """Indexes of the models declaring model `i` as a base (listed or not), full part first."""
        j = self._compact_index(i)
        if self.compact is None:
            return self.children[i]
        offset = len(self.full)
        if j is None:
            return self.children[i] + [offset + c for c in self.compact.anchor_children(i).tolist()]
        return [offset + c for c in self.compact.children(j).tolist()]

    def listed_children_count(self, i: int, t: int) -> int:
        """Direct children listed at `t` (what `filter=base_model:<id>` returns); cached per clock time."""
        if self.compact is not None:
            j = self._compact_index(i)
            if j is not None:  # few children each, and a scan asks for two million of them: not cached
                kids = self.compact.children(j)
                return int(self.compact.listed_mask(kids, t).sum()) if len(kids) else 0
        cache = self._count_cache
        if cache[0] != t:
            cache = self._count_cache = (t, {})
        count = cache[1].get(i)
        if count is None:
            count = sum(1 for c in self.children[i] if self.listed(c, t))
            if self.compact is not None:
                kids = self.compact.anchor_children(i)
                count += int(self.compact.listed_mask(kids, t).sum()) if len(kids) else 0
            cache[1][i] = count
        return count

    def listed_children_by_relation(self, i: int, t: int) -> dict[str, int]:
        """Direct children listed at `t`, counted by their relation (every relation, zeros included).

        The children `listed_children_count` counts: a full model's own, then the compact models naming it
        (anchors); a compact model's, all compact."""
        counts = dict.fromkeys(RELATIONS, 0)
        j = self._compact_index(i)
        for c in self.children[i] if j is None else ():
            if self.listed(c, t):
                relation = self.models[c].relation or "finetune"  # a crafted one too (tests of odd payloads)
                counts[relation] = counts.get(relation, 0) + 1
        comp = self.compact
        if comp is not None:
            kids = comp.anchor_children(i) if j is None else comp.children(j)
            if len(kids):
                for code in comp.relation[kids[comp.listed_mask(kids, t)]].tolist():
                    counts[RELATIONS[code] if code >= 0 else "finetune"] += 1
        return counts

    # --- figures -------------------------------------------------------------------------

    def figures(self, i: int, t: int) -> Figures:
        """Downloads (30 days and all time), likes and trending score of model `i` at `t`."""
        m = self.models[i]
        age = (t - m.created) / DAY
        all_time, d30, d7, likes, likes_7d = figures.usage(m, age)
        if m.revision_at is not None and t >= m.revision_at:
            before = figures.cumulative_downloads(m, (m.revision_at - m.created) / DAY)
            all_time -= int(before * m.revision_fraction)
        return Figures(d30, all_time, likes, figures.trending_score(d7, likes_7d))

    def last_modified(self, i: int, t: int) -> int:
        """Time of the last commit seen at `t`: a few days after creation, never in the future."""
        m = self.models[i]
        return min(m.created + int(m.oid[-4:], 16) % 21 * DAY, t)

    def iter_listed(self, t: int) -> Iterator[int]:
        """Indexes of every model listed at `t`, in `_id` order (the full part, then the compact part)."""
        for i in range(self.created_by(t)):
            if self.listed(i, t):
                yield i
        if self.compact is not None:
            offset = len(self.full)
            for j in self.compact.listed_indexes(t).tolist():
                yield offset + j


def static_tags(m: HubModel) -> list[str]:
    """Tags that do not depend on the clock: library, formats, architecture, task, licence."""
    tags: list[str] = []
    if m.library:
        tags.append(m.library)
    tags.extend(m.extra_tags)
    if m.arch:
        tags.append(m.arch)
    if m.pipeline:
        tags.append(m.pipeline)
    if m.license:
        tags.append(f"license:{m.license}")
    return tags


def tags_at(cat: Catalogue, i: int, t: int, m: HubModel | None = None) -> list[str]:
    """Every tag of model `i` (`m`, when at hand) at `t`, in the Hub's order: static ones, base_model
    ones, licence, region."""
    m = cat.models[i] if m is None else m
    tags = [tag for tag in static_tags(m) if not tag.startswith("license:")]
    if m.relation:
        parents = cat.parent_ids_at(i, t)
        tags.extend(f"base_model:{p}" for p in parents)
        tags.extend(f"base_model:{m.relation}:{p}" for p in parents)
    if m.license:
        tags.append(f"license:{m.license}")
    tags.append("region:us")
    return tags
