"""A Hub of realistic size: about 2.2 million models, about 100,000 of them in the Llama tree.

For benchmarks of the crawl at the scale of the real Hub, where the tree-versus-scan trade-off is the
real one: a scan pages through 2.2 million models, a tree crawl lists the children of the few percent
of Llama models that have any.

Two parts (see `tracker.emulator.catalogue`):
- the full part, `HubModel` objects built like the synthetic catalogue (same roots, unrelated bases and
  traps, from one `random.Random(seed)`), with the Llama tree grown in its real shape: most
  derivatives hang from an official repository (the popular ones draw far more), the others from
  the few community models that become parents, mostly finetunes and merges (quantizations and
  adapters almost never have children), which gives a few percent of the tree's models with children
  and depths of a few levels; relation mix, deletions and private models as in the synthetic Hub;
- the compact part (`tracker.emulator.builders.compact`): the rest of the Hub, about a quarter of it declaring
  a base among the rival ecosystems' roots and unrelated bases of the full part or its own bases,
  never a Llama model;
- the untracked families of the synthetic Hub (`tracker.emulator.builders.forest`, Meta's Muse among
  them), added to the full part after the Llama tree with draws of their own.

`models` counts the models created by the default clock (both parts, private and deleted ones
included; the untracked families on top); `llama` the Llama members aimed at, at the default clock
(the result lands within a few percent). Same seed and sizes, same bytes.
"""

from __future__ import annotations

import math

from tracker.core.ecosystems import Ecosystem, load_ecosystems
from tracker.emulator.builders import traits
from tracker.emulator.builders.builder import CatalogueBuilder, finish
from tracker.emulator.builders.compact import CompactPart
from tracker.emulator.builders.forest import add_forest
from tracker.emulator.builders.synthetic import (
    HORIZON,
    SYNTHETIC_DEFAULT_NOW,
    UNRELATED_BASES,
    _add_roots,
    _add_unrelated_bases,
    _root_scale,
)
from tracker.emulator.builders.traps import add_traps
from tracker.emulator.catalogue import Catalogue
from tracker.emulator.vocabulary import DAY, parse_time

REALISTIC_MODELS = 2_200_000
REALISTIC_LLAMA = 100_000
COMPACT_START = parse_time("2021-03-01T00:00:00Z")
# Share of Llama derivatives whose base is a community model rather than an official repository.
COMMUNITY_SHARE = 0.28
# Chance that a new derivative becomes a parent itself (enters the bag of community bases), by relation.
PARENT_CHANCE = {"finetune": 0.085, "merge": 0.12, "adapter": 0.004, "quantized": 0.004}
# Share of Llama members at the default clock among the derivatives generated (created by then, public,
# not deleted, reachable): measured on builds of this module, to size the generation.
_MEMBER_YIELD = 0.955


def _grow_llama(b: CatalogueBuilder, llama: list[int], rivals: list[int], n: int) -> None:
    """Add `n` Llama derivatives in creation order, in the real tree's shape."""
    rng = b.rng
    start = min(b.drafts[k].model.created for k in llama) + DAY
    span = HORIZON - start
    times = sorted(start + int(span * rng.random() ** 0.5) for _ in range(n))
    pending = sorted((b.drafts[k].model.created, k) for k in llama)
    rival_pending = sorted((b.drafts[k].model.created, k) for k in rivals)
    roots: list[int] = []  # official repositories, one ticket per unit of popularity
    rival_roots: list[int] = []
    bag: list[int] = []  # community bases, one ticket per chance
    p = q = 0
    for created in times:
        while p < len(pending) and pending[p][0] < created:
            k = pending[p][1]
            roots.extend([k] * max(4, int(_root_scale(b.drafts[k].model.repo_id) / 150)))
            p += 1
        while q < len(rival_pending) and rival_pending[q][0] < created:
            rival_roots.append(rival_pending[q][1])
            q += 1
        relation = traits.pick(rng, traits.RELATION_WEIGHTS)
        community = bool(bag) and rng.random() < COMMUNITY_SHARE
        parents = [traits.choice(rng, bag if community else roots)]
        if relation == "merge":
            for _ in range(traits.choice(rng, (1, 1, 1, 2, 3))):
                pool = bag if bag and rng.random() < 0.6 else roots
                if rival_roots and rng.random() < 0.03:
                    pool = rival_roots
                other = traits.choice(rng, pool)
                if other not in parents:
                    parents.append(other)
        toggles: tuple[int, ...] = ()
        if rng.random() < 0.03:
            gone = created + int(traits.uniform(rng, 5, 300) * DAY)
            toggles = (gone, gone + int(traits.uniform(rng, 3, 60) * DAY)) if rng.random() < 0.1 else (gone,)
        private = rng.random() < 0.005
        k = b.derivative(relation, parents, created, eco="llama", toggles=toggles, private=private)
        if rng.random() < PARENT_CHANCE[relation]:
            bag.extend([k, k])
        if community and rng.random() < 0.25:
            bag.append(parents[0])  # the rich get richer, slowly: no community model outgrows the bases


def build_realistic(
    *,
    seed: int = 0,
    models: int = REALISTIC_MODELS,
    llama: int = REALISTIC_LLAMA,
    ecosystems: tuple[Ecosystem, ...] | None = None,
    compact: bool = True,
) -> Catalogue:
    """The realistic catalogue for this seed and sizes; `compact=False` leaves the compact part out
    (the same full part, for tests that compare the two)."""
    b = CatalogueBuilder(seed)
    ecosystems = ecosystems if ecosystems is not None else load_ecosystems()
    roots = _add_roots(b, ecosystems)
    unrelated = _add_unrelated_bases(b)
    add_traps(b, SYNTHETIC_DEFAULT_NOW)
    start = min(b.drafts[k].model.created for k in roots["llama"]) + DAY
    by_now = ((SYNTHETIC_DEFAULT_NOW - start) / (HORIZON - start)) ** 2
    rivals = [k for eco, ks in roots.items() if eco != "llama" for k in ks]
    _grow_llama(b, roots["llama"], rivals[:], math.ceil(llama / (by_now * _MEMBER_YIELD)))
    # Counted before the untracked families are added, so that the compact part is drawn as before them.
    full_now = sum(1 for d in b.drafts if d.model.created <= SYNTHETIC_DEFAULT_NOW)
    add_forest(b, seed)  # after the Llama tree, with its own draws: the tree stays as it was
    part = None
    if compact:
        share_now = ((SYNTHETIC_DEFAULT_NOW - COMPACT_START) / (HORIZON - COMPACT_START)) ** 2
        anchors = [
            (b.drafts[k].model.repo_id, max(1, int(_root_scale(b.drafts[k].model.repo_id) / 1500)))
            for k in rivals + unrelated
        ]
        authors = [a for eco in ecosystems for a in eco.authors]
        part = CompactPart(
            seed=seed,
            count=max(1, math.ceil(max(0, models - full_now) / share_now)),
            start=COMPACT_START,
            end=HORIZON,
            anchors=anchors,
            avoid_authors=[*authors, *(rid.split("/")[0] for rid, *_ in UNRELATED_BASES if "/" in rid)],
        )
    return finish(b, "realistic", SYNTHETIC_DEFAULT_NOW, compact=part)
