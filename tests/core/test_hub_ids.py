"""The Hub's id grammar and relations (`tracker.core.hub_ids`): the rule every door checks."""

from __future__ import annotations

import csv
import gzip

import pytest
from huggingface_hub.errors import HFValidationError
from huggingface_hub.utils import validate_repo_id

from tests.support.paths import ROOT
from tracker.core.hub_ids import UNKNOWN_RELATION, is_hub_id, relation_of
from tracker.core.lineage import parse_children_count, parse_parents

VALID = [
    "meta-llama/Llama-3.1-8B-Instruct",
    "gpt2",  # a legacy id without a namespace
    "u/tuned_v2",
    "_x/_y_",
    "a/b",
    "TheBloke/Llama-2-7B-GGUF",
    "x" * 96 + "/" + "y" * 96,
]
INVALID = [
    '=HYPERLINK("x")',
    "@x",
    "+x",
    "-x",
    "u/-x",
    "u/x-",
    ".x",
    "u/x.",
    "a--b/c",
    "a/b..c",
    "a/b.git",
    "a/b/c",
    "",
    "/x",
    "x/",
    "x" * 97,
    "u/<img src=x>",
    "u/a b",
    "u/café",
    "u/x\n",
    "u/x\t",
    "\tx",
]


@pytest.mark.parametrize("model_id", VALID)
def test_hub_ids_pass(model_id: str) -> None:
    assert is_hub_id(model_id)


@pytest.mark.parametrize("model_id", INVALID)
def test_what_the_hub_would_not_name_a_repo_is_refused(model_id: str) -> None:
    assert not is_hub_id(model_id)


@pytest.mark.parametrize("model_id", [*VALID, *INVALID])
def test_the_grammar_is_huggingface_hubs(model_id: str) -> None:
    """The same answer as huggingface_hub's own check (`validate_repo_id`), the client this tracker reads
    the Hub with."""
    try:
        validate_repo_id(model_id)
        theirs = True
    except HFValidationError:
        theirs = False
    assert is_hub_id(model_id) == theirs


@pytest.mark.parametrize("value", [None, 3, b"a/b", ["a/b"]])
def test_only_text_can_be_an_id(value: object) -> None:
    assert not is_hub_id(value)


def test_every_id_of_the_real_catalogue_passes() -> None:
    """The real Hub's ids (the bundled study's 16 weeks) are all Hub ids: the rule refuses none of them."""
    path = ROOT / "tracker" / "data" / "msc-weekly-lineage.csv.gz"
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    ids = {r["model_id"] for r in rows} | {p.strip() for r in rows for p in r["base_model"].split(",")}
    assert len(ids) > 100_000
    assert [i for i in ids if not is_hub_id(i)] == []


@pytest.mark.parametrize(
    ("value", "relation"),
    [
        ("finetune", "finetune"),
        ("adapter", "adapter"),
        ("quantized", "quantized"),
        ("merge", "merge"),
        ("Finetune", UNKNOWN_RELATION),
        ("distillation", UNKNOWN_RELATION),
        ("<img src=x onerror=alert(1)>", UNKNOWN_RELATION),
        (3, UNKNOWN_RELATION),
        ({"a": 1}, UNKNOWN_RELATION),
    ],
)
def test_a_relation_is_one_of_the_hubs_four_or_unknown(value: object, relation: str) -> None:
    assert relation_of(value) == relation


def test_declared_parents_keep_the_hubs_relations_and_ids_only() -> None:
    base = "meta-llama/Llama-3.1-8B"
    assert parse_parents({"relation": "<b>x</b>", "models": [{"id": base}]}, (), "u/a") == (
        "unknown",
        (base,),
    )
    assert parse_parents(None, (f"base_model:distillation:{base}", f"base_model:{base}"), "u/a") == (
        "unknown",
        (base,),
    )
    # A parent that is no Hub id is never a record's parent, however the record came in.
    assert parse_parents({"relation": "merge", "models": [{"id": base}, {"id": "=1+1"}]}, (), "u/a") == (
        "merge",
        (base,),
    )
    assert parse_parents(None, ("base_model:adapter:@x",), "u/a") == (None, ())


def test_children_counted_by_an_unknown_relation_are_counted_as_unknown() -> None:
    assert parse_children_count({"finetune": 2, "<img>": 3, "distillation": 1}) == (
        6,
        (("finetune", 2), ("unknown", 4)),
    )
