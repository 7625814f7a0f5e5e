"""The real Hub's `expand` rules (`tracker.emulator.routes.rules`): the emulator serves them, the client
reads them.

The emulator follows the real Hub by default (`2026`): listings refuse `childrenModelCount` and
`usedStorage`, `model_info` gives `childrenModelCount` as counts by relation; `2025` also refuses
`baseModels` on listings; `lenient` is the kinder Hub. The client accepts every shape, drops the
value a listing refuses (that one alone), and says which it dropped.
"""

from __future__ import annotations

import httpx2
import pytest
from huggingface_hub import HfApi
from huggingface_hub.errors import BadRequestError

from tracker.collect.expand import CRAWL_EXPAND, refused_values
from tracker.collect.hub import HubClient
from tracker.collect.transport import BadRequest
from tracker.core.lineage import parse_children_count
from tracker.emulator.catalogue import Catalogue
from tracker.emulator.routes.rules import RULES
from tracker.emulator.routes.server import HubEmulator

BIG = "meta-llama/Llama-3.1-8B-Instruct"
RELATIONS = {"finetune", "adapter", "quantized", "merge"}


@pytest.fixture(params=list(RULES))
def ruled(request: pytest.FixtureRequest, catalogue: Catalogue):  # noqa: ANN201 - a HubEmulator
    with HubEmulator(catalogue, listing_rules=request.param) as emulator:
        yield emulator


def _listing(url: str, *expand: str) -> httpx2.Response:
    return httpx2.get(
        f"{url}/api/models",
        params=[("filter", f"base_model:{BIG}"), ("limit", "5")] + [("expand", e) for e in expand],
    )


def test_listings_refuse_what_each_rule_set_says(ruled: HubEmulator) -> None:
    rules = ruled.rules
    for value in ("childrenModelCount", "usedStorage", "baseModels", "downloadsAllTime"):
        r = _listing(ruled.url, "downloads", value)
        if value in rules.listing_refuses:
            assert r.status_code == 400, value
            message = r.json()["error"]
            assert f'got "{value}"' in message
            assert "downloadsAllTime" in message  # it names the values it accepts
            assert value not in message.replace(f'got "{value}"', "")
        else:
            assert r.status_code == 200, (value, r.text)
    state = httpx2.get(f"{ruled.url}/_emulator/state").json()
    assert state["listing_rules"] == rules.name
    assert state["listing_refuses"] == list(rules.listing_refuses)


def test_the_real_rules_are_the_default(hub: HubEmulator) -> None:
    assert hub.rules.name == "2026"
    assert _listing(hub.url, "childrenModelCount").status_code == 400
    assert _listing(hub.url, "usedStorage").status_code == 400
    assert _listing(hub.url, "baseModels").status_code == 200


def test_model_info_child_counts_by_relation(ruled: HubEmulator, catalogue: Catalogue) -> None:
    t = ruled.now
    i = catalogue.index_of(BIG)
    body = httpx2.get(f"{ruled.url}/api/models/{BIG}", params={"expand": "childrenModelCount"}).json()
    count = body["childrenModelCount"]
    total = catalogue.listed_children_count(i, t)
    assert total > 1000
    if ruled.rules.counts_by_relation:
        assert set(count) == RELATIONS  # every relation, zeros included
        assert sum(count.values()) == total
        kids = [c for c in catalogue.children_of(i) if catalogue.listed(c, t)]
        assert count["quantized"] == sum(1 for c in kids if catalogue.models[c].relation == "quantized")
    else:
        assert count == total
    # huggingface_hub passes either shape through unchanged
    info = HfApi(endpoint=ruled.url, token=False).model_info(BIG, expand=["childrenModelCount"])
    assert info.children_model_count == count


def test_the_real_client_meets_the_refusal_as_a_400(hub: HubEmulator) -> None:
    api = HfApi(endpoint=hub.url, token=False)
    with pytest.raises(BadRequestError):
        next(iter(api.list_models(filter=f"base_model:{BIG}", expand=["childrenModelCount"], limit=1)))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"adapter": 716, "merge": 19, "quantized": 190, "finetune": 328}, 1253),
        (42, 42),
        (0, 0),
        ({}, 0),
        (None, None),
        ("12", None),
        (True, None),
        ({"adapter": "x"}, None),
    ],
)
def test_child_counts_in_every_shape(value: object, expected: int | None) -> None:
    total, by_relation = parse_children_count(value)
    assert total == expected
    if isinstance(value, dict) and expected is not None:
        assert dict(by_relation or ()) == value
    else:
        assert by_relation is None


ASKED = list(CRAWL_EXPAND)


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        # the emulator's wording: the accepted values listed
        (
            '"expand" must be one of [author, baseModels, createdAt, downloads, downloadsAllTime, gated, '
            "gguf, inferenceProviderMapping, lastModified, library_name, likes, pipeline_tag, safetensors, "
            'tags, trendingScore], got "childrenModelCount"',
            ["childrenModelCount"],
        ),
        # two refused at once, the list says so
        (
            '"expand" must be one of [author, createdAt, downloads, downloadsAllTime, gated, gguf, '
            "inferenceProviderMapping, lastModified, library_name, likes, pipeline_tag, safetensors, tags, "
            'trendingScore], got "baseModels"',
            ["baseModels", "childrenModelCount"],
        ),
        # a validator's wording: alternatives with pipes, the culprit after "received"
        (
            "Invalid enum value. Expected 'author' | 'baseModels' | 'createdAt' | 'downloads' | "
            "'downloadsAllTime' | 'gated' | 'gguf' | 'inferenceProviderMapping' | 'lastModified' | "
            "'library_name' | 'likes' | 'pipeline_tag' | 'safetensors' | 'tags' | 'trendingScore', "
            "received 'childrenModelCount'",
            ["childrenModelCount"],
        ),
        # the culprit alone
        ("Invalid expand value: childrenModelCount is not allowed here", ["childrenModelCount"]),
        ('unsupported "childrenModelCount"', ["childrenModelCount"]),
        # nothing said: the client probes (tested below)
        ("Bad Request", []),
        ("Invalid filter", []),
    ],
)
def test_which_value_a_refusal_names(message: str, expected: list[str]) -> None:
    assert refused_values(message, ASKED) == expected


def test_a_refusal_that_names_nothing_drops_the_likeliest_value_alone(hub: HubEmulator) -> None:
    with HubClient(hub.url) as client:
        client._refuse("listing", ASKED, BadRequest("the Hub refused the request: Bad Request"))
        assert client.listing_refuses == {"childrenModelCount"}
        asked = client.expand("listing")
        client._refuse("listing", asked, BadRequest("the Hub refused the request: Bad Request"))
        assert client.listing_refuses == {"childrenModelCount", "baseModels"}  # usedStorage is never asked
        for value in ("inferenceProviderMapping", "gguf", "safetensors"):  # then the usage values, one each
            client._refuse("listing", client.expand("listing"), BadRequest("Bad Request"))
            assert value in client.listing_refuses
        assert len(client.listing_refuses) == 5
        with pytest.raises(BadRequest):  # nothing else to leave out: the refusal is the answer
            client._refuse("listing", client.expand("listing"), BadRequest("no"))


@pytest.mark.parametrize("rules", list(RULES))
def test_the_client_learns_the_rules_at_the_cost_of_one_request(catalogue: Catalogue, rules: str) -> None:
    with HubEmulator(catalogue, listing_rules=rules) as emu, HubClient(emu.url) as client:
        first = client.children(BIG)
        stats = emu.stats()
        refused = set(RULES[rules].listing_refuses) & set(CRAWL_EXPAND)
        assert stats["by_status"].get("400", 0) == (1 if refused else 0)
        assert client.listing_refuses == refused
        assert client.counts_on_listings is (not refused)
        assert client.observed_refusals == refused
        emu.reset_stats()
        again = client.children(BIG)
        assert "400" not in emu.stats()["by_status"]
    assert [o.model_id for o in first] == [o.model_id for o in again]
    assert len(first) == catalogue.listed_children_count(catalogue.index_of(BIG), emu.now)
    # parents from baseModels or from the tags: the same either way
    assert {o.parents for o in first} == {(BIG,)} | {o.parents for o in first if len(o.parents) > 1}
    counts = {o.children_count for o in first}
    assert (None in counts) is bool(refused)


def test_roots_keep_their_counts_by_relation(hub: HubEmulator, catalogue: Catalogue) -> None:
    with HubClient(hub.url) as client:
        obs = client.model(BIG)
    by_relation = dict(obs.children_by_relation or ())
    assert set(by_relation) == RELATIONS
    assert (
        obs.children_count
        == sum(by_relation.values())
        == catalogue.listed_children_count(catalogue.index_of(BIG), hub.now)
    )
