"""Ground truth on literal catalogues with hand-computed answers, then on the synthetic Hub."""

from __future__ import annotations

from collections import Counter

import pytest

from tracker.core.ecosystems import load_ecosystems, parse_ecosystems, select_ecosystems
from tracker.emulator.catalogue import Catalogue
from tracker.emulator.truth import ground_truth
from tracker.emulator.vocabulary import DAY, HubModel, object_id, parse_time

T0 = parse_time("2025-01-01T00:00:00Z")
RENAMED_AT = T0 + 10 * DAY
DELETED_AT = T0 + 40 * DAY
NOW = T0 + 30 * DAY  # after the rename, before the deletion
LATER = T0 + 50 * DAY

ECOSYSTEMS = parse_ecosystems(
    """
[[ecosystem]]
name = "llama"
authors = ["meta-llama"]
  [[ecosystem.family]]
  name = "A"
  roots = ["meta-llama/A-base", "meta-llama/A-old-name"]
  [[ecosystem.family]]
  name = "B"
  roots = ["meta-llama/B-base", "meta-llama/missing"]
  patterns = ["meta-llama/B-*"]

[[ecosystem]]
name = "qwen"
  [[ecosystem.family]]
  name = "Q"
  roots = ["Qwen/Q-base"]
"""
)

# (id, relation, parents by id (a string not defined here is a ghost), extra fields)
ROWS: list[tuple[str, str | None, list[str], dict]] = [
    ("meta-llama/A-base", None, [], {}),
    ("meta-llama/B-base", None, [], {}),
    ("meta-llama/A-new-name", None, [], {"old_id": "meta-llama/A-old-name", "renamed_at": RENAMED_AT}),
    ("meta-llama/B-extra", None, [], {}),
    ("meta-llama/Z-thing", None, [], {}),
    ("Qwen/Q-base", None, [], {}),
    ("u/ft-a", "finetune", ["meta-llama/A-base"], {}),
    ("u/ft-b", "finetune", ["meta-llama/B-base"], {}),
    ("u/merge-ab", "merge", ["u/ft-b", "u/ft-a"], {}),
    ("u/merge-aq", "merge", ["meta-llama/A-base", "Qwen/Q-base"], {}),
    ("u/self", "finetune", ["u/ft-a", "u/self"], {}),
    ("u/cyc-1", "finetune", ["u/ft-b", "u/cyc-2"], {}),
    ("u/cyc-2", "finetune", ["u/cyc-1"], {}),
    ("u/priv", "finetune", ["meta-llama/A-base"], {"private": True}),
    ("u/child-of-priv", "quantized", ["u/priv"], {}),
    ("u/deleted", "finetune", ["meta-llama/A-base"], {"toggles": (DELETED_AT,)}),
    ("u/under-deleted", "adapter", ["u/deleted"], {}),
    ("u/ghosty", "merge", ["u/ft-a", "ghost/none"], {}),
    ("u/short-path", "finetune", ["u/ft-a", "meta-llama/B-base"], {}),
    ("u/below-short", "quantized", ["u/short-path"], {}),
    ("u/via-alias", "adapter", ["meta-llama/A-new-name"], {}),
    ("u/unrelated", None, [], {}),
]
FUTURE = ("u/future", "finetune", ["meta-llama/A-base"], {})


def make_catalogue(rows: list[tuple[str, str | None, list[str], dict]]) -> Catalogue:
    """A catalogue whose `_id` order is the row order (created one hour apart)."""
    index = {row[0]: k for k, row in enumerate(rows)}
    models = []
    for k, (repo_id, relation, parents, extra) in enumerate(rows):
        created = T0 + k * 3600 if repo_id != "u/future" else LATER + DAY
        resolved = tuple(index.get(p, p) for p in parents)
        models.append(
            HubModel(
                oid=object_id(created, k.to_bytes(8, "big")),
                repo_id=repo_id,
                created=created,
                relation=relation,
                parents=resolved,
                **extra,
            )
        )
    return Catalogue("literal", models, NOW)


@pytest.fixture(scope="module")
def literal() -> Catalogue:
    return make_catalogue([*ROWS, FUTURE])


def table(truth, ecosystem: str) -> dict[str, tuple[str, int, str]]:
    return {m.model_id: (m.family, m.depth, m.relation) for m in truth.models if m.ecosystem == ecosystem}


def test_membership_depth_family_relation_by_hand(literal: Catalogue) -> None:
    truth = ground_truth(literal, ECOSYSTEMS, NOW)
    assert table(truth, "llama") == {
        "meta-llama/A-base": ("A", 0, "base"),
        "meta-llama/A-new-name": ("A", 0, "base"),  # listed by its old id, resolved through the rename
        "meta-llama/B-base": ("B", 0, "base"),
        "meta-llama/B-extra": ("B", 0, "base"),  # an author root, family by pattern
        "meta-llama/Z-thing": ("Other", 0, "base"),  # an author root matching no family
        "u/ft-a": ("A", 1, "finetune"),
        "u/ft-b": ("B", 1, "finetune"),
        "u/merge-ab": ("A", 2, "merge"),  # two shortest paths: the family listed first wins
        "u/merge-aq": ("A", 1, "merge"),
        "u/self": ("A", 2, "finetune"),  # naming itself changes nothing
        "u/cyc-1": ("B", 2, "finetune"),
        "u/cyc-2": ("B", 3, "finetune"),
        "u/deleted": ("A", 1, "finetune"),
        "u/under-deleted": ("A", 2, "adapter"),
        "u/ghosty": ("A", 2, "merge"),
        "u/short-path": ("B", 1, "finetune"),  # the shortest path decides, not the family order
        "u/below-short": ("B", 2, "quantized"),
        "u/via-alias": ("A", 1, "adapter"),
    }
    assert table(truth, "qwen") == {"Qwen/Q-base": ("Q", 0, "base"), "u/merge-aq": ("Q", 1, "merge")}
    assert truth.missing_roots == ("meta-llama/missing",)


def test_edges_keep_ghosts_and_drop_self_links(literal: Catalogue) -> None:
    truth = ground_truth(literal, ECOSYSTEMS, NOW)
    edges = {(e.child_id, e.parent_id, e.relation) for e in truth.edges}
    assert ("u/ghosty", "ghost/none", "merge") in edges
    assert ("u/self", "u/ft-a", "finetune") in edges
    assert not any(c == p for c, p, _ in edges)
    assert ("u/cyc-2", "u/cyc-1", "finetune") in edges
    assert ("u/cyc-1", "u/cyc-2", "finetune") in edges
    assert ("u/via-alias", "meta-llama/A-new-name", "adapter") in edges  # tags name the current id
    # A merge tracked in two ecosystems has its edges once.
    assert Counter(c for c, _, _ in edges)["u/merge-aq"] == 2
    assert not any(c in ("u/child-of-priv", "u/priv", "u/unrelated") for c, _, _ in edges)


def test_clock_breaks_paths_and_hides_renames(literal: Catalogue) -> None:
    later = table(ground_truth(literal, ECOSYSTEMS, LATER), "llama")
    assert "u/deleted" not in later
    assert "u/under-deleted" not in later
    before_rename = table(ground_truth(literal, ECOSYSTEMS, T0 + 5 * DAY), "llama")
    # Before the rename the root is found under its old id (the new one does not exist yet).
    assert before_rename["meta-llama/A-old-name"] == ("A", 0, "base")
    assert "meta-llama/A-new-name" not in before_rename
    assert "u/future" not in later
    assert table(ground_truth(literal, ECOSYSTEMS, LATER + 2 * DAY), "llama")["u/future"] == (
        "A",
        1,
        "finetune",
    )


def test_figures_are_the_catalogue_figures(literal: Catalogue) -> None:
    truth = ground_truth(literal, ECOSYSTEMS, NOW)
    for m in truth.models:
        f = literal.figures(literal.index_of(m.model_id), NOW)
        assert (m.downloads_30d, m.downloads_all_time, m.likes, m.trending_score) == (
            f.downloads,
            f.downloads_all_time,
            f.likes,
            f.trending_score,
        )


def test_synthetic_truth_has_the_promised_shape(catalogue: Catalogue) -> None:
    ecosystems = load_ecosystems()
    truth = ground_truth(catalogue, select_ecosystems(ecosystems, ["llama", "qwen"]), catalogue.default_now)
    llama = table(truth, "llama")
    qwen = table(truth, "qwen")
    feats = catalogue.features
    # Chains at least 6 deep; the cross-ecosystem merge once in each ecosystem.
    assert max(depth for _, depth, _ in llama.values()) >= 6
    assert llama[feats["deep_chain"][-1]][1] == len(feats["deep_chain"])
    (cross,) = feats["cross_ecosystem_merge"]
    assert llama[cross][2] == qwen[cross][2] == "merge"
    # Traps: self-reference tracked, private and its child not, ghost merge tracked, cycle tracked.
    assert feats["self_base"][0] in llama
    assert feats["private"][0] not in llama
    assert feats["child_of_private"][0] not in llama
    assert feats["ghost_base"][1] in llama
    assert feats["ghost_base"][2] not in llama
    assert all(m in llama for m in feats["cycle"])
    # Roots: every shipped Llama root that exists; the alias-only Guard 2 name is missing.
    assert "meta-llama/Llama-Guard-2-8B" in truth.missing_roots
    assert llama["meta-llama/Llama-3.1-8B-Instruct"] == ("Llama 3.1", 0, "base")
    # A relation mix like the Hub's and no unrelated model reached.
    mix = Counter(rel for _, _, rel in llama.values())
    assert mix["adapter"] > mix["quantized"] > mix["merge"] > 0
    assert mix["finetune"] > mix["quantized"]
    assert not any(i.startswith(("google-bert/", "openai-community/", "google-t5/")) for i in llama)


def test_big_parent_has_more_than_a_thousand_listed_children(catalogue: Catalogue) -> None:
    (big,) = catalogue.features["big_parent"]
    i = catalogue.index_of(big)
    assert sum(catalogue.listed(c, catalogue.default_now) for c in catalogue.children[i]) > 1000
