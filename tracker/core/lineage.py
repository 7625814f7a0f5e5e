"""Pure lineage logic: declared parents from Hub payloads, and ecosystem membership by breadth-first search.

Membership follows the ecosystems-file rules: a model belongs to an ecosystem when a path of
declared parent links leads from it to a root through models the Hub lists; its depth is the
length of the shortest such path; its family is that of the root at the end of the shortest
path, ties going to the family listed first; its relation is its own (`base` for roots).
Merges, cycles, self-references and ghost bases are data here, never errors.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from tracker.core.hub_ids import DEFAULT_RELATION, is_hub_id, relation_of
from tracker.core.records import Membership


def declared_parents(base_models: object, tags: Sequence[str]) -> tuple[object, list[str]]:
    """(relation, parent ids) as declared, unchecked: from `baseModels` (any of its seen shapes), else from
    `base_model:` tags. The doors check them (`tracker.core.hub_ids`) before `parse_parents` keeps them."""
    relation: object = None
    ids: list[str] = []
    if isinstance(base_models, dict):
        relation = base_models.get("relation") or None
        models = base_models.get("models") or []
    elif isinstance(base_models, list):
        models = base_models
    else:
        models = []
    for entry in models if isinstance(models, list) else ():
        if isinstance(entry, dict) and isinstance(entry.get("id"), str):
            ids.append(entry["id"])
        elif isinstance(entry, str):
            ids.append(entry)
    if not ids or relation is None:
        tag_relation, tag_ids = _parents_from_tags(tags)
        relation = relation or tag_relation
        ids = ids or tag_ids
    return relation, ids


def parse_parents(
    base_models: object, tags: Sequence[str], model_id: str
) -> tuple[str | None, tuple[str, ...]]:
    """(relation, parent ids) from `baseModels` (any of its seen shapes), else from `base_model:` tags.

    Self-references are dropped; parents keep the Hub's order, without duplicates (case-insensitive). Only
    Hub ids are kept (the doors refuse a row naming another; this holds whatever way a record came in). The
    relation is one of the Hub's four, `unknown` for another, `finetune` when none is declared.
    """
    relation, ids = declared_parents(base_models, tags)
    seen = {model_id.lower()}
    parents = []
    for pid in ids:
        if is_hub_id(pid) and pid.lower() not in seen:
            seen.add(pid.lower())
            parents.append(pid)
    if not parents:
        return None, ()
    return (DEFAULT_RELATION if relation is None else relation_of(relation)), tuple(parents)


def parse_children_count(value: object) -> tuple[int | None, tuple[tuple[str, int], ...] | None]:
    """(total, counts by relation) from `childrenModelCount` in any of its seen shapes.

    An integer (a lenient Hub's listings, older answers) is the total alone; an object of counts by
    relation (the real Hub's `model_info`: `{"adapter": 716, "merge": 19, ...}`) sums to the total and is
    kept as (relation, count) pairs in the Hub's order, a relation the Hub does not define summed as
    `unknown`. Absent or unreadable: (None, None), which a crawl reads as "not known", never as "no
    children".
    """
    if isinstance(value, bool):
        return None, None
    if isinstance(value, int):
        return max(0, value), None
    if isinstance(value, dict):
        counts: dict[str, int] = {}
        for k, v in value.items():
            if not isinstance(v, int) or isinstance(v, bool) or v < 0:
                return None, None
            relation = relation_of(k)
            counts[relation] = counts.get(relation, 0) + v
        return sum(counts.values()), tuple(counts.items())
    return None, None


def _parents_from_tags(tags: Sequence[str]) -> tuple[str | None, list[str]]:
    """`base_model:<relation>:<parent>` (an id has no `:`, so what precedes one is a relation, known or
    not), else `base_model:<parent>`."""
    relation = None
    with_relation: list[str] = []
    plain: list[str] = []
    for tag in tags:
        if not isinstance(tag, str) or not tag.startswith("base_model:"):
            continue
        rest = tag[len("base_model:") :]
        head, sep, tail = rest.partition(":")
        if sep:
            relation = relation or head
            with_relation.append(tail)
        else:
            plain.append(rest)
    return relation, with_relation or plain


class Node(Protocol):
    """What the search needs of a model: an `Observation`, or any record with its id and relation."""

    @property
    def model_id(self) -> str: ...

    @property
    def relation(self) -> str | None: ...


@dataclass(frozen=True, slots=True)
class Root:
    """A root of an ecosystem as found on the Hub: its record and the rank of its family (file order)."""

    observation: Node
    rank: int


def members(
    roots: Sequence[Root],
    children_of: Callable[[Sequence[Node]], Mapping[str, Sequence[Node]]],
) -> Iterator[list[tuple[Node, int, int]]]:
    """Breadth-first from the roots, one level at a time: lists of (record, depth, family rank).

    `children_of(parents)` returns, for each parent id (as given), its listed children. A level is
    yielded once all its members' depths and families are final, so a caller may store it at once.
    """
    found: dict[str, tuple[int, int]] = {}
    level: dict[str, tuple[Node, int]] = {}
    for root in roots:
        key = root.observation.model_id.lower()
        if key not in level or root.rank < level[key][1]:
            level[key] = (root.observation, root.rank)
    depth = 0
    while level:
        places: dict[int, tuple[int, int]] = {}  # one (depth, rank) tuple per rank, not one per model
        for key, (_, rank) in level.items():
            found[key] = places.setdefault(rank, (depth, rank))
        yield [(obs, depth, rank) for obs, rank in level.values()]
        kids = children_of([obs for obs, _ in level.values()])
        nxt: dict[str, tuple[Node, int]] = {}
        for obs, rank in level.values():
            own = obs.model_id.lower()
            for child in kids.get(obs.model_id, ()):
                key = child.model_id.lower()
                if key == own or key in found:
                    continue
                if key not in nxt or rank < nxt[key][1]:
                    nxt[key] = (child, rank)
        level, depth = nxt, depth + 1


def membership_rows(
    ecosystem: str, family_names: Sequence[str], level: Iterable[tuple[Node, int, int]]
) -> list[Membership]:
    """Membership records of one level (roots are `base`, others their own relation)."""
    rows = []
    for obs, depth, rank in level:
        relation = "base" if depth == 0 else (obs.relation or DEFAULT_RELATION)
        rows.append(Membership(ecosystem, obs.model_id, family_names[rank], relation, depth))  # type: ignore[arg-type]
    return rows
