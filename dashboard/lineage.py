"""Lineage walks for the explorer (pure): a model's subtree, its path to a root, its direct children."""

from __future__ import annotations

from collections import deque

import pandas as pd


def subtree(model_id: str, edges: pd.DataFrame, *, limit: int = 5000) -> dict[str, int]:
    """Every descendant of `model_id` (itself included) with its distance from it, breadth first."""
    children: dict[str, list[str]] = {}
    for child, parent in zip(edges["child_id"], edges["parent_id"], strict=True):
        children.setdefault(parent.lower(), []).append(child)
    seen = {model_id.lower(): 0}
    found = {model_id: 0}
    queue = deque([model_id])
    while queue and len(found) < limit:
        node = queue.popleft()
        for child in children.get(node.lower(), ()):
            if child.lower() not in seen:
                seen[child.lower()] = seen[node.lower()] + 1
                found[child] = seen[child.lower()]
                queue.append(child)
    return found


def path_to_root(model_id: str, edges: pd.DataFrame, depth_of: dict[str, int]) -> list[str]:
    """From the model up to a root (depth 0), through the parent of least depth at each step."""
    parents: dict[str, list[str]] = {}
    for child, parent in zip(edges["child_id"], edges["parent_id"], strict=True):
        parents.setdefault(child.lower(), []).append(parent)
    path, node, seen = [model_id], model_id, {model_id.lower()}
    while depth_of.get(node, 0) > 0:
        known = [p for p in parents.get(node.lower(), ()) if p in depth_of and p.lower() not in seen]
        if not known:
            break
        node = min(known, key=lambda p: (depth_of[p], p))
        seen.add(node.lower())
        path.append(node)
    return path


def children(model_id: str, edges: pd.DataFrame) -> pd.DataFrame:
    """The direct children of a model: child_id, relation."""
    rows = edges[edges["parent_id"].str.lower() == model_id.lower()]
    return (
        rows[["child_id", "relation"]]
        .drop_duplicates()
        .sort_values(["relation", "child_id"], ignore_index=True)
    )
