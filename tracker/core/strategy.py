"""What `--strategy auto` weighs: the cost of a tree crawl and of a scan, in Hub requests (pure logic).

- tree: one `model_info` lookup per root id and a listing page per author's 1,000 models, then the
  children of each member, one page per 1,000 children; a member the Hub said has no children needs
  none. The real Hub gives `childrenModelCount` on `model_info` only (the roots), never on listings, so
  every other member costs at least one request; a lenient Hub that gives it on listings spares the
  leaves. From a recorded forest (the previous complete run of the same ecosystems) the cost is summed
  member by member; without one, from the roots' child totals grown by `DEPTH_FACTOR`.
- scan: every page of the whole listing, about hub size / 1,000: the previous scan of this endpoint
  took what it took; without one, the real Hub's size.

`auto` takes the scan while it costs at most `VIEW_WORTH` (2) times the tree, for the whole-Hub view it
also records; else the tree.

Several ecosystems: the tree's cost is summed over all of them, each model once. That is what a tree
crawl of several ecosystems does (`tracker.collect.crawl`): it walks them one after the other but looks each
root id up once and lists each model's children once, however many ecosystems hold it; so the
estimate counts distinct root ids (`root_lookups`), the distinct roots' children, and a forest's distinct
members (`tracker.storage.loads.load_forest`). Five ecosystems cost about the sum of their trees; the scan
reads the whole Hub once, for one ecosystem or five.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from tracker.core.ecosystems import Ecosystem
from tracker.core.records import Forest

PAGE = 1000
REAL_HUB_SIZE = 2_200_000  # models on the real Hub (Oct 2025: 2.16 million), for a Hub never scanned
# Measured on the emulator's real catalogue (16 weeks of real Hub lineage, its last week) with the five
# ecosystems of the shipped file, each model once as the crawl lists it (22,436 direct children of the
# 358 distinct roots, 35,971 other members, 7.4% of them with children; Llama alone: 1.29 and 7.2%):
# derivatives at any depth per direct child of a root, and the share of them with children.
DEPTH_FACTOR = 1.60
INTERNAL_SHARE = 0.074
# The whole-Hub view, which only a scan records (every base of the Hub, Llama's share of all new
# derivatives, a new family the week it appears), is worth up to twice a tree's requests: `auto` takes
# the scan while it costs at most this many times the tree. On the real Hub the scan is far cheaper
# anyway (2,150 requests against a tree's 100,000 for Llama alone); the rule matters on a small Hub, where
# the tree of one small ecosystem may cost less than reading every model.
VIEW_WORTH = 2.0


@dataclass(frozen=True)
class Estimate:
    """A strategy's expected requests, and the basis of the figure (one phrase, for the log)."""

    requests: int
    basis: str


def pages(children: int, *, count_known: bool) -> int:
    """Listing requests for a model's children: one per 1,000; one for none, unless the Hub said so."""
    needed = math.ceil(children / PAGE)
    return needed if count_known else max(1, needed)


def root_lookups(ecosystems: Sequence[Ecosystem]) -> int:
    """The requests a tree crawl of these ecosystems makes before listing children: one `model_info` per
    distinct root id (compared case-insensitively: a root of two ecosystems is looked up once), and one
    listing page per author of each ecosystem (a floor: a page holds 1,000 of the author's models)."""
    root_ids = {root.lower() for eco in ecosystems for root in eco.root_ids}
    return len(root_ids) + sum(len(eco.authors) for eco in ecosystems)


def tree_from_forest(forest: Forest, lookups: int, *, counts_on_listings: bool) -> Estimate:
    """A tree crawl of a recorded forest: `lookups` (root ids, author pages), then each member's children."""
    # A model with children costs its pages either way; a leaf costs one listing unless the Hub said so.
    cost = lookups + sum(pages(n, count_known=True) for n in (*forest.root_children, *forest.other_children))
    cost += 0 if counts_on_listings else forest.others - len(forest.other_children)
    internal = len(forest.other_children) + sum(1 for n in forest.root_children if n)
    spared = "leaves spared: listings give child counts" if counts_on_listings else "every member listed"
    return Estimate(
        cost,
        f"run {forest.run_id}'s {len(forest.root_children) + forest.others:,} models, {internal:,} with "
        f"children; {spared}",
    )


def tree_from_roots(
    root_children: Sequence[int | None], lookups: int, *, counts_on_listings: bool
) -> Estimate:
    """A tree crawl never made: from the roots' child totals (`lookups`: the requests that resolved them)."""
    known = [n for n in root_children if n is not None]
    unknown = len(root_children) - len(known)
    direct = sum(known)
    below = direct * DEPTH_FACTOR  # derivatives at every depth
    per_member = INTERNAL_SHARE if counts_on_listings else 1.0
    cost = lookups + sum(pages(n, count_known=True) for n in known) + unknown + math.ceil(below * per_member)
    spared = "those with children listed" if counts_on_listings else "each listed"
    return Estimate(
        cost,
        f"{len(root_children)} roots with {direct:,} children, ~{below:,.0f} derivatives at "
        f"x{DEPTH_FACTOR} for depth, {spared}",
    )


def scan_cost(previous_requests: int | None, previous_run: int | None) -> Estimate:
    """A scan: what this endpoint's previous scan took, else the real Hub's size over the page size."""
    if previous_requests is not None:
        return Estimate(previous_requests, f"run {previous_run} scanned this Hub in {previous_requests:,}")
    return Estimate(math.ceil(REAL_HUB_SIZE / PAGE), f"{REAL_HUB_SIZE:,} models on the real Hub / {PAGE:,}")


def choose(tree: Estimate, scan: Estimate) -> str:
    """The scan while it costs at most `VIEW_WORTH` times the tree (it also records the whole-Hub view),
    else the tree."""
    return "scan" if scan.requests <= VIEW_WORTH * tree.requests else "tree"


def describe(tree: Estimate, scan: Estimate) -> str:
    """Why: both figures with their bases, and the view's weight."""
    return (
        f"tree ~{tree.requests:,} requests ({tree.basis}) vs scan ~{scan.requests:,} ({scan.basis}); "
        f"the scan, which also records the whole-Hub view, is taken up to {VIEW_WORTH:g} x the tree"
    )
