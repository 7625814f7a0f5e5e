"""The lineage explorer's tree: a subtree laid out as an icicle, each model drawn inside its parent's span.

Pure logic (frame in, frame out). The chosen model spans the whole width, and its descendants share that
width in proportion to their subtree sizes (its own downloads are not drawn: a base model's own would
leave its whole lineage a sliver); further down, each child takes a span inside its parent's in
proportion to its share of the parent's subtree size, and what is left of a parent's span is its own
share (and its children too small to draw). The sizes come precomputed with the
run (`tracker.core.lineage_index`: 30-day downloads, or models), a merge's shared among its parents: a merge
is drawn under each of its parents, with 1/k of its subtree under each of its k, so every model counts
once in the widths. A declared cycle is cut where the walk meets a model already above it.

What is drawn is bounded: at most `MAX_NODES` spans, widest first (a child is never wider than its
parent, so what is drawn hangs together), none narrower than `MIN_SHARE` of the width (a quarter of a pixel
at 1,000 px: nothing a reader could see or point at, and sized by downloads most of the 1,500 widest are
that narrow), no deeper than `MAX_DEPTH` links; the rest is counted.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

import pandas as pd

from tracker.core.lineage_index import SEPARATOR
from tracker.read.explorer import TREE_SIZES

SIZES = tuple(TREE_SIZES)  # downloads, models
MAX_NODES = 1_500
MAX_DEPTH = 8
FETCH = 2 * MAX_NODES  # the largest descendants read to lay out MAX_NODES spans
MIN_SHARE = 1 / 4_000  # of the width: narrower spans are not drawn (under a pixel up to 4,000 px wide)


@dataclass(frozen=True)
class Tree:
    spans: pd.DataFrame  # one row per drawn span (a merge has one per parent drawn): see `layout`
    models: int  # the models of the subtree, the chosen one included
    drawn: int  # the models drawn at least once

    @property
    def not_drawn(self) -> int:
        return max(self.models - self.drawn, 0)


SPAN_COLUMNS = ["span", "under", "model_id", "parent", "row", "x0", "x1", "share", "parents"]


def layout(
    nodes: pd.DataFrame,
    *,
    size: str = "downloads",
    models: int | None = None,
    max_nodes: int = MAX_NODES,
    max_depth: int = MAX_DEPTH,
    min_share: float = MIN_SHARE,
) -> Tree:
    """Lay out `nodes` (`tracker.read.explorer.load_subtree`: the chosen model first, then its largest
    descendants) as spans; `models`: how many the whole subtree holds (default: the rows given).

    The spans' columns: span (its number, widest first), under (its parent's span; -1 for the chosen
    model's); model_id; parent (the parent it is drawn under; "" for the chosen model); row (links
    below the chosen model in the drawing: a merge under a deeper parent is drawn lower than its
    `level`); x0, x1 (fractions of the width); share (x1 - x0); parents (its tracked parents: over 1, a
    merge drawn under each of those here); and the node's own columns (relation, downloads_30d, likes,
    descendants, level ...).
    """
    if size not in TREE_SIZES:
        raise ValueError(f"size must be one of {', '.join(SIZES)}, not {size!r}")
    count = len(nodes) if models is None else models
    if nodes.empty:
        return Tree(pd.DataFrame(columns=SPAN_COLUMNS), count, 0)
    ids = list(nodes["model_id"])
    root, known = ids[0], set(ids)
    sizes = dict(zip(ids, (float(v) for v in nodes[TREE_SIZES[size]]), strict=True))
    own = 1.0 if size == "models" else float(pd.array(nodes["downloads_30d"], dtype="Int64").fillna(0)[0])
    fanin: dict[str, int] = {}
    children: dict[str, list[str]] = {}
    for model_id, text in zip(ids[1:], nodes["parents"].iloc[1:], strict=True):
        parents = text.split(SEPARATOR) if text else []
        fanin[model_id] = max(len(parents), 1)
        for parent in parents:
            if parent in known and parent != model_id:
                children.setdefault(parent, []).append(model_id)
    spans = _spans(root, children, sizes, fanin, max_nodes, max_depth, sizes[root] - own, min_share)
    frame = pd.DataFrame(spans, columns=SPAN_COLUMNS)
    frame = frame.join(nodes.set_index("model_id").drop(columns=["parents"]), on="model_id")
    return Tree(spans=frame, models=count, drawn=int(frame["model_id"].nunique()))


def _spans(
    root: str,
    children: dict[str, list[str]],
    sizes: dict[str, float],
    fanin: dict[str, int],
    max_nodes: int,
    max_depth: int,
    below: float,
    min_share: float = 0.0,
) -> list[tuple]:
    """The widest `max_nodes` spans no deeper than `max_depth` nor narrower than `min_share` (the chosen
    model's always drawn), each child inside its parent's span; the chosen model's descendants (`below`:
    their size) share the whole width between them."""
    if below <= 0:
        return []
    spans: list[tuple] = []
    heap = [(-1.0, 0, root, "", -1, (root,), 0.0)]  # (-width, tie, model, parent, its span, path, x0)
    tie = 1
    while heap and len(spans) < max_nodes:
        negative, _, node, parent, under, path, x0 = heapq.heappop(heap)
        width, span = -negative, len(spans)
        if width < min_share and spans:  # the widest left is too narrow to see: so are all the others
            break
        spans.append((span, under, node, parent, len(path) - 1, x0, x0 + width, width, fanin.get(node, 0)))
        if len(path) > max_depth or sizes[node] <= 0:
            continue
        scale = width / (below if node == root and len(path) == 1 else sizes[node])
        shares = sorted(
            ((sizes[c] / fanin[c] * scale, c) for c in children.get(node, ()) if c not in path),
            key=lambda item: (-item[0], item[1]),
        )
        at, end = x0, x0 + width
        for share, child in shares:
            share = min(share, end - at)  # a cycle's links can claim more than the span holds
            if share <= 0:
                break
            heapq.heappush(heap, (-share, tie, child, node, span, (*path, child), at))
            tie += 1
            at += share
    return spans
