"""The cost model `--strategy auto` weighs (`tracker.strategy`), on hand-made forests."""

from __future__ import annotations

import math

import pytest

from tracker import strategy
from tracker.records import Forest


def test_pages_for_one_model() -> None:
    assert strategy.pages(0, count_known=True) == 0  # the Hub said none: no request
    assert strategy.pages(0, count_known=False) == 1  # a leaf the Hub did not say is a leaf
    assert strategy.pages(1000, count_known=False) == 1
    assert strategy.pages(1001, count_known=True) == 2


# Two roots (none and 1,500 children); ten others, of which two have children (3 and 2,000).
FOREST = Forest(run_id=7, root_children=(0, 1500), other_children=(3, 2000), others=10)


def test_a_recorded_forest_under_the_real_rules_costs_a_listing_per_member() -> None:
    estimate = strategy.tree_from_forest(FOREST, lookups=5, counts_on_listings=False)
    # 5 lookups, the roots' 0 + 2 pages, the two parents' 1 + 2, and one listing for each of 8 leaves
    assert estimate.requests == 5 + 2 + 3 + 8
    assert "run 7's 12 models, 3 with children" in estimate.basis
    assert "every member listed" in estimate.basis


def test_child_counts_on_listings_spare_the_leaves() -> None:
    estimate = strategy.tree_from_forest(FOREST, lookups=5, counts_on_listings=True)
    assert estimate.requests == 5 + 2 + 3
    assert "leaves spared" in estimate.basis


def test_without_a_forest_the_roots_children_grow_by_the_depth_factor() -> None:
    real = strategy.tree_from_roots([1000, 0, None], lookups=3, counts_on_listings=False)
    below = 1000 * strategy.DEPTH_FACTOR
    # 3 lookups, pages 1 + 0, one for the root whose count is unknown, then one per derivative
    assert real.requests == 3 + 1 + 1 + math.ceil(below)
    lenient = strategy.tree_from_roots([1000, 0, None], lookups=3, counts_on_listings=True)
    assert lenient.requests == 3 + 1 + 1 + math.ceil(below * strategy.INTERNAL_SHARE)
    assert "3 roots with 1,000 children" in real.basis


def test_the_scan_costs_what_the_last_scan_took_else_the_real_hubs_size() -> None:
    assert strategy.scan_cost(2150, 4) == strategy.Estimate(2150, "run 4 scanned this Hub in 2,150")
    assert strategy.scan_cost(None, None).requests == 2200


@pytest.mark.parametrize(("tree", "scan", "choice"), [(10, 20, "tree"), (20, 20, "tree"), (21, 20, "scan")])
def test_the_cheaper_wins(tree: int, scan: int, choice: str) -> None:
    assert strategy.choose(strategy.Estimate(tree, ""), strategy.Estimate(scan, "")) == choice
