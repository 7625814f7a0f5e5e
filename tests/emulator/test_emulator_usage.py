"""Model sizes and inference providers on the emulated Hub, read with the real huggingface_hub client.

Sizes come from the names of the bases (a known release's exact count), quantizations and adapters keep
their base's, finetunes and merges mostly too; some repositories give none. Providers map a few percent
of the models, mostly official releases, in the real shapes: a list on listings, an object keyed by
provider on `model_info`; staging entries are mapped but not live, and providers appear with the
clock. The ground truth (`parameters`, `live_providers`) is what the payloads and the archive say.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import date

import httpx2
import pyarrow.parquet as pq
import pytest
from huggingface_hub import HfApi, ModelInfo
from huggingface_hub.errors import BadRequestError

from tests.emulator.test_emulator_compact import fetch_all
from tracker.core.ecosystems import load_ecosystems
from tracker.emulator.archive.repository import Archive
from tracker.emulator.archive.schema import label_time
from tracker.emulator.builders import providers
from tracker.emulator.builders.realistic import build_realistic
from tracker.emulator.builders.synthetic import build_synthetic
from tracker.emulator.catalogue import Catalogue
from tracker.emulator.payloads import gguf_of, parameters_of, safetensors_of
from tracker.emulator.routes.server import HubEmulator
from tracker.emulator.truth import ground_truth
from tracker.emulator.vocabulary import DAY

BIG = "meta-llama/Llama-3.1-8B-Instruct"
EXPAND = ["safetensors", "gguf", "inferenceProviderMapping"]
LIST_KEYS = {"provider", "providerId", "status", "task"}
OBJECT_KEYS = {"status", "providerId", "task", "isModelAuthor"}


def _api(emu: HubEmulator) -> HfApi:
    return HfApi(endpoint=emu.url, token=False, library_name="tracker-tests")


def listing(emu: HubEmulator, *extra: tuple[str, str]) -> list[dict]:
    return fetch_all(f"{emu.url}/api/models", [("limit", "1000"), *[("expand", e) for e in EXPAND], *extra])


def implied_parameters(payload: dict) -> int | None:
    """What a payload says of the size, read as `notes/real-hub-2026.md` section 2 says to."""
    st, gguf = payload.get("safetensors"), payload.get("gguf")
    if st is not None:
        return max(st["total"], sum(st["parameters"].values()))
    return gguf["total"] if gguf is not None else None


def live_in(mapping: list | dict | None) -> tuple[str, ...]:
    """Providers with status `live`, sorted, from either shape."""
    if isinstance(mapping, dict):
        return tuple(sorted(name for name, v in mapping.items() if v["status"] == "live"))
    return tuple(sorted(e["provider"] for e in mapping or () if e["status"] == "live"))


def _listed(cat: Catalogue) -> list[int]:
    return list(cat.iter_listed(cat.default_now))


# --- sizes ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("repo_id", "low", "high"),
    [
        ("meta-llama/Llama-3.1-8B-Instruct", 8.03e9, 8.031e9),
        ("meta-llama/Llama-3.1-405B", 405.8e9, 405.9e9),
        ("meta-llama/Llama-3.2-1B", 1.23e9, 1.24e9),
        ("meta-llama/Llama-4-Scout-17B-16E-Instruct", 108e9, 110e9),
        ("mistralai/Mixtral-8x7B-v0.1", 46.7e9, 46.71e9),
        ("mistralai/Mixtral-8x22B-Instruct-v0.1", 140e9, 141e9),
        ("mistralai/Mistral-Nemo-Instruct-2407", 12.2e9, 12.3e9),
        ("deepseek-ai/DeepSeek-V3", 670e9, 672e9),
        ("deepseek-ai/DeepSeek-R1-Distill-Qwen-7B", 6.7e9, 7.3e9),
        ("google/gemma-2-9b", 9.2e9, 9.3e9),
        ("Qwen/Qwen3-30B-A3B", 29e9, 31e9),
        ("Qwen/Qwen2.5-0.5B", 0.48e9, 0.53e9),
        ("meta-llama/Llama-Prompt-Guard-2-22M", 21e6, 23e6),
        ("google-bert/bert-base-uncased", 100e6, 120e6),
    ],
)
def test_bases_take_their_size_from_their_name(
    small: Catalogue, repo_id: str, low: float, high: float
) -> None:
    m = small.models[small.index_of(repo_id)]
    assert low <= m.params <= high
    assert parameters_of(m) == m.params  # served as safetensors, counts summing to it


def test_official_instruct_roots_have_their_bases_size(small: Catalogue) -> None:
    for base, instruct in [
        ("meta-llama/Llama-3.1-8B", BIG),
        ("meta-llama/Llama-3.2-11B-Vision", "meta-llama/Llama-3.2-11B-Vision-Instruct"),
        ("meta-llama/Llama-2-7b-chat-hf", "meta-llama/Llama-2-7b-hf"),
    ]:
        assert small.models[small.index_of(base)].params == small.models[small.index_of(instruct)].params


def _derivatives(cat: Catalogue) -> Iterator[tuple[int, int]]:
    """(model, first base) of every listed derivative whose first base is in the catalogue."""
    for i in _listed(cat):
        m = cat.models[i]
        if m.relation and m.parents and isinstance(m.parents[0], int) and m.parents[0] != i:
            yield i, m.parents[0]


def _check_inheritance(cat: Catalogue) -> None:
    same: Counter = Counter()
    count: Counter = Counter()
    for i, p in _derivatives(cat):
        m, base = cat.models[i], cat.models[p]
        count[m.relation] += 1
        same[m.relation] += m.params == base.params
        if m.relation in ("quantized", "adapter"):
            assert m.params == base.params, m.repo_id
            implied, base_implied = parameters_of(m), parameters_of(base)
            assert implied is None or base_implied is None or implied == base_implied, m.repo_id
    assert count["quantized"] > 50
    assert count["adapter"] > 50
    for relation in ("finetune", "merge"):  # mostly their base's size; some follow their own name
        assert 0.85 < same[relation] / count[relation] < 1.0, relation


def test_quantizations_and_adapters_share_their_base_size(small: Catalogue) -> None:
    _check_inheritance(small)


@pytest.mark.slow
def test_the_compact_part_inherits_sizes_too() -> None:
    cat = build_realistic(seed=0, models=30_000, llama=1_500)
    _check_inheritance(cat)
    compact = [i for i, _ in _derivatives(cat) if i >= len(cat.full)]
    assert len(compact) > 1000
    listed = [i for i in _listed(cat) if i >= len(cat.full)]
    mapped = [i for i in listed if cat.models[i].providers]
    assert 0.001 < len(mapped) / len(listed) < 0.05


def test_the_real_catalogue_inherits_sizes_and_has_providers(real: Catalogue) -> None:
    cat = real
    _check_inheritance(cat)
    t = cat.default_now
    listed = _listed(cat)
    mapped = sum(1 for i in listed if providers.mapping_at(cat.models[i].providers, t))
    assert 0.01 < mapped / len(listed) < 0.10
    big = cat.models[cat.index_of(BIG)]
    assert big.params == 8_030_261_248  # as the real Hub shows it
    assert len(providers.live_at(big.providers, t)) >= 2


def test_some_repositories_give_no_size(small: Catalogue) -> None:
    no_size = [i for i in _listed(small) if parameters_of(small.models[i]) is None]
    assert no_size
    exl2 = [i for i in _listed(small) if "exl2" in small.models[i].extra_tags]
    assert exl2
    assert all(parameters_of(small.models[i]) is None for i in exl2)
    assert all(small.models[i].params > 0 for i in exl2)  # it has a size: the Hub just does not say


def test_a_few_safetensors_totals_are_wrong_and_the_dtype_sum_is_right(catalogue: Catalogue) -> None:
    wrong = []
    for i in _listed(catalogue):
        st = safetensors_of(catalogue.models[i])
        if st is not None and st["total"] < sum(st["parameters"].values()):
            wrong.append(i)
    assert wrong
    assert len(wrong) < 0.03 * len(_listed(catalogue))
    m = catalogue.models[wrong[0]]
    assert parameters_of(m) == m.params


def test_sizes_over_http_through_the_client(emulator: HubEmulator, small: Catalogue) -> None:
    api = _api(emulator)
    base = api.model_info(BIG, expand=["safetensors"])
    assert base.safetensors.total == small.models[small.index_of(BIG)].params
    quants = list(api.list_models(filter=f"base_model:quantized:{BIG}", expand=["safetensors", "gguf"]))
    assert quants
    kinds = Counter()
    for q in quants:
        if q.safetensors is not None:
            kinds["safetensors"] += 1
            assert sum(q.safetensors.parameters.values()) == base.safetensors.total
        elif q.gguf is not None:
            kinds["gguf"] += 1
            assert q.gguf["total"] == base.safetensors.total
            assert q.gguf["architecture"] == "llama"
        else:
            kinds["neither"] += 1
    assert kinds["safetensors"]
    assert kinds["gguf"]


# --- providers -------------------------------------------------------------------------------------------


def test_listing_items_carry_a_list_and_model_info_an_object(emulator: HubEmulator) -> None:
    items = listing(emulator, ("sort", "downloads"))
    mapped = [item for item in items if "inferenceProviderMapping" in item]
    assert mapped
    for item in mapped:
        mapping = item["inferenceProviderMapping"]
        assert isinstance(mapping, list)
        assert mapping
        for entry in mapping:
            assert LIST_KEYS <= set(entry) <= LIST_KEYS | {"adapter", "adapterWeightsPath", "type"}
            assert entry["status"] in providers.STATUSES
        parsed = ModelInfo(**item).inference_provider_mapping
        assert [p.provider for p in parsed] == [e["provider"] for e in mapping]
    info = httpx2.get(
        f"{emulator.url}/api/models/{BIG}", params={"expand": "inferenceProviderMapping"}
    ).json()
    assert list(info) == ["_id", "id", "inferenceProviderMapping"]  # as the recorded sample
    mapping = info["inferenceProviderMapping"]
    assert isinstance(mapping, dict)
    assert mapping
    for value in mapping.values():
        assert OBJECT_KEYS <= set(value) <= OBJECT_KEYS | {"adapter", "adapterWeightsPath"}
    parsed = ModelInfo(**info).inference_provider_mapping
    assert {p.provider: p.status for p in parsed} == {k: v["status"] for k, v in mapping.items()}
    assert all(p.hf_model_id == BIG and p.provider_id and p.task == "conversational" for p in parsed)
    listed = next(item for item in items if item["id"] == BIG)["inferenceProviderMapping"]
    assert [e["provider"] for e in listed] == list(mapping)  # the same providers, in the same order


def test_the_client_parses_both_shapes(emulator: HubEmulator) -> None:
    api = _api(emulator)
    info = api.model_info(BIG, expand=["inferenceProviderMapping"])
    from_listing = next(m for m in api.list_models(author="meta-llama", expand=EXPAND) if m.id == BIG)
    assert info.inference_provider_mapping
    assert [(p.provider, p.status, p.provider_id, p.task) for p in info.inference_provider_mapping] == [
        (p.provider, p.status, p.provider_id, p.task) for p in from_listing.inference_provider_mapping
    ]


def test_staging_entries_are_mapped_but_not_live(emulator: HubEmulator, small: Catalogue) -> None:
    t = emulator.now
    staged = [
        i
        for i in _listed(small)
        if "staging" in providers.mapping_at(small.models[i].providers, t).values()
        and small.models[i].relation != "adapter"
    ]
    assert staged
    i = staged[0]
    model_id = small.id_at(i, t)
    info = _api(emulator).model_info(model_id, expand=["inferenceProviderMapping", "inference"])
    statuses = {p.provider: p.status for p in info.inference_provider_mapping}
    assert "staging" in statuses.values()
    live = providers.live_at(small.models[i].providers, t)
    assert live == tuple(sorted(p for p, s in statuses.items() if s == "live"))
    for row in ground_truth(small, load_ecosystems(), t).models:
        if row.model_id == model_id:  # when an ecosystem tracks it
            assert row.live_providers == live
    assert (info.inference == "warm") == bool(live)


def test_providers_appear_with_the_clock(emulator: HubEmulator, small: Catalogue) -> None:
    # A model a provider maps only some weeks after its creation: absent before, present from then.
    i, entry = next(
        (i, e)
        for i in _listed(small)
        for e in small.models[i].providers[:1]
        if small.models[i].created + 7 * DAY < e[2] < emulator.now
        and small.models[i].old_id is None
        and not small.models[i].toggles
    )
    model_id, since = small.id_at(i, emulator.now), entry[2]
    url = f"{emulator.url}/api/models/{model_id}"
    emulator.set_now(since - 1)
    before = httpx2.get(url, params={"expand": "inferenceProviderMapping"}).json()
    emulator.set_now(since)
    after = httpx2.get(url, params={"expand": "inferenceProviderMapping"}).json()
    assert entry[0] not in before.get("inferenceProviderMapping", {})
    assert after["inferenceProviderMapping"][entry[0]]["status"] == entry[1]
    # Counts change from week to week.
    weeks = [small.default_now - k * 7 * DAY for k in range(0, 40, 8)]
    counts = [
        sum(1 for j in small.iter_listed(w) if providers.live_at(small.models[j].providers, w)) for w in weeks
    ]
    assert len(set(counts)) == len(counts)


@pytest.mark.parametrize("which", ["small", "catalogue"])
def test_providers_map_a_few_percent_of_the_hub_mostly_official(request, which: str) -> None:
    cat: Catalogue = request.getfixturevalue(which)
    t = cat.default_now
    listed = _listed(cat)
    mapped = [i for i in listed if providers.mapping_at(cat.models[i].providers, t)]
    assert 0.01 < len(mapped) / len(listed) < 0.10
    relations = Counter(cat.models[i].relation for i in mapped)
    assert relations["quantized"] <= 0.02 * len(mapped)
    # Popular finetunes are among them, more often the more popular.
    finetunes = [i for i in listed if cat.models[i].relation == "finetune"]
    top = sorted(finetunes, key=lambda i: -cat.models[i].rate)[: len(finetunes) // 50]
    share_top = sum(1 for i in top if cat.models[i].providers) / len(top)
    share_all = sum(1 for i in finetunes if cat.models[i].providers) / len(finetunes)
    assert share_top > 3 * share_all
    # Some entries staged, a few in error, most live.
    statuses = Counter(s for i in mapped for s in providers.mapping_at(cat.models[i].providers, t).values())
    assert statuses["live"] > 4 * statuses["staging"] > 0


def test_most_recent_instruct_roots_of_every_ecosystem_have_several_live_providers(small: Catalogue) -> None:
    t = small.default_now
    for eco in load_ecosystems():
        if eco.name == "muse":
            continue  # one root, a base model: no instruct one yet
        served = total = 0
        for fam in eco.families:
            for root in fam.roots:
                found = small.find(root, t)
                if found is None or found[1] or not small.listed(found[0], t):
                    continue
                m = small.models[found[0]]
                if providers.is_chat(m.repo_id) and m.created >= providers.NEW_GENERATION:
                    total += 1
                    served += len(providers.live_at(m.providers, t)) >= 2
        assert total, eco.name
        assert served / total >= 0.75, eco.name


def test_empty_mappings_are_left_out_or_served_empty_as_asked(
    small: Catalogue, emulator: HubEmulator
) -> None:
    quiet = next(small.id_at(i, emulator.now) for i in _listed(small) if not small.models[i].providers)
    params = {"expand": "inferenceProviderMapping"}
    assert (
        "inferenceProviderMapping"
        not in httpx2.get(f"{emulator.url}/api/models/{quiet}", params=params).json()
    )
    with HubEmulator(small, empty_provider_mapping=True, archive=False) as emu:
        info = httpx2.get(f"{emu.url}/api/models/{quiet}", params=params).json()
        assert info["inferenceProviderMapping"] == {}
        assert ModelInfo(**info).inference_provider_mapping == []
        items = listing(emu)
        assert all("inferenceProviderMapping" in item for item in items)
        assert any(item["inferenceProviderMapping"] == [] for item in items)
        assert httpx2.get(f"{emu.url}/_emulator/state").json()["empty_provider_mapping"] is True


@pytest.mark.parametrize("refused", [("inferenceProviderMapping",), ("safetensors", "gguf")])
def test_listings_can_refuse_providers_or_sizes(small: Catalogue, refused: tuple[str, ...]) -> None:
    with HubEmulator(small, listing_refuses=refused, archive=False) as emu:
        api = _api(emu)
        with pytest.raises(BadRequestError, match=f'got "{refused[0]}"'):
            list(api.list_models(limit=5, expand=["downloads", *EXPAND]))
        r = httpx2.get(f"{emu.url}/api/models", params=[("expand", e) for e in EXPAND])
        assert r.status_code == 400
        assert refused[0] not in r.json()["error"].split("[")[1].split("]")[0].split(", ")
        kept = [e for e in EXPAND if e not in refused]
        assert len(list(api.list_models(limit=5, expand=["downloads", *kept]))) == 5  # asked again without
        assert api.model_info(BIG, expand=EXPAND).id == BIG  # model_info accepts them all
        state = httpx2.get(f"{emu.url}/_emulator/state").json()
        assert set(refused) <= set(state["listing_refuses"])
    with pytest.raises(ValueError, match="not an expand value"):
        HubEmulator(small, listing_refuses=("providers",), archive=False)


# --- ground truth, archive, determinism --------------------------------------------------------------------


@pytest.mark.slow
def test_truth_equals_the_payloads(emulator: HubEmulator, small: Catalogue) -> None:
    truth = ground_truth(small, load_ecosystems(), emulator.now)
    by_id = {item["id"]: item for item in listing(emulator)}
    assert len(truth.models) > 1000
    for m in truth.models:
        item = by_id[m.model_id]
        assert m.parameters == implied_parameters(item), m.model_id
        assert m.live_providers == live_in(item.get("inferenceProviderMapping")), m.model_id
    assert any(m.live_providers for m in truth.models)
    assert any(m.parameters is None for m in truth.models)
    served = [m for m in truth.models if m.live_providers][:30]
    for m in served:
        info = httpx2.get(f"{emulator.url}/api/models/{m.model_id}").json()  # the full default payload
        assert info["inference"] == "warm"
        assert implied_parameters(info) == m.parameters
        mapping = httpx2.get(
            f"{emulator.url}/api/models/{m.model_id}", params={"expand": "inferenceProviderMapping"}
        ).json()["inferenceProviderMapping"]
        assert live_in(mapping) == m.live_providers
    over_http = httpx2.get(f"{emulator.url}/_emulator/truth", params={"ecosystem": "llama"}).json()["models"]
    row = next(r for r in over_http if r["model_id"] == BIG)
    assert row["parameters"] == small.models[small.index_of(BIG)].params
    assert row["live_providers"] == list(
        providers.live_at(small.models[small.index_of(BIG)].providers, emulator.now)
    )


def test_the_archive_agrees_with_the_payloads_at_its_time(small: Catalogue, tmp_path) -> None:
    label = date(2025, 3, 19)
    t = label_time(label)
    with Archive(small, [label], cache_dir=tmp_path) as archive:
        table = pq.read_table(archive.weekly(label).local, columns=["id", "safetensors", "gguf"])
        assert "inferenceProviderMapping" not in pq.read_schema(archive.weekly(label).local).names
    rows = {r["id"]: r for r in table.to_pylist()}
    with HubEmulator(small, now=t, archive=False) as emu:
        items = listing(emu)
    assert len(items) == len(rows)
    for item in items:
        row = rows[item["id"]]
        st = row["safetensors"]
        assert (
            None if st is None else {"parameters": dict(st["parameters"]), "total": st["total"]}
        ) == item.get("safetensors")
        assert row["gguf"] == item.get("gguf")
    assert any(r["gguf"] for r in rows.values())
    assert any(r["safetensors"] for r in rows.values())


def test_same_seed_same_sizes_and_providers(small: Catalogue) -> None:
    again = build_synthetic(seed=3, models=6000)
    other = build_synthetic(seed=4, models=6000)

    def signature(cat: Catalogue) -> list[tuple]:
        return [(m.repo_id, m.params, m.providers) for m in cat.models]

    assert signature(again) == signature(small)
    assert signature(other) != signature(small)
    assert [gguf_of(m) for m in again.models] == [gguf_of(m) for m in small.models]
