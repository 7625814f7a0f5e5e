"""The door (`tracker.collect.doors.Door`): what it refuses, what it keeps as `unknown`, and how it counts
both in the log without letting a hostile source flood it."""

from __future__ import annotations

import logging

import pytest

from tracker.collect.doors import Door

BASE = "meta-llama/Llama-3.1-8B"


def door() -> Door:
    return Door(logging.getLogger("tracker.hub"), "the Hub")


@pytest.mark.parametrize(
    ("item", "admitted"),
    [
        ({"id": "u/a", "baseModels": {"relation": "finetune", "models": [{"id": BASE}]}}, True),
        ({"id": "u/a", "tags": [f"base_model:adapter:{BASE}"]}, True),
        ({"id": "u/a"}, True),  # no declared parent: a root, or nothing
        ({"id": '=HYPERLINK("x")'}, False),
        ({"id": "@x"}, False),
        ({"id": "+x"}, False),
        ({"id": "-x"}, False),
        ({"id": None}, False),
        ({"_id": "a" * 24}, False),
        ({"id": "u/a", "baseModels": {"relation": "merge", "models": [{"id": BASE}, {"id": "=1+1"}]}}, False),
        ({"id": "u/a", "tags": ["base_model:finetune:@x"]}, False),
        ({"id": "u/a", "tags": ["base_model:<img src=x>"]}, False),
        (["not", "a", "model"], False),
    ],
)
def test_a_payload_is_admitted_only_with_hub_ids(item: object, admitted: bool) -> None:
    assert door().admit_payload(item) is admitted


def test_refusals_and_unknown_relations_are_counted_once_each_and_logged_sparingly(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="tracker.hub")
    d = door()
    for k in range(1, 1_001):
        assert not d.admit(f"={k}", None, ())
    assert not d.admit("=1", None, ())  # listed again (under another parent): counted once
    assert d.admit("u/odd", {"relation": "<b>x</b>", "models": [{"id": BASE}]}, ())
    assert d.admit("u/odd", {"relation": "<b>x</b>", "models": [{"id": BASE}]}, ())
    assert (d.refused, d.unknown_relations) == (1_000, 1)
    refused = [r.getMessage() for r in caplog.records if "refused model" in r.getMessage()]
    # The first ten one by one, then at 100 and 1,000: the count so far in each.
    assert len(refused) == 12
    assert refused[0] == "the Hub: refused model '=1': its id is not a Hub id (1 refused so far)"
    assert refused[-1].endswith("(1,000 refused so far)")
    (unknown,) = [r.getMessage() for r in caplog.records if "unknown" in r.getMessage()]
    assert "'u/odd' declares a relation the Hub does not define; kept as unknown (1 so far)" in unknown
    assert "<b>" not in unknown  # the source's text is never echoed for a relation


def test_a_refused_id_is_quoted_on_one_line_and_bounded(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="tracker.hub")
    door().admit("x\n" + "y" * 10_000, None, ())
    (line,) = [r.getMessage() for r in caplog.records]
    assert "\n" not in line
    assert len(line) < 250


def test_an_id_alone_is_admitted_if_the_door_has_not_refused_its_row() -> None:
    d = door()
    assert d.admit_id("meta-llama/Llama-3.1-8B")
    assert not d.admit_id("meta-llama/<img src=x>")
    assert not d.admit("meta-llama/bad-parent", None, ["base_model:=1"])
    assert not d.admit_id("meta-llama/Bad-Parent")  # the same row, refused for its parent
    assert d.refused == 2
