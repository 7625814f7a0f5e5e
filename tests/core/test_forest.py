"""The whole-Hub forest on literal listings: bases, pairs, figures, groups, and new pairs by hash."""

from __future__ import annotations

import numpy as np
import pytest

from tracker.core.forest import Listing, group, grow, relation_code
from tracker.core.forest_sets import decode, encode, id_hashes, new_counts, pairs

# 0 base A, 1 base B, 2 ft of A, 3 adapter of 2, 4 merge of 2 and B, 5 quantized of 4,
# 6 declares an unlisted parent (not a base), 7 child of 6 (derivative of nothing),
# 8 and 9: a cycle (8 declares 9, 9 declares 8), 10 child of 8; 11 alone (no child: not a base),
# 12 names itself only (a base: its child 13), 13 ft of 12.
LINKS = [(2, 0), (3, 2), (4, 2), (4, 1), (5, 4), (7, 6), (8, 9), (9, 8), (10, 8), (13, 12)]
RELATIONS = [
    "base",
    "base",
    "finetune",
    "adapter",
    "merge",
    "quantized",
    "finetune",
    "finetune",
    "finetune",
    "finetune",
    "finetune",
    None,
    None,
    "finetune",
]
HAS_PARENT = [False, False, True, True, True, True, True, True, True, True, True, False, False, True]
D30 = [100, 50, 10, 3, 7, 20, 1, 1, 1, 1, 1, 5, 9, -1]


def listing() -> Listing:
    child, parent = zip(*LINKS, strict=True)
    return Listing(
        child=np.array(child),
        parent=np.array(parent),
        has_parent=np.array(HAS_PARENT),
        relation=np.array([relation_code(r) for r in RELATIONS], np.int8),
        downloads_30d=np.array(D30),
        downloads_all_time=np.array([x * 10 for x in D30]),
    )


def test_bases_their_derivatives_and_figures() -> None:
    forest = grow(listing())
    assert forest.bases.tolist() == [0, 1, 12]
    pairs_found = sorted(zip(forest.node.tolist(), forest.base.tolist(), strict=True))
    assert pairs_found == [(2, 0), (3, 0), (4, 0), (4, 1), (5, 0), (5, 1), (13, 2)]
    assert forest.derivatives.tolist() == [4, 2, 1]
    # finetune, adapter, quantized, merge
    assert forest.by_relation.tolist() == [[1, 1, 1, 1], [0, 0, 1, 1], [1, 0, 0, 0]]
    assert forest.derivative_downloads_30d.tolist() == [10 + 3 + 7 + 20, 7 + 20, 0]
    assert forest.hub_derivatives == 5  # the merge and its quantization once


def test_a_chain_with_two_paths_and_a_cycle_below_a_base_ends() -> None:
    # 0 base; 1 and 2 its children; 3 child of 1 and 2; 4 and 5 a cycle under 3.
    links = [(1, 0), (2, 0), (3, 1), (3, 2), (4, 3), (5, 4), (4, 5)]
    child, parent = zip(*links, strict=True)
    forest = grow(
        Listing(
            child=np.array(child),
            parent=np.array(parent),
            has_parent=np.array([False] + [True] * 5),
            relation=np.zeros(6, np.int8),
            downloads_30d=np.ones(6, np.int64),
            downloads_all_time=np.ones(6, np.int64),
        )
    )
    assert forest.derivatives.tolist() == [5]
    assert forest.derivative_downloads_30d.tolist() == [5]


def test_groups_count_a_derivative_once() -> None:
    data = listing()
    forest = grow(data)
    # group 0: bases A and B (one organisation); group 1: base B; group 2: the self-naming base.
    g = group(forest, data, np.array([0, 1, 1, 2]), np.array([0, 0, 1, 2]), 3)
    assert g.bases.tolist() == [2, 1, 1]
    assert g.derivatives.tolist() == [4, 2, 1]
    assert g.derivative_downloads_30d.tolist() == [40, 27, 0]


def test_stored_pairs_round_trip_and_refuse_garbage() -> None:
    hashes = id_hashes(["a/b", "A/B", "c/d"])
    assert hashes[0] == hashes[1] != hashes[2]
    value = encode(hashes, np.array([0, 1, 2]))
    back, relations = decode(value)
    assert back.tolist() == hashes.tolist()
    assert relations.tolist() == [0, 1, 2]
    with pytest.raises(ValueError, match="not a stored set"):
        decode(b"nonsense")


def test_new_pairs_per_owner_and_by_relation() -> None:
    owners = id_hashes(["base/a", "base/b"])
    before = pairs(owners, np.array([0, 0, 1]), id_hashes(["x/1", "x/2", "x/1"]), np.array([0, 1, 0]))
    now = pairs(
        owners,
        np.array([0, 0, 0, 1, 1]),
        id_hashes(["x/1", "x/2", "x/3", "x/1", "x/2"]),
        np.array([0, 1, 2, 0, 1]),
    )
    fresh, by_relation = new_counts(now, before, 2)
    assert fresh.tolist() == [1, 1]  # x/3 is new to a; x/2 is new to b (it was a's only)
    assert by_relation.tolist() == [[0, 0, 1, 0], [0, 1, 0, 0]]
