"""The lineage crawl: find every model of the chosen ecosystems on the Hub, level by level.

Two strategies with identical results, since both feed the same breadth-first search
(`tracker.lineage.members`) and differ only in how children are found:

- tree: list the children of each member that has any (`filter=base_model:<id>`, 1,000 per
  page); `childrenModelCount` spares the leaves. About one request per internal node.
- scan: page through every model on the Hub once and index children locally. About
  hub size / 1,000 requests, whatever the tree's shape.

Memory: records wait on disk, not in memory, between the Hub's answer and the store. Each one is
pickled into an anonymous temporary file as it arrives (`_Shelf`), and the search works on small
references (`_Ref`: id, relation, child count, place in the file); a batch's records are read back
just before they are stored. A snapshot of 200,000 models held every record otherwise (the tree's
listings, the scan's whole Hub), with the parsing's garbage fragmenting the heap around them.
"""

from __future__ import annotations

import logging
import math
import pickle
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import cast

from tracker.ecosystems import Ecosystem, family_of_root
from tracker.hub import PAGE_SIZE, HubClient, ModelNotFound
from tracker.lineage import Node, Root, members, membership_rows
from tracker.records import Edge, Membership, Observation

logger = logging.getLogger(__name__)
BATCH = 2000


@dataclass
class Batch:
    """What a crawl hands the store at once: records, memberships and edges of newly found models."""

    observations: list[Observation] = field(default_factory=list)
    memberships: list[Membership] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)


@dataclass(frozen=True)
class Progress:
    """A progress report: where the crawl is and what it cost so far."""

    ecosystem: str
    depth: int
    models: int
    requests: int
    retries: int
    remaining: int | None


@dataclass(frozen=True, slots=True)
class _Ref:
    """What the search keeps of a model: its id, relation and child count, and where its record is shelved."""

    model_id: str
    relation: str | None
    children_count: int | None
    at: int


class _Shelf:
    """Records pickled into an anonymous temporary file (gone when closed, or when the process dies)."""

    def __init__(self) -> None:
        self._file = tempfile.TemporaryFile()
        self._end = 0

    def put(self, obs: Observation) -> _Ref:
        """Shelve a record; its reference."""
        self._file.seek(self._end)
        pickle.dump(obs, self._file, pickle.HIGHEST_PROTOCOL)
        at, self._end = self._end, self._file.tell()
        return _Ref(obs.model_id, obs.relation, obs.children_count, at)

    def get(self, refs: Iterable[_Ref]) -> list[Observation]:
        """The records of these references, in order."""
        records = []
        for ref in refs:
            self._file.seek(ref.at)
            records.append(pickle.load(self._file))
        return records

    def close(self) -> None:
        self._file.close()


class Crawl:
    """One crawl of some ecosystems with one strategy; iterate `batches()` to run it."""

    def __init__(
        self,
        client: HubClient,
        ecosystems: Sequence[Ecosystem],
        *,
        strategy: str,
        concurrency: int = 4,
        on_progress: Callable[[Progress], None] | None = None,
    ) -> None:
        if strategy not in ("tree", "scan"):
            raise ValueError(f"unknown strategy {strategy!r}")
        self.client = client
        self.ecosystems = tuple(ecosystems)
        self.strategy = strategy
        self.concurrency = max(1, concurrency)
        self.on_progress = on_progress
        self.missing_roots: list[str] = []
        self._shelf: _Shelf | None = None
        self._children: dict[str, list[_Ref]] = {}  # listings done in this run, by lower-case id
        self._resolved: dict[str, _Ref | None] = {}  # root ids looked up, by lower-case id
        # After a scan: the listed models that can be roots (listed root ids, the authors' models).
        self._scan: dict[str, _Ref] | None = None
        self._roots: dict[str, list[Root]] = {}
        self._saved: set[str] = set()
        self._models = 0

    # --- sources of models ----------------------------------------------------------------------

    def _shelve(self, obs: Observation) -> _Ref:
        if self._shelf is None:
            self._shelf = _Shelf()
        return self._shelf.put(obs)

    def _load_scan(self) -> dict[str, _Ref]:
        """Read every listed model of the Hub: a local children index, and the models that can be roots."""
        if self._scan is None:
            root_ids = {r.lower() for eco in self.ecosystems for fam in eco.families for r in fam.roots}
            prefixes = tuple({a.lower() + "/" for eco in self.ecosystems for a in eco.authors})
            rootish: dict[str, _Ref] = {}
            children: dict[str, list[_Ref]] = {}
            n = 0
            for n, obs in enumerate(self.client.list_models(), 1):
                ref = self._shelve(obs)
                key = obs.model_id.lower()
                if key in root_ids or (prefixes and key.startswith(prefixes)):
                    rootish[key] = ref
                for parent in obs.parents:
                    children.setdefault(parent.lower(), []).append(ref)
                if n % 50_000 == 0:
                    logger.info("scan: %s models read, %s requests", f"{n:,}", self.client.counters.requests)
            self._scan = rootish
            self._children = children
            logger.info("scan: %s models on the Hub", f"{n:,}")
        return self._scan

    def _lookup(self, ids: Sequence[str]) -> dict[str, _Ref | None]:
        """Root ids as the Hub resolves them (renamed ids follow the redirect); None when absent."""
        todo = [i for i in dict.fromkeys(ids) if i.lower() not in self._resolved]
        if self._scan is not None:
            for root_id in list(todo):
                if root_id.lower() in self._scan:
                    self._resolved[root_id.lower()] = self._scan[root_id.lower()]
                    todo.remove(root_id)

        def fetch(root_id: str) -> Observation | None:
            try:
                return self.client.model(root_id)
            except ModelNotFound:
                return None

        with ThreadPoolExecutor(self.concurrency) as pool:
            for root_id, obs in zip(todo, pool.map(fetch, todo), strict=True):
                self._resolved[root_id.lower()] = None if obs is None else self._shelve(obs)
        return {i: self._resolved[i.lower()] for i in ids}

    def _by_author(self, author: str) -> list[_Ref]:
        if self._scan is not None:
            return [r for r in self._scan.values() if r.model_id.lower().startswith(author.lower() + "/")]
        return [self._shelve(obs) for obs in self.client.list_models(author=author)]

    def _children_of(self, parents: Sequence[Node]) -> Mapping[str, Sequence[_Ref]]:
        if self.strategy == "scan":
            return {p.model_id: self._children.get(p.model_id.lower(), ()) for p in parents}
        counts_known = self.client.children_counts_known
        todo = [
            p
            for p in cast(Sequence[_Ref], parents)  # the search runs on the crawl's refs
            if p.model_id.lower() not in self._children and (not counts_known or (p.children_count or 0) > 0)
        ]
        with ThreadPoolExecutor(self.concurrency) as pool:
            for parent, kids in zip(
                todo, pool.map(lambda p: self.client.children(p.model_id), todo), strict=True
            ):
                self._children[parent.model_id.lower()] = [self._shelve(obs) for obs in kids]
        return {p.model_id: self._children.get(p.model_id.lower(), ()) for p in parents}

    # --- the crawl ---------------------------------------------------------------------------------

    def roots(self, eco: Ecosystem) -> list[Root]:
        """The ecosystem's roots found on the Hub: listed ids (family order), then its authors' models."""
        if eco.name in self._roots:
            return self._roots[eco.name]
        roots: list[Root] = self._roots.setdefault(eco.name, [])
        for rank, fam in enumerate(eco.families):
            for root_id, ref in self._lookup(fam.roots).items():
                if ref is None:
                    self.missing_roots.append(root_id)
                    logger.warning("%s: root %s is not on the Hub", eco.name, root_id)
                else:
                    roots.append(Root(ref, rank))
        ranks = {fam.name: rank for rank, fam in enumerate(eco.families)}
        for author in eco.authors:
            for ref in self._by_author(author):
                rank = ranks.get(family_of_root(eco, ref.model_id), len(eco.families))
                roots.append(Root(ref, rank))
        return roots

    def estimate_tree_requests(self, internal_share: float) -> tuple[int, str]:
        """Requests a tree crawl would take, from the roots' child counts (resolving the roots on the way)."""
        before = self.client.counters.requests
        roots = {
            r.observation.model_id.lower(): r.observation for eco in self.ecosystems for r in self.roots(eco)
        }
        counts = [cast(_Ref, o).children_count or 0 for o in roots.values()]
        pages = sum(math.ceil(c / PAGE_SIZE) for c in counts)
        deeper = int(sum(counts) * internal_share)
        cost = self.client.counters.requests - before + pages + deeper
        return (
            cost,
            f"{len(roots)} roots with {sum(counts):,} children, ~{internal_share:.0%} of them parents",
        )

    def batches(self) -> Iterator[Batch]:
        """Run the crawl, yielding what to store as soon as it is final."""
        try:
            if self.strategy == "scan":
                self._load_scan()
            for eco in self.ecosystems:
                family_names = [f.name for f in eco.families] + ["Other"]
                for depth, level in enumerate(members(self.roots(eco), self._children_of)):
                    for start in range(0, len(level), BATCH):
                        chunk = level[start : start + BATCH]
                        yield self._batch(eco.name, family_names, chunk)
                    self._report(eco.name, depth)
        finally:
            self.close()

    def close(self) -> None:
        """Drop the shelved records (the crawl cannot go on after this)."""
        if self._shelf is not None:
            self._shelf.close()
            self._shelf = None
            self._children, self._resolved, self._scan, self._roots = {}, {}, None, {}

    def _batch(
        self, ecosystem: str, family_names: Sequence[str], chunk: list[tuple[Node, int, int]]
    ) -> Batch:
        batch = Batch(memberships=membership_rows(ecosystem, family_names, chunk))
        new: list[_Ref] = []
        for ref, _, _ in cast(list[tuple[_Ref, int, int]], chunk):  # the search runs on the crawl's refs
            key = ref.model_id.lower()
            if key in self._saved:
                continue  # already stored by another ecosystem in this run
            self._saved.add(key)
            new.append(ref)
        if new:
            assert self._shelf is not None  # every reference comes from it
            for obs in self._shelf.get(new):
                batch.observations.append(obs)
                batch.edges.extend(Edge(obs.model_id, p, obs.relation or "finetune") for p in obs.parents)
        self._models += len(batch.observations)
        return batch

    def _report(self, ecosystem: str, depth: int) -> None:
        c = self.client.counters
        progress = Progress(
            ecosystem, depth, self._models, c.requests, c.retries, self.client.pacer.remaining
        )
        if self.on_progress is not None:
            self.on_progress(progress)
