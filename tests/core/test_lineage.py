"""Pure lineage logic on literal inputs: parents from every shape the Hub sends, and the BFS rules."""

from __future__ import annotations

import json

import pytest

from tests.support.paths import PAYLOADS
from tracker.collect.payloads import parse_observation
from tracker.core.lineage import Root, members, membership_rows, parse_parents
from tracker.core.records import Observation


@pytest.mark.parametrize(
    ("base_models", "tags", "expected"),
    [
        ({"relation": "finetune", "models": [{"_id": "x", "id": "a/b"}]}, [], ("finetune", ("a/b",))),
        (
            {"relation": "merge", "models": [{"id": "a/b"}, {"id": "c/d"}, {"id": "A/B"}]},
            [],
            ("merge", ("a/b", "c/d")),
        ),
        (["a/b", "c/d"], ["base_model:quantized:a/b"], ("quantized", ("a/b", "c/d"))),
        ([{"id": "a/b"}], [], ("finetune", ("a/b",))),
        (None, ["base_model:a/b", "base_model:adapter:a/b", "license:mit"], ("adapter", ("a/b",))),
        (None, ["base_model:a/b"], ("finetune", ("a/b",))),
        (
            None,
            ["base_model:merge:a/b", "base_model:merge:c/d", "base_model:a/b", "base_model:c/d"],
            ("merge", ("a/b", "c/d")),
        ),
        (None, ["transformers", "license:mit"], (None, ())),
        ({"relation": "finetune", "models": [{"id": "me/self"}]}, [], (None, ())),
        ({"relation": "finetune", "models": [{"id": "me/self"}, {"id": "a/b"}]}, [], ("finetune", ("a/b",))),
        ({"relation": "finetune", "models": []}, ["base_model:finetune:a/b"], ("finetune", ("a/b",))),
        ("garbage", [], (None, ())),
    ],
)
def test_parse_parents(base_models: object, tags: list[str], expected: tuple) -> None:
    assert parse_parents(base_models, tags, "me/self") == expected


def test_recorded_payload_parses_with_parents_from_tags() -> None:
    """The real Llama 3.1 8B Instruct payload: no baseModels, parents from the Hub's rewritten tags."""
    payload = json.loads((PAYLOADS / "model_info__meta-llama__Llama-3.1-8B-Instruct.body.json").read_text())
    obs = parse_observation(payload)
    assert obs.model_id == "meta-llama/Llama-3.1-8B-Instruct"
    assert obs.hub_oid == payload["_id"]
    # The card still names the pre-rename id; the tags (which we trust) name the current one.
    assert payload["cardData"]["base_model"] == "meta-llama/Meta-Llama-3.1-8B"
    assert (obs.relation, obs.parents) == ("finetune", ("meta-llama/Llama-3.1-8B",))
    assert obs.license == "llama3.1"
    assert obs.gated == "manual"
    assert obs.downloads_30d == payload["downloads"]
    assert obs.downloads_all_time is None  # not in the default payload: the crawl asks for it
    assert obs.created_at is not None
    assert obs.created_at.utcoffset() is not None


def obs(model_id: str, *parents: str, relation: str | None = "finetune") -> Observation:
    return Observation(
        model_id,
        None,
        model_id.split("/")[0],
        None,
        None,
        None,
        None,
        None,
        "false",
        (),
        relation if parents else None,
        parents,
        None,
        0,
        0,
        0,
        0,
    )


def test_members_follow_shortest_paths_and_family_order() -> None:
    a, b = obs("m/A"), obs("m/B")
    ft_a, ft_b = obs("u/ft-a", "m/A"), obs("u/ft-b", "m/B")
    merge = obs("u/merge", "u/ft-b", "u/ft-a", relation="merge")
    self_ref = obs("u/self", "u/ft-a", "u/self")
    cycle_1, cycle_2 = obs("u/c1", "u/ft-b", "u/c2"), obs("u/c2", "u/c1")
    everything = [a, b, ft_a, ft_b, merge, self_ref, cycle_1, cycle_2]
    children: dict[str, list[Observation]] = {}
    for o in everything:
        for p in o.parents:
            children.setdefault(p, []).append(o)
    children.setdefault("u/self", []).append(self_ref)  # the Hub lists a self-declared model under itself

    def children_of(parents):
        return {p.model_id: children.get(p.model_id, []) for p in parents}

    levels = list(members([Root(a, 0), Root(b, 1)], children_of))
    found = {o.model_id: (depth, rank) for level in levels for o, depth, rank in level}
    assert found == {
        "m/A": (0, 0),
        "m/B": (0, 1),
        "u/ft-a": (1, 0),
        "u/ft-b": (1, 1),
        "u/merge": (2, 0),  # two shortest paths: the family listed first
        "u/self": (2, 0),
        "u/c1": (2, 1),
        "u/c2": (3, 1),
    }
    assert [len(level) for level in levels] == [2, 2, 3, 1]
    rows = membership_rows("llama", ["A", "B", "Other"], levels[2])
    assert {(r.model_id, r.family, r.relation, r.depth) for r in rows} == {
        ("u/merge", "A", "merge", 2),
        ("u/self", "A", "finetune", 2),
        ("u/c1", "B", "finetune", 2),
    }


def test_a_root_reached_twice_keeps_its_best_family() -> None:
    a = obs("m/A")
    levels = list(members([Root(a, 3), Root(a, 1)], lambda parents: {}))
    assert levels == [[(a, 0, 1)]]
