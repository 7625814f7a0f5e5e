"""The emulated Hub through the real `huggingface_hub` client and raw HTTP: listing, expand, shapes, errors.

Every expected value is computed from the catalogue's own model (`children`, `listed`, `figures`,
`id_at`), never with the emulator's payload functions, so each test can catch a divergence.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx2
import pytest
from huggingface_hub import ModelInfo
from huggingface_hub.errors import BadRequestError, RepositoryNotFoundError
from huggingface_hub.utils import _detect_agent

from tracker.emulator.catalogue import Catalogue, tags_at

BIG = "meta-llama/Llama-3.1-8B-Instruct"
OLD_BIG = "meta-llama/Meta-Llama-3.1-8B-Instruct"
PAYLOADS = Path(__file__).parent / "payloads"
DEFAULT_LISTING_KEYS = [
    "_id",
    "id",
    "likes",
    "trendingScore",
    "private",
    "downloads",
    "tags",
    "pipeline_tag",
    "library_name",
    "createdAt",
    "modelId",
]
EXPAND = [
    "downloads",
    "downloadsAllTime",
    "likes",
    "trendingScore",
    "createdAt",
    "childrenModelCount",
    "baseModels",
    "gated",
    "library_name",
    "pipeline_tag",
    "tags",
]


@pytest.fixture(autouse=True)
def _no_agent_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    """huggingface_hub 2.4 fetches an agent registry from huggingface.co itself: never let it."""
    monkeypatch.setattr(_detect_agent, "_registry", _detect_agent._EMPTY_REGISTRY)


# --- helpers ---------------------------------------------------------------------------------


def listed_ids(cat: Catalogue, indexes, t: int) -> set[str]:
    return {cat.id_at(i, t) for i in indexes if cat.listed(i, t)}


def children_ids(cat: Catalogue, parent_id: str, t: int) -> set[str]:
    return listed_ids(cat, cat.children[cat.index_of(parent_id)], t)


def fetch_pages(url: str, params: list[tuple[str, str]]) -> list[httpx2.Response]:
    """Every page of a listing, following `Link: <...>; rel="next"` verbatim."""
    pages: list[httpx2.Response] = []
    with httpx2.Client() as client:
        r = client.get(url, params=params)
        while True:
            assert r.status_code == 200, f"{r.status_code} {r.text[:200]}"
            pages.append(r)
            nxt = r.links.get("next", {}).get("url")
            if nxt is None:
                return pages
            assert len(pages) < 500, "pagination does not end"
            r = client.get(nxt)


def items_of(pages: list[httpx2.Response]) -> list[dict]:
    return [item for page in pages for item in page.json()]


def utc(t: int) -> datetime:
    return datetime.fromtimestamp(t, UTC)


# --- 1. pagination ---------------------------------------------------------------------------


def test_list_models_pages_through_all_children_of_the_big_parent(hub, api, catalogue) -> None:
    expected = children_ids(catalogue, BIG, hub.now)
    assert len(expected) > 1000, "the big parent must need more than one default page"
    models = list(api.list_models(filter=f"base_model:{BIG}", expand=["downloads", "baseModels"]))
    ids = [m.id for m in models]
    assert len(ids) == len(set(ids)), "duplicates across pages"
    assert set(ids) == expected
    assert hub.stats()["list_requests"] == math.ceil(len(expected) / 1000)


def test_raw_pagination_follows_absolute_link_headers(hub, catalogue) -> None:
    expected = children_ids(catalogue, BIG, hub.now)
    params = [
        ("filter", f"base_model:{BIG}"),
        ("limit", "97"),
        ("expand", "downloads"),
        ("expand[]", "likes"),
    ]
    pages = fetch_pages(f"{hub.url}/api/models", params)
    assert len(pages) == math.ceil(len(expected) / 97)
    for page in pages[:-1]:
        assert len(page.json()) == 97
        link = page.headers["Link"]
        assert link.startswith(f"<{hub.url}/api/models?"), link
        assert link.endswith('>; rel="next"'), link
        query = parse_qs(urlsplit(page.links["next"]["url"]).query)
        assert query["expand"] == ["downloads"], query
        assert query["expand[]"] == ["likes"], query
        assert query["limit"] == ["97"]
        assert query["filter"] == [f"base_model:{BIG}"]
        assert query["cursor"]
    assert "Link" not in pages[-1].headers
    items = items_of(pages)
    ids = [item["id"] for item in items]
    assert len(ids) == len(set(ids))
    assert set(ids) == expected
    assert all(list(item) == ["_id", "id", "downloads", "likes"] for item in items)
    assert hub.stats()["list_requests"] == len(pages)


# --- 2. filters, search, sort, limit -----------------------------------------------------------


def test_filters_are_anded(hub, api, catalogue) -> None:
    t = hub.now
    big = catalogue.index_of(BIG)
    expected = {
        catalogue.id_at(c, t)
        for c in catalogue.children[big]
        if catalogue.listed(c, t) and "gguf" in tags_at(catalogue, c, t)
    }
    assert 0 < len(expected) < len(children_ids(catalogue, BIG, t))
    models = list(api.list_models(filter=[f"base_model:{BIG}", "gguf"], expand=["tags"]))
    assert {m.id for m in models} == expected
    assert len(models) == len(expected)
    assert all("gguf" in m.tags and f"base_model:{BIG}" in m.tags for m in models)


def test_relation_filter_lists_only_quantized_children(hub, api, catalogue) -> None:
    t = hub.now
    big = catalogue.index_of(BIG)
    quantized = {
        catalogue.id_at(c, t)
        for c in catalogue.children[big]
        if catalogue.listed(c, t) and catalogue.models[c].relation == "quantized"
    }
    assert 0 < len(quantized) < len(children_ids(catalogue, BIG, t))
    models = list(api.list_models(filter=f"base_model:quantized:{BIG}", expand=["baseModels", "tags"]))
    assert {m.id for m in models} == quantized
    assert len(models) == len(quantized)
    assert all(m.base_models["relation"] == "quantized" for m in models)
    assert all(f"base_model:quantized:{BIG}" in m.tags for m in models)


def test_author_and_search(hub, api, catalogue) -> None:
    t = hub.now
    listed = [catalogue.id_at(i, t) for i in catalogue.iter_listed(t)]
    by_author: dict[str, int] = {}
    for repo_id in listed:
        by_author[repo_id.split("/")[0]] = by_author.get(repo_id.split("/")[0], 0) + 1
    author = max(sorted(by_author), key=by_author.__getitem__)
    assert by_author[author] > 20
    got = [m.id for m in api.list_models(author=author)]
    assert sorted(got) == sorted(r for r in listed if r.split("/")[0] == author)

    for needle in ("CHAIN-step", "llama-3.1-8B-INSTRUCT-"):
        expected = {r for r in listed if needle.lower() in r.lower()}
        assert expected, needle
        got = [m.id for m in api.list_models(search=needle)]
        assert sorted(got) == sorted(expected), needle
    assert set(catalogue.features["deep_chain"]) == {r for r in listed if "chain-step" in r.lower()}


def _catalogue_value(cat: Catalogue, i: int, t: int, key: str) -> int:
    if key == "createdAt":
        return cat.models[i].created
    if key == "lastModified":
        return cat.last_modified(i, t)
    f = cat.figures(i, t)
    return {"downloads": f.downloads, "likes": f.likes, "trendingScore": f.trending_score}[key]


def _payload_value(item: dict, key: str) -> int:
    value = item[key]
    if key in ("createdAt", "lastModified"):
        return int(datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%f%z").timestamp())
    return value


@pytest.mark.parametrize(
    ("client_sort", "key"),
    [
        ("downloads", "downloads"),
        ("likes", "likes"),
        ("created_at", "createdAt"),
        ("trending_score", "trendingScore"),
        ("last_modified", "lastModified"),
    ],
)
def test_sort_is_descending_across_pages_with_stable_cursors(hub, api, catalogue, client_sort, key) -> None:
    t = hub.now
    expected = children_ids(catalogue, BIG, t)
    params = [("filter", f"base_model:{BIG}"), ("sort", key), ("limit", "250"), ("expand", key)]
    pages = fetch_pages(f"{hub.url}/api/models", params)
    assert len(pages) == math.ceil(len(expected) / 250)
    items = items_of(pages)
    ids = [item["id"] for item in items]
    assert len(ids) == len(set(ids))
    assert set(ids) == expected
    values = [_catalogue_value(catalogue, catalogue.index_of(item["id"]), t, key) for item in items]
    assert [_payload_value(item, key) for item in items] == values
    assert all(a >= b for a, b in zip(values, values[1:], strict=False)), f"{key} not descending"
    assert len(set(values)) > 1
    # A cursor is stable: the same next-page URL gives the same page again.
    with httpx2.Client() as client:
        again = client.get(pages[1].links["next"]["url"])
    assert again.content == pages[2].content
    # The real client (page size 1,000) sees the same order as 250-item pages.
    assert [m.id for m in api.list_models(filter=f"base_model:{BIG}", sort=client_sort)] == ids


def test_gated_filter(hub, api, catalogue) -> None:
    t = hub.now
    kids = [c for c in catalogue.children[catalogue.index_of(BIG)] if catalogue.listed(c, t)]
    gated = {catalogue.id_at(c, t) for c in kids if catalogue.models[c].gated}
    assert catalogue.features["gated"][0] in gated
    got = [m.id for m in api.list_models(filter=f"base_model:{BIG}", gated=True)]
    assert sorted(got) == sorted(gated)
    got = [m.id for m in api.list_models(filter=f"base_model:{BIG}", gated=False)]
    assert sorted(got) == sorted(catalogue.id_at(c, t) for c in kids if not catalogue.models[c].gated)


def test_limit_above_1000_is_capped(hub, catalogue) -> None:
    r = httpx2.get(f"{hub.url}/api/models", params={"limit": "5000"})
    assert r.status_code == 200
    assert len(r.json()) == 1000
    assert sum(1 for _ in catalogue.iter_listed(hub.now)) > 1000
    assert "next" in r.links
    assert parse_qs(urlsplit(r.links["next"]["url"]).query)["limit"] == ["5000"]


# --- 3. expand ------------------------------------------------------------------------------------


def test_expand_fields_parse_into_model_info(hub, api, catalogue) -> None:
    t = hub.now
    models = list(api.list_models(filter=f"base_model:{BIG}", expand=EXPAND))
    assert {m.id for m in models} == children_ids(catalogue, BIG, t)
    with_children = 0
    for info in models:
        i = catalogue.index_of(info.id)
        m, f = catalogue.models[i], catalogue.figures(i, t)
        assert (info.downloads, info.downloads_all_time) == (f.downloads, f.downloads_all_time), info.id
        assert (info.likes, info.trending_score) == (f.likes, f.trending_score), info.id
        assert info.created_at == utc(m.created)
        assert info.created_at.utcoffset().total_seconds() == 0
        count = sum(1 for c in catalogue.children[i] if catalogue.listed(c, t))
        assert info.children_model_count == count, info.id
        with_children += count > 0
        parents = [
            {"_id": catalogue.models[p].oid, "id": catalogue.id_at(p, t)} if isinstance(p, int) else {"id": p}
            for p in m.parents
        ]
        assert info.base_models == {"relation": m.relation, "models": parents}, info.id
        assert BIG in [p.get("id") for p in parents]
        assert (info.gated, info.library_name, info.pipeline_tag) == (m.gated, m.library, m.pipeline)
        names = [p["id"] for p in parents]
        base_tags = [tag for tag in info.tags if tag.startswith("base_model:")]
        assert sorted(base_tags) == sorted(
            [f"base_model:{p}" for p in names] + [f"base_model:{m.relation}:{p}" for p in names]
        ), info.id
        assert [tag for tag in info.tags if tag.startswith("license:")] == (
            [f"license:{m.license}"] if m.license else []
        )
        assert info.tags[-1] == "region:us"
    assert with_children > 10
    big = api.model_info(BIG, expand=["childrenModelCount", "downloadsAllTime"])
    assert big.children_model_count == len(children_ids(catalogue, BIG, t)) > 1000
    assert big.downloads_all_time == catalogue.figures(catalogue.index_of(BIG), t).downloads_all_time


def test_expand_returns_only_the_asked_keys(hub, api, catalogue) -> None:
    r = httpx2.get(
        f"{hub.url}/api/models",
        params=[("filter", f"base_model:{BIG}"), ("limit", "50"), ("expand", "downloadsAllTime")],
    )
    assert r.status_code == 200
    assert len(r.json()) == 50
    assert all(list(item) == ["_id", "id", "downloadsAllTime"] for item in r.json())
    info = next(iter(api.list_models(filter=f"base_model:{BIG}", expand=["downloadsAllTime"], limit=1)))
    assert info.downloads is None
    assert info.likes is None
    assert info.created_at is None
    assert info.downloads_all_time is not None
    one = api.model_info(BIG, expand=["downloadsAllTime"])
    assert one.downloads is None
    assert one.tags is None
    assert one.downloads_all_time > 0
    r = httpx2.get(f"{hub.url}/api/models/{BIG}", params=[("expand", "likes"), ("expand", "gated")])
    assert list(r.json()) == ["_id", "id", "likes", "gated"]


def test_default_listing_item_keys(hub, catalogue) -> None:
    r = httpx2.get(f"{hub.url}/api/models", params={"limit": "1000"})
    assert r.status_code == 200
    for item in r.json():
        m = catalogue.models[catalogue.index_of(item["id"])]
        assert list(item) == [k for k in DEFAULT_LISTING_KEYS if k in item], item["id"]
        absent = set(DEFAULT_LISTING_KEYS) - set(item)
        assert absent <= {"library_name", "pipeline_tag"}, absent
        assert ("library_name" in item) == (m.library is not None)
        assert ("pipeline_tag" in item) == (m.pipeline is not None)
        assert item["modelId"] == item["id"]
        assert item["private"] is False
        ModelInfo(**item)


# --- 4. shapes against the recorded samples ------------------------------------------------


def _sample(name: str) -> dict:
    return json.loads((PAYLOADS / name).read_text())


def test_model_info_payload_matches_the_recorded_llama_payload(hub) -> None:
    sample = _sample("model_info__meta-llama__Llama-3.1-8B-Instruct.body.json")
    r = httpx2.get(f"{hub.url}/api/models/{BIG}")
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "application/json; charset=utf-8"
    ours = r.json()
    assert list(ours) == [k for k in sample if k != "inference"]
    for key, value in ours.items():
        assert type(value) is type(sample[key]), key
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
    )
    ours = httpx2.get(f"{hub.url}/api/models/{finetune}").json()
    assert list(ours) == [k for k in sample if k != "inference"]
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
