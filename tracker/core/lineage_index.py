"""The lineage explorer's index of one run and ecosystem, computed from its members and declared links.

Pure logic: `tracker.storage.rollups` reads the rows and writes `lineage_node` and `lineage_link`
(`tracker.storage.tables`). Links count only between two members of the ecosystem, ids matched in any case
(declared ids differ in case from the Hub's); self-links and cycles are walked safely, no walk goes
deeper than `MAX_DEPTH`. A merge is a descendant of each of its parents, and counted once in each
ancestor's figures.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from tracker.core.records import RELATIONS

MAX_DEPTH = 64  # no walk goes deeper, whatever cycles the declared links hold
SEPARATOR = "\n"  # between the ids of `path` and `parents`
# the descendant's columns copied into each of its links: a subtree is then one read of `lineage_link`
LINK_COPIES = (
    "family",
    "relation",
    "depth",
    "downloads_30d",
    "likes",
    "parents",
    "descendants",
    "tree_downloads",
    "tree_models",
)


@dataclass(frozen=True)
class Index:
    nodes: pd.DataFrame  # one row per member: lineage_node's columns but run_id and ecosystem
    links: pd.DataFrame  # ancestor_id, model_id, level, and the descendant's LINK_COPIES


def build(members: pd.DataFrame, edges: Iterable[tuple[str, str, str]]) -> Index:
    """`members`: model_id, family, relation, depth, downloads_30d, likes (one row per member);
    `edges`: the run's declared links (child_id, parent_id, relation)."""
    ids = list(members["model_id"])
    canonical = {model_id.lower(): model_id for model_id in ids}
    depth = dict(zip(ids, (int(d) for d in members["depth"]), strict=True))
    parents: dict[str, set[str]] = {}
    children: dict[str, dict[str, str]] = {}  # parent -> child -> relation
    for child_id, parent_id, relation in sorted(edges):  # one order whatever the database's
        child, parent = canonical.get(child_id.lower()), canonical.get(parent_id.lower())
        if child is None or parent is None or child == parent:
            continue
        parents.setdefault(child, set()).add(parent)
        children.setdefault(parent, {})[child] = relation

    ancestors, descendants, levels = [], [], []
    for model_id, above in parents.items():
        for ancestor, level in _ancestors(model_id, above, parents).items():
            ancestors.append(ancestor)
            descendants.append(model_id)
            levels.append(level)
    links = pd.DataFrame({"ancestor_id": ancestors, "model_id": descendants, "level": levels})

    recorded = pd.array(members["downloads_30d"], dtype="Int64")  # NA: the Hub did not say
    downloads = pd.Series(recorded.fillna(0).to_numpy("int64"), index=ids)
    below = links.assign(downloads=downloads.reindex(links["model_id"]).to_numpy()).groupby("ancestor_id")
    counted = below["model_id"].size().reindex(ids, fill_value=0)
    summed = below["downloads"].sum().reindex(ids, fill_value=0)

    paths = [_path(model_id, parents, depth) for model_id in ids]
    nodes = members[["model_id", "family", "relation", "depth", "downloads_30d", "likes"]].copy()
    nodes["order_key"] = recorded.fillna(-1).to_numpy("int64")
    nodes["root_id"] = [path[-1] if path else model_id for model_id, path in zip(ids, paths, strict=True)]
    nodes["path"] = [SEPARATOR.join(path) for path in paths]
    nodes["parents"] = [SEPARATOR.join(sorted(parents.get(model_id, ()))) for model_id in ids]
    nodes["children"] = [len(children.get(model_id, ())) for model_id in ids]
    by_relation: dict[str, dict[str, int]] = {relation: {} for relation in RELATIONS}
    for parent, kids in children.items():
        for relation in kids.values():
            counts = by_relation.setdefault(relation, {})
            counts[parent] = counts.get(parent, 0) + 1
    for relation in RELATIONS:
        counts = by_relation[relation]
        nodes[f"children_{relation}"] = [counts.get(model_id, 0) for model_id in ids]
    nodes["descendants"] = counted.to_numpy()
    nodes["subtree_downloads"] = (summed + downloads).to_numpy()
    shares = _shared_sizes(ids, downloads.to_dict(), children, parents)
    nodes["tree_downloads"] = [shares[model_id][0] for model_id in ids]
    nodes["tree_models"] = [shares[model_id][1] for model_id in ids]
    nodes = nodes.reset_index(drop=True)
    copied = nodes.set_index("model_id")[list(LINK_COPIES)].reindex(links["model_id"])
    links = pd.concat([links, copied.reset_index(drop=True)], axis=1)
    return Index(nodes=nodes, links=links)


def _shared_sizes(
    ids: list[str], own: dict[str, int], children: dict[str, dict[str, str]], parents: dict[str, set[str]]
) -> dict[str, tuple[float, float]]:
    """Each model's subtree size, (downloads, models), with a merge shared among its parents: its own
    value (its downloads, or 1) plus, for each child, the child's size over the child's number of tracked
    parents. A subtree's shares then add up to each model counted once, and the explorer draws a child
    inside its parent from these sizes alone. A link that closes a cycle (to a model on the walk's own
    path) adds nothing."""
    size: dict[str, tuple[float, float]] = {}
    on_path: set[str] = set()
    for start in ids:
        if start in size:
            continue
        stack = [(start, iter(children.get(start, ())))]
        on_path.add(start)
        while stack:
            node, pending = stack[-1]
            child = next(pending, None)
            if child is None:
                stack.pop()
                on_path.discard(node)
                downloads, models = float(own[node]), 1.0
                for kid in children.get(node, ()):
                    if kid in size:
                        share = len(parents[kid])
                        downloads += size[kid][0] / share
                        models += size[kid][1] / share
                size[node] = (downloads, models)
                continue
            if child in size or child in on_path:
                continue
            on_path.add(child)
            stack.append((child, iter(children.get(child, ()))))
    return size


def _ancestors(model_id: str, above: set[str], parents: dict[str, set[str]]) -> dict[str, int]:
    """Every ancestor of the model with its fewest links up, breadth first (cycles end the walk)."""
    found: dict[str, int] = {}
    queue = deque((parent, 1) for parent in sorted(above))
    while queue:
        node, level = queue.popleft()
        if node == model_id or node in found:
            continue
        found[node] = level
        if level < MAX_DEPTH:
            queue.extend((parent, level + 1) for parent in parents.get(node, ()) if parent not in found)
    return found


def _path(model_id: str, parents: dict[str, set[str]], depth: dict[str, int]) -> list[str]:
    """From the model's tracked parent of least depth (ties by id) up to a root (depth 0), never the model
    itself nor any id twice: as `tracker.read.queries` walked it in SQL before the index."""
    path: list[str] = []
    seen, node = {model_id}, model_id
    while depth[node] > 0 and len(path) < MAX_DEPTH:
        candidates = [p for p in parents.get(node, ()) if p not in seen]
        if not candidates:
            break
        node = min(candidates, key=lambda p: (depth[p], p))
        seen.add(node)
        path.append(node)
    return path
