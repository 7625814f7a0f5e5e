"""The whole Hub's declared-lineage forest at family granularity (pure logic, on arrays).

DESIGN.md, "The whole Hub": a **base** is a listed model that declares no parent other than itself and
has at least one derivative; a **derivative** of a base is a listed model, other than the base, with a
path of declared parent links to it through listed models. A merge of two families is a derivative of
each; Hub-wide totals count it once.

The cost model (2.2 million models a week, from a scan's pages or an archive file's rows): no Python
object per model. The caller numbers the listed models 0..n-1 and hands over flat arrays (`Listing`):
its links between listed models (a link to a model the Hub does not list is dropped by the caller, and
only `has_parent` remembers it: such a model is not a base), and each model's relation and downloads.
The bases' descendants are found for all bases at once, level by level: a level is a pair array
(model, base), its children found through the links sorted by parent (one `repeat` and one `take` per
level), pairs already reached dropped (multiple paths, merges within one family, cycles). Memory is a
few arrays of the links' and the pairs' length (about 10^6 at the real Hub's size), never a set per base.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# A model's own relation, as a small code; the order of the `bases` export's relation columns.
RELATIONS = ("finetune", "adapter", "quantized", "merge")
OTHER = len(RELATIONS)  # any other relation, or none said


def relation_code(relation: str | None) -> int:
    """A relation's code in `RELATIONS`; `OTHER` for any other (or none)."""
    try:
        return RELATIONS.index(relation) if relation else OTHER
    except ValueError:
        return OTHER


@dataclass(frozen=True)
class Listing:
    """What a run read of the whole Hub, as arrays over the listed models numbered 0..n-1.

    Attributes:
        child, parent: the declared links between two listed models (self-links excluded), as numbers.
        has_parent: whether each model declares a parent other than itself, listed or not.
        relation: each model's relation code (`relation_code`).
        downloads_30d, downloads_all_time: as the Hub gave them; -1 where it gave none.
    """

    child: np.ndarray
    parent: np.ndarray
    has_parent: np.ndarray
    relation: np.ndarray
    downloads_30d: np.ndarray
    downloads_all_time: np.ndarray

    @property
    def size(self) -> int:
        return len(self.has_parent)


@dataclass(frozen=True)
class Forest:
    """The bases of a listing and their derivatives.

    Attributes:
        bases: the bases' numbers in the listing, ascending.
        node, base: every (derivative, base) pair once: the derivative's number, the base's position in
            `bases`; sorted by base, then derivative.
        derivatives: each base's distinct derivatives.
        by_relation: each base's derivatives by their own relation, one column per `RELATIONS` entry.
        derivative_downloads_30d: each base's derivatives' 30-day downloads summed (unknown ones as 0).
        hub_derivatives: listed models with a path to some base, each once.
    """

    bases: np.ndarray
    node: np.ndarray
    base: np.ndarray
    derivatives: np.ndarray
    by_relation: np.ndarray
    derivative_downloads_30d: np.ndarray
    hub_derivatives: int


def grow(listing: Listing) -> Forest:
    """The listing's bases and every (derivative, base) pair, with each base's figures."""
    child = np.asarray(listing.child, np.int64)
    parent = np.asarray(listing.parent, np.int64)
    keep = child != parent
    if not keep.all():
        child, parent = child[keep], parent[keep]
    del keep
    # The links sorted by parent, and the parents once each with the range of their children: arrays of
    # the links' length, never of the Hub's (most listed models are nobody's parent).
    order = np.argsort(parent, kind="stable")
    kids = child[order]
    parent = parent[order]
    del order, child
    parents, start = np.unique(parent, return_index=True)
    del parent
    start = np.append(start, len(kids))
    bases = parents[~np.asarray(listing.has_parent, bool)[parents]]
    width = max(len(bases), 1)
    levels: list[np.ndarray] = []  # each level's pair keys (node * width + base), sorted
    node, base = bases, np.arange(len(bases), dtype=np.int64)
    while len(node):
        # The level's nodes that are parents, and where their children start in `kids`.
        at = np.searchsorted(parents, node)
        at[at == len(parents)] = 0
        found = parents[at] == node
        at, base = at[found], base[found]
        counts = start[at + 1] - start[at]
        total = int(counts.sum())
        if not total:
            break
        # The children of every pair of the level at once: the ranges start[at]..start[at+1] of `kids`.
        reached = kids[ranges(start[at], counts)]
        keys = np.unique(reached * width + np.repeat(base, counts))
        del reached
        for seen in levels:  # pairs met at an earlier level (another path, a cycle) are not new
            if len(keys):
                keys = keys[~_in_sorted(keys, seen)]
        if not len(keys):
            break
        levels.append(keys)
        node, base = keys // width, keys % width
    keys = np.concatenate(levels) if levels else np.zeros(0, np.int64)
    del levels
    pair_node, pair_base = keys // width, keys % width
    del keys
    order = np.lexsort((pair_node, pair_base))
    pair_node, pair_base = pair_node[order], pair_base[order]
    del order
    nb = len(bases)
    relation = np.asarray(listing.relation, np.int64)[pair_node]
    by_relation = np.bincount(pair_base * (OTHER + 1) + relation, minlength=nb * (OTHER + 1))
    downloads = np.maximum(np.asarray(listing.downloads_30d, np.int64)[pair_node], 0)
    return Forest(
        bases=bases,
        node=pair_node,
        base=pair_base,
        derivatives=np.bincount(pair_base, minlength=nb),
        by_relation=by_relation.reshape(nb, OTHER + 1)[:, :OTHER],
        derivative_downloads_30d=_sums(pair_base, downloads, nb),
        hub_derivatives=len(np.unique(pair_node)),
    )


def ranges(start: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """The positions start[i] .. start[i] + counts[i] - 1 of every i, one after the other: the items of
    many ranges at once (a level's children, a pair's groups), without a Python loop."""
    counts = np.asarray(counts, np.int64)
    ends = np.cumsum(counts)
    within = np.arange(int(ends[-1]) if len(ends) else 0, dtype=np.int64) - np.repeat(ends - counts, counts)
    return np.repeat(np.asarray(start, np.int64), counts) + within


def _in_sorted(values: np.ndarray, sorted_values: np.ndarray) -> np.ndarray:
    """Whether each of `values` is in `sorted_values` (ascending), by binary search."""
    at = np.searchsorted(sorted_values, values)
    at[at == len(sorted_values)] = 0
    return sorted_values[at] == values if len(sorted_values) else np.zeros(len(values), bool)


def _sums(groups: np.ndarray, values: np.ndarray, size: int) -> np.ndarray:
    """Integer sums of `values` by group (exact: no float)."""
    out = np.zeros(size, np.int64)
    np.add.at(out, groups, values)
    return out


@dataclass(frozen=True)
class Groups:
    """Figures of groups of bases (ecosystems, organisations, regions), each derivative once per group.

    Attributes:
        bases: each group's bases.
        derivatives, by_relation, derivative_downloads_30d: as for a base, over the group's bases.
    """

    bases: np.ndarray
    derivatives: np.ndarray
    by_relation: np.ndarray
    derivative_downloads_30d: np.ndarray


def group(
    forest: Forest, listing: Listing, member_base: np.ndarray, member_group: np.ndarray, size: int
) -> Groups:
    """Figures of `size` groups, a base belonging to the groups given as (base position, group) pairs."""
    member_base = np.asarray(member_base, np.int64)
    member_group = np.asarray(member_group, np.int64)
    order = np.argsort(member_base, kind="stable")
    member_base, member_group = member_base[order], member_group[order]
    nb = len(forest.bases)
    per_base = np.bincount(member_base, minlength=nb)
    start = np.zeros(nb + 1, np.int64)
    np.cumsum(per_base, out=start[1:])
    counts = per_base[forest.base]
    groups = member_group[ranges(start[forest.base], counts)]
    nodes = np.repeat(forest.node, counts)
    keys = np.unique(groups * max(listing.size, 1) + nodes)
    g, node = keys // max(listing.size, 1), keys % max(listing.size, 1)
    relation = np.asarray(listing.relation, np.int64)[node]
    by_relation = np.bincount(g * (OTHER + 1) + relation, minlength=size * (OTHER + 1))
    downloads = np.maximum(np.asarray(listing.downloads_30d, np.int64)[node], 0)
    return Groups(
        bases=np.bincount(member_group, minlength=size),
        derivatives=np.bincount(g, minlength=size),
        by_relation=by_relation.reshape(size, OTHER + 1)[:, :OTHER],
        derivative_downloads_30d=_sums(g, downloads, size),
    )
