"""Ground truth: what a perfect crawl of the emulated Hub must record, from the emulator's own data.

Computed on the catalogue's internal model (indexes, children lists, visibility at a clock
time), never through the HTTP API nor with any crawler code, so a crawler compared with it is
compared with an independent reading of DESIGN's rules:

- a model belongs to an ecosystem when a path of declared parent links leads from it to a root,
  through models listed at that time (private, deleted or missing models break the path; a model
  naming itself is ignored);
- depth is the length of the shortest such path (roots: 0); family is that of the root at the end
  of the shortest path, ties going to the family listed first; relation is the model's own (`base`
  for roots);
- roots are the ecosystem's listed root ids (old ids resolve through renames) and, through
  `authors`, every listed model of those authors (family by root list or pattern, else `Other`).

Each model's size and live inference providers come from the functions its payloads are made with
(`payloads.parameters_of`, `providers.live_at`), so they cannot disagree with what a crawl reads.

Also the request floors of the two crawl strategies, and the exact cost of the naive crawler (what a
user writes with `huggingface_hub`), all from the same internal data.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass

from tracker.core.ecosystems import Ecosystem, family_of_root
from tracker.emulator.builders.providers import live_at
from tracker.emulator.catalogue import Catalogue
from tracker.emulator.payloads import parameters_of
from tracker.emulator.vocabulary import iso


@dataclass(frozen=True)
class TruthModel:
    """One model of one ecosystem at the clock time, with its figures.

    `parameters`: the count its payload implies (`payloads.parameters_of`: the larger of
    `safetensors.total` and the sum of its counts by dtype when it has `safetensors`, else `gguf.total`
    when it has `gguf`, else None), the same at every clock time. `live_providers`: the providers whose
    mapping is `live` at the clock time (staging and error ones excluded), sorted by name; () when none.
    """

    ecosystem: str
    model_id: str
    family: str
    depth: int
    relation: str
    downloads_30d: int
    downloads_all_time: int
    likes: int
    trending_score: int
    author: str | None
    created_at: str
    library_name: str | None
    pipeline_tag: str | None
    license: str | None
    gated: str | bool
    parameters: int | None = None
    live_providers: tuple[str, ...] = ()


@dataclass(frozen=True)
class TruthEdge:
    """A declared parent link of a tracked model (the parent tracked or not; self-links excepted)."""

    child_id: str
    parent_id: str
    relation: str


@dataclass(frozen=True)
class Truth:
    """Every tracked model per ecosystem, and every edge among them and to their declared parents."""

    taken_at: str
    models: tuple[TruthModel, ...]
    edges: tuple[TruthEdge, ...]
    missing_roots: tuple[str, ...]

    def to_json(self) -> dict:
        return {
            "taken_at": self.taken_at,
            "models": [{**asdict(m), "live_providers": list(m.live_providers)} for m in self.models],
            "edges": [asdict(e) for e in self.edges],
            "missing_roots": list(self.missing_roots),
        }


def _roots(cat: Catalogue, eco: Ecosystem, t: int, missing: list[str]) -> dict[int, int]:
    """Root index -> family rank (file order; `Other` ranks last)."""
    ranks = {fam.name: r for r, fam in enumerate(eco.families)}
    other = len(eco.families)
    roots: dict[int, int] = {}
    for rank, fam in enumerate(eco.families):
        for root_id in fam.roots:
            found = cat.find(root_id, t)
            if found is None or not cat.listed(found[0], t):
                missing.append(root_id)
                continue
            roots.setdefault(found[0], rank)
    for author in dict.fromkeys(a.lower() for a in eco.authors):
        for i in cat.listed_by_author(author, t):
            if i not in roots:
                roots[i] = ranks.get(family_of_root(eco, cat.id_at(i, t)), other)
    return roots


def members(cat: Catalogue, eco: Ecosystem, t: int) -> tuple[dict[int, tuple[int, int]], list[str]]:
    """Model index -> (depth, family rank) for one ecosystem at `t`, and the root ids not found."""
    missing: list[str] = []
    found = {i: (0, rank) for i, rank in _roots(cat, eco, t, missing).items()}
    level = sorted(found)
    depth = 0
    while level:
        # All of this level's family ranks are final before the next level is built, so a child
        # reached from several parents at the same depth takes the best-ranked family.
        nxt: list[int] = []
        for u in level:
            rank = found[u][1]
            for c in cat.children_of(u):
                if c == u or not cat.listed(c, t):
                    continue
                seen = found.get(c)
                if seen is None:
                    found[c] = (depth + 1, rank)
                    nxt.append(c)
                elif seen[0] == depth + 1 and rank < seen[1]:
                    found[c] = (depth + 1, rank)
        level, depth = nxt, depth + 1
    return found, missing


def ground_truth(cat: Catalogue, ecosystems: Iterable[Ecosystem], t: int) -> Truth:
    """The models, figures and edges a crawl of `ecosystems` at `t` must record."""
    rows: list[TruthModel] = []
    tracked: set[int] = set()
    missing_all: list[str] = []
    for eco in ecosystems:
        family_names = [f.name for f in eco.families] + ["Other"]
        found, missing = members(cat, eco, t)
        missing_all.extend(missing)
        for i, (depth, rank) in sorted(found.items(), key=lambda kv: cat.id_at(kv[0], t).lower()):
            m = cat.models[i]
            f = cat.figures(i, t)
            repo_id = cat.id_at(i, t)
            rows.append(
                TruthModel(
                    ecosystem=eco.name,
                    model_id=repo_id,
                    family=family_names[rank],
                    depth=depth,
                    relation="base" if depth == 0 else (m.relation or "base"),
                    downloads_30d=f.downloads,
                    downloads_all_time=f.downloads_all_time,
                    likes=f.likes,
                    trending_score=f.trending_score,
                    author=repo_id.split("/")[0] if "/" in repo_id else None,
                    created_at=iso(m.created),
                    library_name=m.library,
                    pipeline_tag=m.pipeline,
                    license=m.license,
                    gated=m.gated,
                    parameters=parameters_of(m),
                    live_providers=live_at(m.providers, t),
                )
            )
            tracked.add(i)
    edges: set[TruthEdge] = set()
    for i in tracked:
        m = cat.models[i]
        child = cat.id_at(i, t)
        for parent in cat.parent_ids_at(i, t):
            if parent.lower() != child.lower() and m.relation:
                edges.add(TruthEdge(child, parent, m.relation))
    ordered = tuple(sorted(edges, key=lambda e: (e.child_id.lower(), e.parent_id.lower())))
    return Truth(iso(t), tuple(rows), ordered, tuple(dict.fromkeys(missing_all)))


def tree_request_floor(
    cat: Catalogue, ecosystems: Sequence[Ecosystem], t: int, *, counts_on_listings: bool = False
) -> int:
    """Fewest requests a tree crawl can make: one per root id and per page of each author's models, plus
    one listing page per 1,000 children of each tracked model, and one for each model whose count of
    children the crawl cannot know to be zero. The roots looked up by id have theirs (`model_info`
    gives `childrenModelCount`); the others only when listings give it (`counts_on_listings`: a lenient
    Hub; the real Hub's listings refuse it)."""
    lookups = sum(len(e.root_ids) for e in ecosystems)
    known: set[int] = set()  # models whose child count comes with their record
    tracked: set[int] = set()
    for eco in ecosystems:
        for author in eco.authors:
            n = len(cat.listed_by_author(author, t))
            lookups += max(1, math.ceil(n / 1000))
        for root_id in eco.root_ids:
            found = cat.find(root_id, t)
            if found is not None and cat.listed(found[0], t):
                known.add(found[0])
        tracked.update(members(cat, eco, t)[0])
    pages = 0
    for i in tracked:
        needed = math.ceil(cat.listed_children_count(i, t) / 1000)
        pages += needed if counts_on_listings or i in known else max(1, needed)
    return lookups + pages


def lineage_factors(cat: Catalogue, ecosystems: Sequence[Ecosystem], t: int) -> tuple[float, float]:
    """(derivatives per direct child of a root, share of derivatives with children), the ecosystems
    pooled: what a tree estimate without a recorded forest grows the roots' child counts by."""
    below = direct = internal = 0
    for eco in ecosystems:
        found, _ = members(cat, eco, t)
        direct += sum(cat.listed_children_count(i, t) for i, (d, _) in found.items() if d == 0)
        others = [i for i, (d, _) in found.items() if d > 0]
        below += len(others)
        internal += sum(1 for i in others if cat.listed_children_count(i, t) > 0)
    return below / max(1, direct), internal / max(1, below)


def scan_request_floor(cat: Catalogue, ecosystems: Sequence[Ecosystem], t: int) -> int:
    """Fewest requests a scan can make: every page of the whole listing (1,000 per page), plus one
    lookup per root id the listing does not show under that id (missing, or an old, renamed id)."""
    lookups = 0
    for root_id in dict.fromkeys(r.lower() for e in ecosystems for r in e.root_ids):
        found = cat.find(root_id, t)
        if found is None or found[1] or not cat.listed(found[0], t):
            lookups += 1
    return max(1, math.ceil(cat.listed_count(t) / 1000)) + lookups


def listed_children(cat: Catalogue, i: int, t: int) -> list[int]:
    """Indexes of the models `filter=base_model:<id of i>` lists at `t` (full part first)."""
    return [c for c in cat.children_of(i) if cat.listed(c, t)]


def naive_crawl_cost(cat: Catalogue, root_ids: Sequence[str], t: int, page: int = 1000) -> tuple[int, int]:
    """(requests, models found) of the naive crawler on this catalogue at `t`, computed exactly.

    The crawler, as a user writes it with `huggingface_hub` (`bench/crawl.py` runs it for real): from
    the root ids, depth first (a stack, last root first), `model_info(id)` on every id not yet seen
    (a renamed id answers 307 and the client follows it: two requests; a missing one 404), then
    `list_models(filter="base_model:<id>")` (pages of `page`, at least one) and every child found
    goes on the stack. Ids are compared in lower case; an old id is not known as seen until looked up.
    """
    seen: set[str] = set()
    todo = list(root_ids)
    requests = 0
    while todo:
        model_id = todo.pop()
        if model_id.lower() in seen:
            continue
        found = cat.find(model_id, t)
        if found is None or not cat.listed(found[0], t):
            requests += 1
            continue
        i, renamed = found
        requests += 2 if renamed else 1
        seen.add(cat.id_at(i, t).lower())
        kids = listed_children(cat, i, t)
        requests += max(1, math.ceil(len(kids) / page))
        todo.extend(cat.id_at(c, t) for c in kids)
    return requests, len(seen)
