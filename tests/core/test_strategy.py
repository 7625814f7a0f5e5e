"""The cost model `--strategy auto` weighs (`tracker.core.strategy`), on hand-made forests."""

from __future__ import annotations

import math

import pytest

from tracker.core import strategy
from tracker.core.ecosystems import Ecosystem, Family, load_ecosystems, select_ecosystems
from tracker.core.records import Forest


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


@pytest.mark.parametrize(
    ("tree", "scan", "choice"), [(10, 21, "tree"), (10, 20, "scan"), (20, 20, "scan"), (21, 20, "scan")]
)
def test_the_scan_wins_up_to_twice_the_tree_for_the_view(tree: int, scan: int, choice: str) -> None:
    assert strategy.choose(strategy.Estimate(tree, ""), strategy.Estimate(scan, "")) == choice


# --- several ecosystems: the tree sums them, each model once; the scan is one pass ----------------


def test_the_roots_lookups_count_every_asked_ecosystem_each_id_once() -> None:
    shipped = select_ecosystems(load_ecosystems(), None)
    assert [eco.name for eco in shipped] == ["llama", "qwen", "mistral", "gemma", "deepseek", "muse"]
    alone = [strategy.root_lookups([eco]) for eco in shipped]
    assert strategy.root_lookups(shipped) == sum(alone)  # no root id is shared by two shipped ecosystems
    assert strategy.root_lookups(shipped[:1]) == len(shipped[0].root_ids) + 2  # Llama's ids, its 2 authors
    assert alone[-1] == 1 + 1  # Muse: its one root, meta-models
    # A root listed by two ecosystems (and in another spelling) is looked up once.
    shared = Family("Shared", ("Qwen/Qwen2.5-7B-Instruct", "a/b"))
    merged = Ecosystem("merged", "merged", True, (), (shared, Family("Own", ("QWEN/qwen2.5-7b-instruct",))))
    assert strategy.root_lookups([shipped[1], merged]) == alone[1] + 1


def test_without_a_forest_five_ecosystems_cost_the_sum_of_their_trees() -> None:
    # Each ecosystem's distinct roots' child counts (the crawl resolves a shared root once).
    roots = {
        "llama": [4000, 2500, 0, None],
        "qwen": [9000, 3000, 1200],
        "mistral": [1500, 600],
        "gemma": [2200, 0],
        "deepseek": [1400, 300, None],
    }
    lookups = {name: len(counts) + 1 for name, counts in roots.items()}
    alone = {
        name: strategy.tree_from_roots(counts, lookups[name], counts_on_listings=False).requests
        for name, counts in roots.items()
    }
    five = strategy.tree_from_roots(
        [n for counts in roots.values() for n in counts], sum(lookups.values()), counts_on_listings=False
    )
    # The same total, to the rounding of each tree's derivatives.
    assert abs(five.requests - sum(alone.values())) <= len(roots)
    assert five.requests > 3 * alone["llama"]  # Llama holds a quarter of these roots' children
    assert "14 roots with 25,700 children" in five.basis
    # The scan reads the whole Hub once: its estimate does not depend on the ecosystems.
    scan = strategy.scan_cost(None, None)
    assert scan.requests == math.ceil(strategy.REAL_HUB_SIZE / strategy.PAGE)
    assert strategy.choose(five, scan) == "scan"
    assert strategy.choose(strategy.tree_from_roots([40], 2, counts_on_listings=False), scan) == "tree"


def test_a_forest_of_five_ecosystems_costs_each_member_once() -> None:
    # What `loads.load_forest` gives for a run of several ecosystems: each distinct model once (a Llama
    # x Qwen merge, a DeepSeek root that is a Llama member), so the forest is the union of the trees.
    llama = Forest(1, root_children=(3000, 0), other_children=(5,), others=3500)
    rivals = Forest(1, root_children=(9000, 1500, 40), other_children=(2000, 7), others=11_000)
    five = Forest(
        1,
        llama.root_children + rivals.root_children,
        llama.other_children + rivals.other_children,
        llama.others + rivals.others,
    )
    cost = {
        f: strategy.tree_from_forest(f, 0, counts_on_listings=False).requests for f in (llama, rivals, five)
    }
    assert cost[five] == cost[llama] + cost[rivals]
    assert cost[five] == (3 + 0 + 1) + (9 + 2 + 1) + (2 + 1) + (3500 - 1) + (11_000 - 2)
