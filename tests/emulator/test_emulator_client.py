"""The emulated Hub's listing through the real `huggingface_hub` client and raw HTTP: pages, filters, expand.

Every expected value is computed from the catalogue's own model (`children`, `listed`, `figures`,
`id_at`), never with the emulator's payload functions, so each test can catch a divergence.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import httpx2
import pytest
from huggingface_hub import HfApi, ModelInfo

from tracker.emulator.catalogue import Catalogue, tags_at
from tracker.emulator.routes.server import HubEmulator

BIG = "meta-llama/Llama-3.1-8B-Instruct"
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


def test_expand_fields_parse_into_model_info(catalogue) -> None:
    """On a lenient Hub (child counts on listings, as integers); the real rules:
    tests/collect/test_hub_rules.py."""
    with HubEmulator(catalogue, listing_rules="lenient") as hub:
        _expand_fields_parse(hub, HfApi(endpoint=hub.url, token=False), catalogue)


def _expand_fields_parse(hub, api, catalogue) -> None:  # noqa: ANN001
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


def test_the_client_never_reaches_the_real_hub_for_its_agent_registry(
    api: HfApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    """conftest gives huggingface_hub a fresh cached registry, so it never fetches one from huggingface.co."""
    from huggingface_hub.utils import _detect_agent

    def fetch() -> None:
        raise AssertionError("huggingface_hub tried to fetch its agent registry from the real Hub")

    monkeypatch.setattr(_detect_agent, "_registry", None)
    monkeypatch.setattr(_detect_agent, "_fetch_registry", fetch)
    assert len(list(api.list_models(limit=2))) == 2
