"""A run's whole-Hub view as rows: one per base, one per group of bases, the Hub-wide totals, and the
pairs that later runs compare with (pure logic over `tracker.core.forest`).

Groups: each tracked ecosystem (the bases among its roots: listed root ids, its authors' models), each
organisation and each region (`tracker.core.organisations`: a namespace not in the file is its own
organisation, region `unknown`). A derivative counts once in a group however many of its bases it
descends from.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from tracker.core.ecosystems import Ecosystem
from tracker.core.forest import Forest, Listing, group
from tracker.core.forest_sets import encode

KINDS = ("ecosystem", "organisation", "region")


class OrganisationsLike(Protocol):
    def of(self, namespace: str) -> tuple[str, str]: ...


@dataclass(frozen=True)
class BaseRow:
    """A base's figures in one run (the `bases` export's columns; `position`: its place in the pairs)."""

    base_id: str
    position: int
    hub_oid: str | None
    author: str
    organisation: str
    region: str
    derivatives: int
    finetunes: int
    adapters: int
    quantizations: int
    merges: int
    downloads_30d: int | None
    downloads_all_time: int | None
    derivative_downloads_30d: int
    ecosystems: str


@dataclass(frozen=True)
class GroupRow:
    """A group's figures in one run (new ones come later, from the stored pairs)."""

    kind: str
    name: str
    bases: int
    derivatives: int
    finetunes: int
    adapters: int
    quantizations: int
    merges: int
    derivative_downloads_30d: int


@dataclass(frozen=True)
class HubView:
    """Everything a run stores of the whole Hub."""

    models: int
    derivatives: int
    bases: list[BaseRow] = field(default_factory=list)
    groups: list[GroupRow] = field(default_factory=list)
    pairs: bytes = b""


def _known(value: int) -> int | None:
    return int(value) if value >= 0 else None


def view(
    listing: Listing,
    forest: Forest,
    ids_of: Callable[[np.ndarray], list[tuple[str, str | None]]],
    keys_of: Callable[[np.ndarray], np.ndarray],
    organisations: OrganisationsLike,
    ecosystems: Sequence[Ecosystem],
) -> HubView:
    """The rows of a run's view. `ids_of`: the listed models' ids and `_id`s for some of their
    numbers (the bases'), in order; `keys_of`: their lasting keys' hashes for others (the derivatives':
    `tracker.core.forest_sets.model_key`, the `_id`, which a rename keeps)."""
    named = ids_of(forest.bases)
    base_ids = [model_id for model_id, _ in named]
    # The stored order: by lower-case id, so that a run's pairs and rows line up whatever the listing's order.
    order = sorted(range(len(base_ids)), key=lambda i: base_ids[i].lower())
    position = np.empty(len(base_ids), np.int64)
    position[np.asarray(order, np.int64)] = np.arange(len(order))
    roots = [({r.lower() for r in eco.root_ids}, {a.lower() for a in eco.authors}) for eco in ecosystems]
    rows: list[BaseRow] = []
    members: dict[tuple[str, str], list[int]] = {}
    for i in order:
        base_id = base_ids[i]
        author = base_id.split("/", 1)[0] if "/" in base_id else base_id
        organisation, region = organisations.of(author)
        key, namespace = base_id.lower(), author.lower()
        tracked = [
            e.name
            for e, (ids, authors) in zip(ecosystems, roots, strict=True)
            if key in ids or namespace in authors
        ]
        for kind, name in (
            ("organisation", organisation),
            ("region", region),
            *(("ecosystem", e) for e in tracked),
        ):
            members.setdefault((kind, name), []).append(i)
        r = forest.by_relation[i]
        base = int(forest.bases[i])
        rows.append(
            BaseRow(
                base_id=base_id,
                position=int(position[i]),
                hub_oid=named[i][1],
                author=author,
                organisation=organisation,
                region=region,
                derivatives=int(forest.derivatives[i]),
                finetunes=int(r[0]),
                adapters=int(r[1]),
                quantizations=int(r[2]),
                merges=int(r[3]),
                downloads_30d=_known(int(listing.downloads_30d[base])),
                downloads_all_time=_known(int(listing.downloads_all_time[base])),
                derivative_downloads_30d=int(forest.derivative_downloads_30d[i]),
                ecosystems=";".join(tracked),
            )
        )
    return HubView(
        models=listing.size,
        derivatives=forest.hub_derivatives,
        bases=rows,
        groups=_groups(listing, forest, members),
        pairs=_pairs(listing, forest, keys_of, position),
    )


def _groups(listing: Listing, forest: Forest, members: dict[tuple[str, str], list[int]]) -> list[GroupRow]:
    """Each group's figures, one kind at a time (a kind's pairs are the forest's pairs once per group of
    their base: an organisation or a region holds each base once; only ecosystems can hold it twice)."""
    rows: list[GroupRow] = []
    for kind in KINDS:
        names = sorted(name for k, name in members if k == kind)
        if not names:
            continue
        lists = [np.asarray(members[(kind, name)], np.int64) for name in names]
        member_base = np.concatenate(lists)
        member_group = np.repeat(np.arange(len(names)), [len(m) for m in lists])
        g = group(forest, listing, member_base, member_group, len(names))
        rows += [
            GroupRow(
                kind,
                name,
                int(g.bases[j]),
                int(g.derivatives[j]),
                *map(int, g.by_relation[j]),
                int(g.derivative_downloads_30d[j]),
            )
            for j, name in enumerate(names)
        ]
        del g
    return sorted(rows, key=lambda r: (r.kind, r.name))


def _pairs(
    listing: Listing, forest: Forest, keys_of: Callable[[np.ndarray], np.ndarray], position: np.ndarray
) -> bytes:
    """The pairs in the bases' stored order, each base's derivatives as their keys' hashes."""
    nodes, back = np.unique(forest.node, return_inverse=True)
    hashes = np.asarray(keys_of(nodes), np.uint64)[back] if len(nodes) else np.zeros(0, np.uint64)
    order = np.lexsort((hashes, position[forest.base])) if len(hashes) else np.zeros(0, np.int64)
    return encode(hashes[order], np.asarray(listing.relation, np.int64)[forest.node[order]])
