"""The lineage crawl: find every model of the chosen ecosystems on the Hub, level by level.

Two strategies with identical results, since both feed the same breadth-first search
(`tracker.core.lineage.members`) and differ only in how children are found:

- tree: list the children of each member (`filter=base_model:<id>`, 1,000 per page), except
  those the Hub said have none: the roots' `childrenModelCount` comes with their `model_info`
  lookup, and a Hub whose listings give it (not the real one) spares every leaf. About one
  request per member under the real Hub's rules; one per internal node on a lenient Hub.
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
import pickle
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import cast

import numpy as np

from tracker.collect.hub import HubClient
from tracker.collect.memory import give_back
from tracker.collect.scan_listing import ScanListing
from tracker.collect.transport import ModelNotFound
from tracker.core.ecosystems import Ecosystem, family_of_root
from tracker.core.forest import grow
from tracker.core.hub_view import HubView, OrganisationsLike, view
from tracker.core.lineage import Node, Root, members, membership_rows, parse_children_count, parse_parents
from tracker.core.records import Edge, Membership, Observation

logger = logging.getLogger("tracker.crawl")  # kept: operators filter on it
BATCH = 2000
_NONE = np.zeros(0, np.int64)


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
    """What the search keeps of a model: its id, relation and child count, and where its record is shelved
    (`raw`: as the Hub's payload, parsed only if it is stored)."""

    model_id: str
    relation: str | None
    children_count: int | None
    at: int
    raw: bool = False


class _Shelf:
    """Records pickled into an anonymous temporary file (gone when closed, or when the process dies)."""

    def __init__(self) -> None:
        self._file = tempfile.TemporaryFile()
        self._end = 0
        self._reading = False  # whether a read moved the file's position away from its end

    def _dump(self, value: object) -> int:
        # Appended where the last one ended, without asking the file (a scan shelves the whole Hub: a seek
        # and a tell per record were half of the shelving's time).
        data = pickle.dumps(value, pickle.HIGHEST_PROTOCOL)
        if self._reading:
            self._file.seek(self._end)
            self._reading = False
        self._file.write(data)
        at = self._end
        self._end += len(data)
        return at

    def put(self, obs: Observation) -> _Ref:
        """Shelve a record; its reference."""
        return _Ref(obs.model_id, obs.relation, obs.children_count, self._dump(obs))

    def put_item(self, item: dict) -> tuple[_Ref, tuple[str, ...]]:
        """Shelve a listing's payload unparsed: its reference and its parents (a scan reads the whole Hub,
        and parsing every payload into a record cost half its time, for the few percent it stores)."""
        model_id = item["id"]
        relation, parents = parse_parents(item.get("baseModels"), item.get("tags") or (), model_id)
        count, _ = parse_children_count(item.get("childrenModelCount"))
        return _Ref(model_id, relation, count, self._dump(item), raw=True), parents

    def get(self, refs: Iterable[_Ref], parse: Callable[[dict], Observation]) -> list[Observation]:
        """The records of these references, in order (`parse` turns a shelved payload into one)."""
        records = []
        self._reading = True
        for ref in refs:
            self._file.seek(ref.at)
            value = pickle.load(self._file)
            records.append(parse(value) if ref.raw else value)
        return records

    def ids_at(self, places: Sequence[int]) -> list[tuple[str, str | None]]:
        """The ids and `_id`s of the shelved payloads at these places (a scan's bases, for the view)."""
        self._reading = True
        out = []
        for at in places:
            self._file.seek(at)
            value = pickle.load(self._file)
            if isinstance(value, dict):
                oid = value.get("_id")
                out.append((value["id"], oid if isinstance(oid, str) else None))
            else:
                out.append((value.model_id, value.hub_oid))
        return out

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
        organisations: OrganisationsLike | None = None,
    ) -> None:
        """`organisations`: given, a scan also computes the whole-Hub view (`hub_view`, once `batches()`
        is over); a tree crawl never does."""
        if strategy not in ("tree", "scan"):
            raise ValueError(f"unknown strategy {strategy!r}")
        self.client = client
        self.ecosystems = tuple(ecosystems)
        self.strategy = strategy
        self.concurrency = max(1, concurrency)
        self.on_progress = on_progress
        self.missing_roots: list[str] = []
        self._shelf: _Shelf | None = None
        # Listings done in this run, by lower-case id; one shared () for the many leaves (the real Hub's
        # rules list every member: 200,000 empty lists otherwise).
        self._children: dict[str, Sequence[_Ref]] = {}
        self._resolved: dict[str, _Ref | None] = {}  # root ids looked up, by lower-case id
        # After a scan: the listed models that can be roots (listed root ids, the authors' models).
        self._scan: dict[str, _Ref] | None = None
        self._roots: dict[str, list[Root]] = {}
        self._saved: set[str] = set()
        self._models = 0
        self.organisations = organisations
        self._listing: ScanListing | None = None
        self.hub_view: HubView | None = None

    # --- sources of models ----------------------------------------------------------------------

    @property
    def _records(self) -> _Shelf:
        """The shelf, opened on first use."""
        if self._shelf is None:
            self._shelf = _Shelf()
        return self._shelf

    def _shelve(self, obs: Observation) -> _Ref:
        return self._records.put(obs)

    def _load_scan(self) -> dict[str, _Ref]:
        """Read every listed model of the Hub: a local children index, and the models that can be roots."""
        if self._scan is None:
            root_ids = {r.lower() for eco in self.ecosystems for fam in eco.families for r in fam.roots}
            prefixes = tuple({a.lower() + "/" for eco in self.ecosystems for a in eco.authors})
            rootish: dict[str, _Ref] = {}
            children: dict[str, list[_Ref]] = {}
            listing = self._listing = ScanListing() if self.organisations is not None else None
            n = 0
            for n, item in enumerate(self.client.list_items(), 1):
                ref, parents = self._records.put_item(item)
                key = ref.model_id.lower()
                if listing is not None:
                    listing.add(key, ref.model_id, ref.at, ref.relation, parents, item)
                if key in root_ids or (prefixes and key.startswith(prefixes)):
                    rootish[key] = ref
                for parent in parents:
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
        todo = [  # a count the Hub gave spares a model without children; an unknown one (None) does not
            p
            for p in cast(Sequence[_Ref], parents)  # the search runs on the crawl's refs
            if p.model_id.lower() not in self._children and p.children_count != 0
        ]
        with ThreadPoolExecutor(self.concurrency) as pool:
            for parent, kids in zip(
                todo, pool.map(lambda p: self.client.children(p.model_id), todo), strict=True
            ):
                self._children[parent.model_id.lower()] = [self._shelve(obs) for obs in kids] or ()
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
        found = {r.observation.model_id.lower() for r in roots}
        for author in eco.authors:
            for ref in self._by_author(author):
                if ref.model_id.lower() in found:
                    continue  # a listed root id, already found (with its child count, from model_info)
                rank = ranks.get(family_of_root(eco, ref.model_id), len(eco.families))
                roots.append(Root(ref, rank))
        return roots

    def root_children(self) -> list[int | None]:
        """Each distinct root's direct children as the Hub gave them (None: not said), resolving the roots."""
        roots: dict[str, Node] = {}
        for eco in self.ecosystems:
            for r in self.roots(eco):
                roots.setdefault(r.observation.model_id.lower(), r.observation)
        return [cast(_Ref, o).children_count for o in roots.values()]

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
            if self._listing is not None:
                self._whole_hub(self._listing)
        finally:
            self.close()

    def _whole_hub(self, scanned: ScanListing) -> None:
        """The whole-Hub view of the scanned listing (the search's structures dropped first)."""
        assert self._shelf is not None
        assert self.organisations is not None
        self._children, self._scan, self._listing = {}, None, None
        give_back()
        listing, ids_of, keys_of = scanned.listing(self._shelf.ids_at)
        del scanned
        forest = grow(listing)
        listing = replace(
            listing, child=_NONE, parent=_NONE
        )  # what the view needs of the links is in the forest
        give_back()
        self.hub_view = view(listing, forest, ids_of, keys_of, self.organisations, self.ecosystems)
        logger.info(
            "whole Hub: %s models, %s bases, %s derivatives",
            f"{self.hub_view.models:,}",
            f"{len(self.hub_view.bases):,}",
            f"{self.hub_view.derivatives:,}",
        )

    def close(self) -> None:
        """Drop the shelved records (the crawl cannot go on after this)."""
        if self._shelf is not None:
            self._shelf.close()
            self._shelf = None
            self._children, self._resolved, self._scan, self._roots = {}, {}, None, {}
            self._listing = None

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
            for obs in self._shelf.get(new, self.client.observation):
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
