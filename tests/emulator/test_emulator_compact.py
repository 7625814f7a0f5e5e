"""The realistic catalogue's compact part (millions of unrelated models in arrays), at a small size.

Paging through the whole Hub yields every listed model once, in `_id` order, both parts interleaved,
in the Hub's shapes; lookups and filters reach compact models; the ground truth and the floors of a
Llama crawl ignore the part; both crawl strategies still find exactly the ground truth.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import httpx2
import pytest
from huggingface_hub import ModelInfo

from tracker.collect.crawl import Crawl
from tracker.collect.expand import CRAWL_EXPAND
from tracker.collect.hub import HubClient
from tracker.collect.payloads import parse_observation
from tracker.core.ecosystems import load_ecosystems, select_ecosystems
from tracker.emulator.builders.realistic import build_realistic
from tracker.emulator.catalogue import Catalogue
from tracker.emulator.routes.server import HubEmulator
from tracker.emulator.truth import (
    ground_truth,
    members,
    naive_crawl_cost,
    scan_request_floor,
    tree_request_floor,
)
from tracker.emulator.vocabulary import DAY

MODELS, LLAMA = 30_000, 1_500
QWEN = "Qwen/Qwen2.5-7B-Instruct"


@pytest.fixture(scope="module")
def cat() -> Catalogue:
    return build_realistic(seed=0, models=MODELS, llama=LLAMA)


@pytest.fixture(scope="module")
def hub(cat: Catalogue) -> Iterator[HubEmulator]:
    with HubEmulator(cat) as emulator:
        yield emulator


@pytest.fixture(scope="module")
def llama():
    return select_ecosystems(load_ecosystems(), ["llama"])


def fetch_all(url: str, params: list[tuple[str, str]]) -> list[dict]:
    items: list[dict] = []
    r = httpx2.get(url, params=params)
    while True:
        assert r.status_code == 200, r.text
        items.extend(r.json())
        if "next" not in r.links:
            return items
        r = httpx2.get(r.links["next"]["url"])


def is_compact(cat: Catalogue, model_id: str) -> bool:
    return cat.index_of(model_id) >= len(cat.full)


def test_the_catalogue_has_the_promised_shape(cat: Catalogue, llama) -> None:
    t = cat.default_now
    assert cat.compact is not None
    assert len(cat.compact) > 10 * len(cat.full)
    created = sum(1 for i in range(cat.created_by(t))) + cat.compact.created_by(t)
    assert abs(created - MODELS) < 0.02 * MODELS
    found, _ = members(cat, llama[0], t)
    assert abs(len(found) - LLAMA) < 0.1 * LLAMA
    internal = sum(1 for i in found if cat.listed_children_count(i, t) > 0)
    assert 0.01 < internal / len(found) < 0.10  # a few percent of the tree has children
    declared = cat.compact.parent != -1
    assert 0.2 < declared.mean() < 0.35  # about a quarter of the Hub declares a base
    assert cat.listed_count(t + 60 * DAY) > cat.listed_count(t)  # the compact part grows with the clock


@pytest.mark.slow
def test_paging_through_the_hub_yields_every_listed_model_once_in_id_order(cat: Catalogue, hub) -> None:
    t = hub.now
    listed = [e for e in CRAWL_EXPAND if e != "childrenModelCount"]  # the real Hub's listings refuse it
    params = [("limit", "1000"), *[("expand", e) for e in listed]]
    items = fetch_all(f"{hub.url}/api/models", params)
    assert len(items) == cat.listed_count(t)
    assert sorted(m["id"] for m in items) == sorted(cat.id_at(i, t) for i in cat.iter_listed(t))
    oids = [m["_id"] for m in items]
    assert oids == sorted(oids)
    assert len(set(oids)) == len(oids)
    kinds = [is_compact(cat, m["id"]) for m in items]
    assert sum(kinds) > 0.9 * len(items)
    assert kinds.index(False) < len(kinds) - 1 - kinds[::-1].index(True)  # the parts interleave
    for n, (m, compact) in enumerate(zip(items, kinds, strict=True)):
        # `_id`, `id`, then the asked properties the model has, in the order asked (as the full part)
        assert list(m) == ["_id", "id", *(e for e in listed if e in m)]
        assert {"downloadsAllTime", "tags", "createdAt"} <= set(m)
        if compact and (n % 5 == 0 or "baseModels" in m):
            assert ModelInfo(**m).id == m["id"]
            obs = parse_observation(m)
            assert obs.children_count is None  # not on listings: model_info has it, by relation
            if n % 50 == 0:
                info = httpx2.get(f"{hub.url}/api/models/{m['id']}", params={"expand": "childrenModelCount"})
                counts = info.json()["childrenModelCount"]
                assert sum(counts.values()) == cat.listed_children_count(cat.index_of(m["id"]), t)
                assert counts == cat.listed_children_by_relation(cat.index_of(m["id"]), t)
            for parent in obs.parents:
                assert f"base_model:{parent}" in m["tags"]
                assert not parent.lower().startswith(("meta-llama/", "codellama/"))


def test_compact_models_answer_lookups_and_filters(cat: Catalogue, hub) -> None:
    t = hub.now
    comp, offset = cat.compact, len(cat.full)
    assert comp is not None
    base = next(j for j in range(0, len(comp), 89) if comp.listed(j, t) and len(comp.children(j)) > 3)
    base_id = cat.id_at(offset + base, t)
    got = fetch_all(f"{hub.url}/api/models", [("filter", f"base_model:{base_id}")])
    want = [cat.id_at(c, t) for c in cat.children_of(offset + base) if cat.listed(c, t)]
    assert [m["id"] for m in got] == want
    assert want
    qwen = fetch_all(f"{hub.url}/api/models", [("filter", f"base_model:{QWEN}"), ("limit", "50")])
    assert len(qwen) == cat.listed_children_count(cat.index_of(QWEN), t)
    assert any(is_compact(cat, m["id"]) for m in qwen)
    assert any(not is_compact(cat, m["id"]) for m in qwen)
    assert [m["_id"] for m in qwen] == sorted(m["_id"] for m in qwen)
    quantized = fetch_all(f"{hub.url}/api/models", [("filter", f"base_model:quantized:{QWEN}")])
    assert {m["id"] for m in quantized} == {
        cat.id_at(c, t)
        for c in cat.children_of(cat.index_of(QWEN))
        if cat.listed(c, t) and cat.models[c].relation == "quantized"
    }
    author = comp.author_name(base)
    by_author = fetch_all(f"{hub.url}/api/models", [("author", author.upper())])
    assert [m["id"] for m in by_author] == [cat.id_at(i, t) for i in cat.listed_by_author(author, t)]
    gguf = fetch_all(f"{hub.url}/api/models", [("filter", "gguf"), ("expand", "tags")])
    assert any(is_compact(cat, m["id"]) for m in gguf)
    assert all("gguf" in m["tags"] for m in gguf)
    r = httpx2.get(f"{hub.url}/api/models/{base_id.upper()}")
    assert r.status_code == 200
    assert r.json()["id"] == base_id
    assert ModelInfo(**r.json()).id == base_id
    assert httpx2.get(f"{hub.url}/api/models/{base_id}x").status_code == 404
    private = next(j for j in range(len(comp)) if comp.private[j] and comp.created[j] <= t)
    assert httpx2.get(f"{hub.url}/api/models/{cat.id_at(offset + private, t)}").status_code == 404


def test_ground_truth_and_floors_ignore_the_compact_part(cat: Catalogue, llama) -> None:
    t = cat.default_now
    without = build_realistic(seed=0, models=MODELS, llama=LLAMA, compact=False)
    assert without.compact is None
    assert ground_truth(cat, llama, t) == ground_truth(without, llama, t)
    assert tree_request_floor(cat, llama, t) == tree_request_floor(without, llama, t)
    roots = list(llama[0].root_ids)
    assert naive_crawl_cost(cat, roots, t) == naive_crawl_cost(without, roots, t)
    assert scan_request_floor(cat, llama, t) - scan_request_floor(without, llama, t) == math.ceil(
        cat.listed_count(t) / 1000
    ) - math.ceil(without.listed_count(t) / 1000)


@pytest.mark.slow
@pytest.mark.parametrize("strategy", ["tree", "scan"])
def test_both_strategies_find_the_ground_truth(cat: Catalogue, hub, llama, strategy) -> None:
    truth = {m.model_id for m in ground_truth(cat, llama, hub.now).models}
    with HubClient(hub.url) as client:
        crawl = Crawl(client, llama, strategy=strategy)
        found = {m.model_id for batch in crawl.batches() for m in batch.memberships}
    assert found == truth


def test_same_seed_same_bytes(hub) -> None:
    twins = [build_realistic(seed=seed, models=MODELS, llama=LLAMA) for seed in (0, 1)]
    with HubEmulator(twins[0]) as same, HubEmulator(twins[1]) as other:
        params = [
            ("limit", "1000"),
            ("expand", "tags"),
            ("expand", "downloadsAllTime"),
            ("expand", "baseModels"),
        ]
        firsts = [httpx2.get(f"{h.url}/api/models", params=params) for h in (hub, same, other)]
        seconds = [httpx2.get(r.links["next"]["url"]) for r in firsts]  # the cursor is in the bytes too
        for bodies in (firsts, seconds):
            assert [r.status_code for r in bodies] == [200, 200, 200]
            assert bodies[0].content == bodies[1].content
            assert bodies[0].content != bodies[2].content
