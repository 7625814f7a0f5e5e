"""Adoption beyond downloads, read from payloads: parameter counts, live providers, size classes.

The shapes are the real Hub's (`notes/real-hub-2026.md` section 2; real `model_info` bodies in
`shared/hub-samples/`); every shape the evidence names is accepted, and a malformed value is no value.
"""

from __future__ import annotations

import json

import pytest

from tests.support.paths import PAYLOADS
from tracker.collect.payloads import parse_observation
from tracker.core.usage import (
    SIZE_CLASSES,
    effective_size_classes,
    parse_live_providers,
    parse_parameters,
    size_class,
)

SAMPLES = PAYLOADS  # real Hub bodies, copied from shared/hub-samples


def sample(name: str) -> dict:
    return json.loads((SAMPLES / f"{name}.body.json").read_text(encoding="utf-8"))


def test_parameters_from_safetensors_take_the_larger_of_total_and_dtype_sum() -> None:
    assert (
        parse_parameters({"parameters": {"BF16": 8_030_261_248}, "total": 8_030_261_248}, None)
        == 8_030_261_248
    )
    # A packed 4-bit repo counts an eighth in `total`; the dtype sum is larger.
    assert parse_parameters({"parameters": {"U32": 1_000, "BF16": 9_000}, "total": 1_000}, None) == 10_000
    # A wrong sum, a right total.
    assert parse_parameters({"parameters": {"F32": 5}, "total": 27_000_000_000}, None) == 27_000_000_000
    assert parse_parameters({"total": 7}, None) == 7  # no dtype counts
    assert parse_parameters({"parameters": {"F16": 3, "I8": 4}}, None) == 7  # no total


def test_parameters_fall_back_to_gguf_and_refuse_junk() -> None:
    assert parse_parameters(None, {"total": 70_553_706_496, "architecture": "llama"}) == 70_553_706_496
    assert parse_parameters({"parameters": {}, "total": 0}, {"total": 12}) == 12  # an empty safetensors
    for junk in (None, [], "8B", {"total": "8B"}, {"total": -1}, {"total": True}, {"total": float("nan")}):
        assert parse_parameters(junk, None) is None
        assert parse_parameters(None, junk) is None


def test_live_providers_from_the_object_on_model_info() -> None:
    body = sample("model_info_expand__meta-llama__Llama-3.3-70B-Instruct__inferenceProviderMapping")
    providers = parse_live_providers(body["inferenceProviderMapping"])
    assert providers == tuple(sorted(body["inferenceProviderMapping"]))
    assert len(providers) == 8
    assert "cerebras" in providers


def test_live_providers_from_the_list_on_listings() -> None:
    listing = [
        {"provider": "together", "providerId": "x", "status": "live", "task": "conversational"},
        {"provider": "groq", "providerId": "y", "status": "staging", "task": "conversational"},
        {"provider": "novita", "providerId": "z", "status": "error", "task": "conversational"},
        {
            "provider": "fireworks-ai",
            "providerId": "w",
            "status": "live",
            "task": "conversational",
            "adapter": "lora",
        },
        {"provider": "together", "providerId": "x2", "status": "live", "task": "text-generation"},  # twice
        {"status": "live"},  # no provider name
        "junk",
    ]
    assert parse_live_providers(listing) == ("fireworks-ai", "together")
    assert parse_live_providers([]) == () == parse_live_providers({}) == parse_live_providers(None)
    assert parse_live_providers({"a": {"status": "staging"}, "b": "live"}) == ()


def test_size_classes_cover_every_count() -> None:
    assert SIZE_CLASSES == ("<3B", "3-9B", "9-35B", "35-100B", "100B+", "unknown")
    cases = {
        1_235_814_400: "<3B",  # Llama 3.2 1B
        2_999_999_999: "<3B",
        3_212_749_824: "3-9B",  # Llama 3.2 3B
        8_030_261_248: "3-9B",
        9_241_705_984: "9-35B",  # Gemma 2 9B
        32_763_876_352: "9-35B",
        46_702_792_704: "35-100B",  # Mixtral 8x7B
        70_553_706_496: "35-100B",
        100_000_000_000: "100B+",
        405_853_388_800: "100B+",
        671_026_419_200: "100B+",  # DeepSeek V3
        None: "unknown",
        0: "unknown",
    }
    for count, name in cases.items():
        assert size_class(count) == name, count


@pytest.mark.parametrize("asked", [True, False])
def test_a_payload_is_parsed_whatever_its_usage_values(asked: bool) -> None:
    base = {"_id": "0" * 24, "id": "someone/model", "tags": [], "downloads": 3}
    # huggingface_hub's ModelInfo indexes `safetensors["total"]` and each mapping's `providerId`: a payload
    # lacking them must still parse (the tracker reads these values itself).
    odd = {
        **base,
        "safetensors": {"parameters": {"BF16": 5}},
        "inferenceProviderMapping": [{"provider": "a"}],
    }
    obs = parse_observation(odd, providers_asked=asked)
    assert obs.parameters == 5
    assert obs.live_providers == ()
    plain = parse_observation(base, providers_asked=asked)
    assert plain.parameters is None
    assert plain.live_providers == (() if asked else None)  # not given: none if asked, else unknown
    full = sample("model_info__meta-llama__Llama-3.1-8B-Instruct")
    assert parse_observation(full).parameters == 8_030_261_248


# --- effective size classes: adapters and quantizations take their parent's -------------------------------

# (model_id, relation, depth, parameters): a base, its finetune without a count, and their repackagings
MEMBERS = [
    ("meta/Base-8B", "base", 0, 8_030_261_248),
    ("a/ft", "finetune", 1, None),  # no count: its own class is unknown, and it does not inherit
    ("b/q4", "quantized", 1, 1_000_000_000),  # a packed 4-bit file counts an eighth
    ("c/lora", "adapter", 1, 4_000_000),  # a LoRA counts its trainable parameters only
    ("d/q-of-lora", "quantized", 2, None),  # up through the adapter to the base
    ("e/q-of-ft", "quantized", 2, 2_000_000_000),  # its parent has no class: its own count
    ("f/merge", "merge", 2, 40_000_000_000),  # a merge is its own model
    ("g/ghost-q", "quantized", 1, 70_000_000),  # its declared base is not a member
    ("h/two", "adapter", 1, None),  # two parents: the one of least depth with a class
]
LINKS = [
    ("a/ft", "meta/Base-8B"),
    ("b/q4", "META/base-8b"),  # declared ids match in any case
    ("c/lora", "meta/Base-8B"),
    ("d/q-of-lora", "c/lora"),
    ("e/q-of-ft", "a/ft"),
    ("f/merge", "a/ft"),
    ("f/merge", "b/q4"),
    ("g/ghost-q", "someone/not-tracked"),
    ("h/two", "f/merge"),
    ("h/two", "meta/Base-8B"),
]


def test_adapters_and_quantizations_take_their_parents_size_class() -> None:
    assert effective_size_classes(MEMBERS, LINKS) == {
        "meta/Base-8B": "3-9B",
        "a/ft": "unknown",
        "b/q4": "3-9B",
        "c/lora": "3-9B",
        "d/q-of-lora": "3-9B",
        "e/q-of-ft": "<3B",
        "f/merge": "35-100B",
        "g/ghost-q": "<3B",
        "h/two": "3-9B",  # meta/Base-8B (depth 0) before f/merge (depth 2)
    }


def test_cycles_of_quantizations_end_and_long_chains_do_not_recurse() -> None:
    members = [
        ("x/q", "quantized", 1, None),
        ("y/q", "quantized", 1, 500_000_000),
        ("z/q", "quantized", 1, None),
    ]
    links = [("x/q", "y/q"), ("y/q", "x/q"), ("z/q", "z/q")]  # a cycle, and a self-link (ignored)
    assert effective_size_classes(members, links) == {"x/q": "<3B", "y/q": "<3B", "z/q": "unknown"}
    chain = [("base", "base", 0, 70_000_000_000)] + [(f"q{i}", "quantized", i, None) for i in range(1, 5000)]
    links = [(f"q{i}", "base" if i == 1 else f"q{i - 1}") for i in range(1, 5000)]
    classes = effective_size_classes(chain, links)
    assert set(classes.values()) == {"35-100B"}
    assert len(classes) == 5000
