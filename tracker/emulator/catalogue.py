"""The emulated Hub's data model: every repository it knows, with its life over time.

A `Catalogue` is immutable once built. What the Hub shows at a clock time (which models
exist, under which id, with which figures) is computed from it on demand, so moving the
clock is just answering with another `t`.
"""

from __future__ import annotations

import bisect
import functools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

from tracker.emulator import figures

DAY = figures.DAY
RELATIONS = ("finetune", "adapter", "quantized", "merge")


@dataclass(slots=True)
class HubModel:
    """One repository of the emulated Hub.

    Fields:
        oid: the stable `_id` (24 hex digits, ObjectId-like: the first 8 encode the creation time).
        repo_id: the id it answers to now (after any rename).
        created: creation time, epoch seconds UTC.
        relation: `finetune`, `adapter`, `quantized` or `merge` (to all its bases); None if it declares none.
        parents: declared bases, each a catalogue index, or a string id for a base that never existed.
        card_base: what its card's `base_model` says; may hold a base's old id (the Hub's tags do not).
        old_id, renamed_at: the id it had before a rename, and when the rename happened (epoch s).
        toggles: times at which it disappears (deletion) and reappears (restoration), alternately.
        private: never listed, 404 to everyone.
        gated: False, "auto" or "manual".
        library, pipeline, license, arch: `library_name`, `pipeline_tag`, `license:` tag, `config.model_type`.
        extra_tags: other static tags (file formats, quantization markers, languages).
        params: parameter count.
        rate, tau_days, floor: peak downloads per day, decay constant, long-run fraction of the peak.
        likes_max: likes it saturates at.
        revision_at, revision_fraction: when the Hub revised `downloadsAllTime` downward, and by what share.
    """

    oid: str
    repo_id: str
    created: int
    relation: str | None = None
    parents: tuple[int | str, ...] = ()
    card_base: tuple[str, ...] = ()
    old_id: str | None = None
    renamed_at: int | None = None
    toggles: tuple[int, ...] = ()
    private: bool = False
    gated: str | bool = False
    library: str | None = "transformers"
    pipeline: str | None = "text-generation"
    license: str | None = None
    arch: str | None = None
    extra_tags: tuple[str, ...] = ()
    params: int = 0
    rate: float = 1.0
    tau_days: float = 90.0
    floor: float = 0.2
    likes_max: int = 0
    revision_at: int | None = None
    revision_fraction: float = 0.0


@dataclass(frozen=True, slots=True)
class Figures:
    """Usage figures of one model at one clock time."""

    downloads: int  # trailing 30 days
    downloads_all_time: int
    likes: int
    trending_score: int


@dataclass
class Catalogue:
    """All repositories of an emulated Hub, in `_id` (creation) order, with lookup indexes."""

    name: str
    models: list[HubModel]
    default_now: int
    # Named traps of the catalogue (feature -> model ids), for tests and the demo: "self_base", "cycle", ...
    features: dict[str, tuple[str, ...]] = field(default_factory=dict)
    created: list[int] = field(init=False, repr=False)
    children: list[list[int]] = field(init=False, repr=False)
    ghost_children: dict[str, list[int]] = field(init=False, repr=False)
    tag_index: dict[str, list[int]] = field(init=False, repr=False)
    _by_id: dict[str, int] = field(init=False, repr=False)
    _by_old_id: dict[str, int] = field(init=False, repr=False)
    _count_cache: tuple[int, dict[int, int]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.models.sort(key=lambda m: m.oid)
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

    def __len__(self) -> int:
        return len(self.models)

    # --- identity and visibility -------------------------------------------------------

    def id_at(self, i: int, t: int) -> str:
        """The id model `i` answers to at time `t`."""
        m = self.models[i]
        if m.renamed_at is not None and t < m.renamed_at and m.old_id:
            return m.old_id
        return m.repo_id

    def exists(self, i: int, t: int) -> bool:
        """Whether model `i` has been created and is not deleted at `t` (private ones exist too)."""
        m = self.models[i]
        if m.created > t:
            return False
        return bisect.bisect_right(m.toggles, t) % 2 == 0

    def listed(self, i: int, t: int) -> bool:
        """Whether model `i` is public and present at `t`: what listings and lookups show."""
        return not self.models[i].private and self.exists(i, t)

    def created_by(self, t: int) -> int:
        """Number of models created at or before `t` (they are the first ones in `_id` order)."""
        return bisect.bisect_right(self.created, t)

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
        return None

    def index_of(self, repo_id: str) -> int:
        """Index of a model by its current or old id, whatever the time; KeyError if unknown."""
        key = repo_id.lower()
        if key in self._by_id:
            return self._by_id[key]
        return self._by_old_id[key]

    # --- lineage -------------------------------------------------------------------------

    def parent_ids_at(self, i: int, t: int) -> list[str]:
        """Ids of the declared bases of model `i` as the Hub's tags show them at `t` (current ids)."""
        return [self.id_at(p, t) if isinstance(p, int) else p for p in self.models[i].parents]

    def children_named(self, parent_id: str, t: int) -> list[int]:
        """Indexes of the models whose tags name `parent_id` at `t` (listed or not), in `_id` order."""
        found = self.find(parent_id, t)
        if found is not None and not found[1]:
            return self.children[found[0]]
        return self.ghost_children.get(parent_id.lower(), [])

    def listed_children_count(self, i: int, t: int) -> int:
        """Direct children listed at `t` (what `filter=base_model:<id>` returns); cached per clock time."""
        cache = self._count_cache
        if cache[0] != t:
            cache = self._count_cache = (t, {})
        count = cache[1].get(i)
        if count is None:
            count = cache[1][i] = sum(1 for c in self.children[i] if self.listed(c, t))
        return count

    # --- figures -------------------------------------------------------------------------

    def figures(self, i: int, t: int) -> Figures:
        """Downloads (30 days and all time), likes and trending score of model `i` at `t`."""
        m = self.models[i]
        age = (t - m.created) / DAY
        all_time = figures.cumulative_downloads(m.rate, m.tau_days, m.floor, age)
        d30 = all_time - figures.cumulative_downloads(m.rate, m.tau_days, m.floor, age - 30)
        d7 = all_time - figures.cumulative_downloads(m.rate, m.tau_days, m.floor, age - 7)
        if m.revision_at is not None and t >= m.revision_at:
            before = figures.cumulative_downloads(
                m.rate, m.tau_days, m.floor, (m.revision_at - m.created) / DAY
            )
            all_time -= int(before * m.revision_fraction)
        likes = figures.likes_at(m.likes_max, age)
        likes_7d = likes - figures.likes_at(m.likes_max, age - 7)
        return Figures(d30, all_time, likes, figures.trending_score(d7, likes_7d))

    def last_modified(self, i: int, t: int) -> int:
        """Time of the last commit seen at `t`: a few days after creation, never in the future."""
        m = self.models[i]
        return min(m.created + int(m.oid[-4:], 16) % 21 * DAY, t)

    def iter_listed(self, t: int) -> Iterator[int]:
        """Indexes of every model listed at `t`, in `_id` order."""
        for i in range(self.created_by(t)):
            if self.listed(i, t):
                yield i


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


def tags_at(cat: Catalogue, i: int, t: int) -> list[str]:
    """Every tag of model `i` at `t`, in the Hub's order: static ones, base_model ones, licence, region."""
    m = cat.models[i]
    tags = [tag for tag in static_tags(m) if not tag.startswith("license:")]
    if m.relation:
        parents = cat.parent_ids_at(i, t)
        tags.extend(f"base_model:{p}" for p in parents)
        tags.extend(f"base_model:{m.relation}:{p}" for p in parents)
    if m.license:
        tags.append(f"license:{m.license}")
    tags.append("region:us")
    return tags


@functools.lru_cache(maxsize=1 << 18)  # every listing writes createdAt of each model it serves
def iso(t: int) -> str:
    """Epoch seconds as the Hub writes timestamps: `2024-07-23T15:02:11.000Z`."""
    return datetime.fromtimestamp(int(t), UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def parse_time(text: str) -> int:
    """An ISO 8601 instant (offset or `Z`; naive read as UTC) as epoch seconds."""
    value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return int(value.timestamp())


def object_id(created: int, salt: Iterable[int]) -> str:
    """An ObjectId-like `_id`: 4 bytes of creation time, then 8 bytes of salt."""
    tail = bytes(salt)[:8].ljust(8, b"\0")
    return f"{created & 0xFFFFFFFF:08x}{tail.hex()}"
