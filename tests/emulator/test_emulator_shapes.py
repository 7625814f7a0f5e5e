"""The emulated Hub's payloads against real recorded Hub responses, and its errors through the real client.

Shapes are compared with the samples in `tests/payloads/` (key names, order, JSON types, the 307's
exact text); errors are checked as `huggingface_hub` 2.4 raises them.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import httpx2
import pytest
from huggingface_hub import ModelInfo
from huggingface_hub.errors import BadRequestError, RepositoryNotFoundError

from tests.support.paths import PAYLOADS

BIG = "meta-llama/Llama-3.1-8B-Instruct"
OLD_BIG = "meta-llama/Meta-Llama-3.1-8B-Instruct"


# --- 4. shapes against the recorded samples ------------------------------------------------


def _sample(name: str) -> dict:
    return json.loads((PAYLOADS / name).read_text())


def test_model_info_payload_matches_the_recorded_llama_payload(hub) -> None:
    sample = _sample("model_info__meta-llama__Llama-3.1-8B-Instruct.body.json")
    r = httpx2.get(f"{hub.url}/api/models/{BIG}")
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "application/json; charset=utf-8"
    ours = r.json()
    assert list(ours) == list(sample)  # served live by providers: `inference` too, after `safetensors`
    for key, value in ours.items():
        assert type(value) is type(sample[key]), key
    assert ours["inference"] == sample["inference"] == "warm"
    assert ours["model-index"] is None
    assert sample["model-index"] is None
    assert ModelInfo(**sample).id == BIG
    parsed = ModelInfo(**ours)
    assert parsed.id == BIG
    assert parsed.created_at is not None
    assert parsed.safetensors.total > 0


def test_community_finetune_payload_matches_the_recorded_zephyr_payload(hub, catalogue) -> None:
    sample = _sample("model_info__HuggingFaceH4__zephyr-7b-beta.body.json")
    t = hub.now
    finetune = next(
        catalogue.id_at(c, t)
        for c in catalogue.children[catalogue.index_of(BIG)]
        if catalogue.listed(c, t)
        and catalogue.models[c].relation == "finetune"
        and catalogue.models[c].gated is False
        and "safetensors" in catalogue.models[c].extra_tags
        and catalogue.models[c].library == "transformers"
        and catalogue.models[c].pipeline == "text-generation"
        and catalogue.models[c].arch is not None
        and catalogue.models[c].params > 0
    )
    ours = httpx2.get(f"{hub.url}/api/models/{finetune}").json()
    served = "inference" in ours  # only while a provider serves it live, as on the Hub
    assert list(ours) == [k for k in sample if k != "inference" or served]
    for key, value in ours.items():
        if key == "model-index":
            assert value is None  # the sample's is a list; ours has no evaluation results
        else:
            assert type(value) is type(sample[key]), key
    assert ModelInfo(**sample).id == "HuggingFaceH4/zephyr-7b-beta"
    assert ModelInfo(**ours).id == finetune


def test_expand_shape_matches_the_recorded_expand_payload(hub) -> None:
    sample = _sample(
        "model_info_expand__meta-llama__Llama-3.3-70B-Instruct__inferenceProviderMapping.body.json"
    )
    assert list(sample) == ["_id", "id", "inferenceProviderMapping"]
    ours = httpx2.get(f"{hub.url}/api/models/{BIG}", params={"expand": "downloadsAllTime"}).json()
    assert list(ours) == ["_id", "id", "downloadsAllTime"]
    assert type(ours["_id"]) is type(sample["_id"])
    assert len(ours["_id"]) == len(sample["_id"]) == 24


def test_rename_redirect_matches_the_recorded_307(hub) -> None:
    meta = _sample("redirect307__meta-llama__Meta-Llama-3.1-8B-Instruct.meta.json")["response"]
    body = (PAYLOADS / "redirect307__meta-llama__Meta-Llama-3.1-8B-Instruct.body.txt").read_text()
    r = httpx2.get(f"{hub.url}/api/models/{OLD_BIG}", follow_redirects=False)
    assert r.status_code == meta["status"]["code"] == 307
    location = meta["headers"]["Location"][0]
    assert location.startswith("/api/models/")
    assert r.headers["Location"] == location
    assert r.headers["Content-Type"] == meta["headers"]["Content-Type"][0]
    assert body == f"Temporary Redirect. Redirecting to {location}"
    assert r.text == body
    assert r.headers["Content-Length"] == meta["headers"]["Content-Length"][0]


def test_missing_and_private_models_are_404_repo_not_found(hub, catalogue) -> None:
    for repo_id in ("nobody/does-not-exist", catalogue.features["private"][0]):
        r = httpx2.get(f"{hub.url}/api/models/{repo_id}")
        assert r.status_code == 404, repo_id
        assert r.headers["X-Error-Code"] == "RepoNotFound"
        assert isinstance(r.json()["error"], str)


# --- 5. the real client's errors -------------------------------------------------------------------


def test_model_info_follows_the_rename(api) -> None:
    info = api.model_info(OLD_BIG)
    assert info.id == BIG


def test_unknown_private_and_future_models_raise_repository_not_found(hub, api, catalogue) -> None:
    t = hub.now
    future = next(m.repo_id for m in catalogue.models if m.created > t and not m.private)
    restored = catalogue.features["restored"][0]  # deleted at the default clock, back later
    for repo_id in ("nobody/does-not-exist", catalogue.features["private"][0], future, restored):
        with pytest.raises(RepositoryNotFoundError):
            api.model_info(repo_id)


def test_unknown_expand_is_a_400_on_both_routes(hub, api) -> None:
    with pytest.raises(BadRequestError):
        api.model_info(BIG, expand=["foo"])
    with pytest.raises(BadRequestError):
        list(api.list_models(filter=f"base_model:{BIG}", expand=["downloads", "foo"]))
    for path in ("/api/models", f"/api/models/{BIG}"):
        r = httpx2.get(f"{hub.url}{path}", params=[("expand[]", "foo")])
        assert r.status_code == 400, path
        assert "foo" in r.json()["error"], path


@pytest.mark.parametrize(
    "query",
    [
        "limit=abc",
        "limit=0",
        "limit=-5",
        "sort=author",
        "cursor=not-a-cursor",
        "full=maybe",
        "sort=downloads&sort=likes",
        "limit=%C2%B2",  # "²": a digit to str.isdigit, not to int()
    ],
)
def test_malformed_listing_parameters_are_400(hub, query) -> None:
    r = httpx2.get(f"{hub.url}/api/models?{query}")
    assert r.status_code == 400, query
    assert r.headers["Content-Type"].startswith("application/json")
    body = r.json()
    assert list(body) == ["error"], body
    assert body["error"], body


def test_a_cursor_from_another_sort_is_400(hub) -> None:
    r = httpx2.get(f"{hub.url}/api/models", params={"limit": "5"})
    cursor = parse_qs(urlsplit(r.links["next"]["url"]).query)["cursor"][0]
    assert httpx2.get(f"{hub.url}/api/models", params={"limit": "5", "cursor": cursor}).status_code == 200
    r = httpx2.get(f"{hub.url}/api/models", params={"limit": "5", "cursor": cursor, "sort": "likes"})
    assert r.status_code == 400
    assert "cursor" in r.json()["error"]


@pytest.mark.parametrize("value", ["\u2713", "a\r\nX-Evil: 1", "\xff"])
def test_errors_quoting_the_request_keep_the_header_one_ascii_line(hub, value) -> None:
    for path in ("/api/models", f"/api/models/{BIG}"):
        r = httpx2.get(f"{hub.url}{path}", params={"expand": value})
        assert r.status_code == 400, path
        assert "X-Evil" not in r.headers
        header = r.headers["X-Error-Message"]
        assert header.isascii(), header
        assert "\n" not in header, header
        assert value in r.json()["error"]
    r = httpx2.post(f"{hub.url}/_emulator/faults", json={"faults": [f"{value}:3"]})
    assert r.status_code == 400
    assert r.headers["X-Error-Message"].isascii()


def test_a_post_to_a_hub_route_is_405_and_leaves_the_connection_usable(hub) -> None:
    with httpx2.Client() as client:
        for _ in range(5):
            r = client.post(f"{hub.url}/api/models", json={"filter": "x"})
            assert r.status_code == 405
            assert r.headers["Connection"] == "close"
            r = client.get(f"{hub.url}/api/models/{BIG}")
            assert r.status_code == 200, r.text[:80]
            assert r.json()["id"] == BIG
