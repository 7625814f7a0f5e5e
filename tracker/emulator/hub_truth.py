"""The whole-Hub view a perfect scan at `t` must record: every base of the declared-lineage forest, with
its derivatives and figures (DESIGN, "The whole Hub: every base, every week").

Computed on the catalogue's internal model (declared parents, children lists, visibility at a clock time)
with sets and one breadth-first search per base, never with the tracker's lineage code nor through the
HTTP API, so the tracker's whole-Hub figures are compared with an independent reading of the rules:

- a **base** at `t` is a model listed at `t` that declares no parent other than itself (a ghost, deleted
  or private parent is still declared) and has at least one derivative;
- a **derivative** of a base is a listed model, other than the base, with a path of declared parent links
  to it through listed models (private, deleted and not-yet-created models break the path; a model naming
  itself is ignored); a merge of two families is a derivative of each, and Hub-wide counts it once;
- a derivative's relation is its own (`HubModel.relation`, what `truth.ground_truth` gives members);
- downloads are `Catalogue.figures` at `t`, what the listing route serves for that model.

Models are told apart by catalogue index, so a renamed model stays itself across clock times; ids are
those the Hub shows at `t`.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from tracker.emulator.catalogue import Catalogue
from tracker.emulator.vocabulary import RELATIONS


@dataclass(frozen=True)
class BaseTruth:
    """One base of the forest at `t`.

    Fields:
        derivatives: distinct derivatives (listed models with a path of listed parent links to the base).
        new_derivatives: derivatives at `t` that were not its derivatives at `before` (all of them when
            it was no base then); None when no `before` was given.
        finetunes, adapters, quantizations, merges: its derivatives counted by their own relation.
        downloads_30d, downloads_all_time: the base's own figures at `t`, as its listing shows them.
        derivative_downloads_30d: its derivatives' 30-day downloads at `t`, summed, each derivative once.
    """

    derivatives: int
    new_derivatives: int | None
    finetunes: int
    adapters: int
    quantizations: int
    merges: int
    downloads_30d: int
    downloads_all_time: int
    derivative_downloads_30d: int


@dataclass(frozen=True)
class HubTruth:
    """The whole-Hub view at `t`.

    Fields:
        models: models listed at `t`.
        derivatives: listed models with a path to some base (a merge of two families counted once).
        new_derivatives: derivatives at `t` that were no derivative of any base at `before`; None without it.
        bases: every base at `t`, by its id at `t`, in id order (case-insensitive).
    """

    models: int
    derivatives: int
    new_derivatives: int | None
    bases: dict[str, BaseTruth]


_RELATION_FIELD = {
    "finetune": "finetunes",
    "adapter": "adapters",
    "quantized": "quantizations",
    "merge": "merges",
}


def declares_a_parent(cat: Catalogue, i: int) -> bool:
    """Whether model `i` declares a base other than itself (ghosts, private and deleted ones included)."""
    if i < len(cat.full):
        return any(p != i for p in cat.full[i].parents)
    # The compact part's declared base, from its array (-1: none), not its generated record: a Hub of
    # realistic size would generate two million records for this one question.
    return int(cat.compact.parent[i - len(cat.full)]) != -1  # type: ignore[union-attr]


def relation_of(cat: Catalogue, i: int) -> str | None:
    """Model `i`'s own relation to its bases, as its tags state it (None when it declares none)."""
    if i < len(cat.full):
        return cat.full[i].relation
    code = int(cat.compact.relation[i - len(cat.full)])  # type: ignore[union-attr]
    return RELATIONS[code] if code >= 0 else None


def derivatives_of(cat: Catalogue, base: int, t: int) -> set[int]:
    """Indexes of the listed models, other than `base`, that reach `base` through listed parent links."""
    if not cat.listed(base, t):
        return set()
    found: set[int] = set()
    todo = deque([base])
    while todo:
        u = todo.popleft()
        for c in cat.children_of(u):
            if c != base and c not in found and cat.listed(c, t):
                found.add(c)
                todo.append(c)
    return found


def forest(cat: Catalogue, t: int) -> dict[int, set[int]]:
    """Every base at `t` (catalogue index) with the indexes of its derivatives."""
    bases: dict[int, set[int]] = {}
    for i in cat.iter_listed(t):
        if declares_a_parent(cat, i):
            continue
        found = derivatives_of(cat, i, t)
        if found:
            bases[i] = found
    return bases


def forest_ids(cat: Catalogue, t: int) -> dict[str, set[str]]:
    """`forest` with the ids the Hub shows at `t`: base id -> its derivatives' ids."""
    return {cat.id_at(b, t): {cat.id_at(d, t) for d in ds} for b, ds in forest(cat, t).items()}


def whole_hub(cat: Catalogue, t: int, before: int | None = None) -> HubTruth:
    """The whole-Hub view a scan at `t` must record; with `before`, new derivatives against that time."""
    now = forest(cat, t)
    then = forest(cat, before) if before is not None else None
    downloads: dict[int, int] = {}

    def downloads_30d(i: int) -> int:
        if i not in downloads:
            downloads[i] = cat.figures(i, t).downloads
        return downloads[i]

    bases: dict[str, BaseTruth] = {}
    for b in sorted(now, key=lambda k: cat.id_at(k, t).lower()):
        ds = now[b]
        counts = dict.fromkeys(_RELATION_FIELD.values(), 0)
        for d in ds:
            field = _RELATION_FIELD.get(relation_of(cat, d) or "")
            if field is not None:
                counts[field] += 1
        own = cat.figures(b, t)
        bases[cat.id_at(b, t)] = BaseTruth(
            derivatives=len(ds),
            new_derivatives=None if then is None else len(ds - then.get(b, set())),
            downloads_30d=own.downloads,
            downloads_all_time=own.downloads_all_time,
            derivative_downloads_30d=sum(downloads_30d(d) for d in ds),
            **counts,
        )
    everyone = set().union(*now.values())
    new = None if then is None else len(everyone - set().union(*then.values()))
    listed = sum(1 for _ in cat.iter_listed(t))
    return HubTruth(models=listed, derivatives=len(everyone), new_derivatives=new, bases=bases)
