"""The Hub client against the emulator over real HTTP: pacing, retries, budgets, errors, the token."""

from __future__ import annotations

import socket
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from tracker.collect.hub import HubClient
from tracker.collect.transport import BadRequest, HubError, HubUnreachable, ModelNotFound
from tracker.emulator.catalogue import Catalogue
from tracker.emulator.routes.faults import Fault, FaultPlan
from tracker.emulator.routes.server import HubEmulator

TOKEN = "hf_TESTtokenNEVERshownANYWHERE0123456789"
BIG = "meta-llama/Llama-3.1-8B-Instruct"


def sample_ids(catalogue: Catalogue, n: int) -> list[str]:
    t = catalogue.default_now
    return [catalogue.id_at(i, t) for i in list(catalogue.iter_listed(t))[:n]]


def test_children_across_pages_match_the_catalogue(hub: HubEmulator, catalogue: Catalogue) -> None:
    with HubClient(hub.url) as client:
        kids = client.children(BIG)
    t = catalogue.default_now
    expected = {
        catalogue.id_at(c, t) for c in catalogue.children[catalogue.index_of(BIG)] if catalogue.listed(c, t)
    }
    assert {k.model_id for k in kids} == expected
    assert len(kids) == len(expected) > 1000
    # 1,000 per page, after one 400: the real Hub's listings refuse expand=childrenModelCount
    assert client.counters.requests == hub.stats()["list_requests"] == 3
    assert hub.stats()["by_status"]["400"] == 1
    first = next(k for k in kids if k.model_id == min(expected))
    f = catalogue.figures(catalogue.index_of(first.model_id), t)
    assert (first.downloads_all_time, first.downloads_30d, first.likes) == (
        f.downloads_all_time,
        f.downloads,
        f.likes,
    )
    assert first.parents == (BIG,)


@pytest.mark.slow
def test_pacing_never_exceeds_a_small_quota(catalogue: Catalogue) -> None:
    emulator = HubEmulator(catalogue, plan=FaultPlan(quota=12, window=1))
    emulator.start()
    try:
        ids = sample_ids(catalogue, 40)
        with HubClient(emulator.url) as client, ThreadPoolExecutor(6) as pool:
            found = list(pool.map(client.model, ids))
        assert [o.model_id for o in found] == ids
        stats = emulator.stats()
        assert stats["quota_rejections"] == 0
        assert stats["peak_window_use"] <= 12
        assert client.counters.rate_limited == 0
        assert client.counters.requests == stats["requests"] == 40
    finally:
        emulator.stop()


@pytest.mark.slow
def test_faults_are_retried_to_the_same_answers(catalogue: Catalogue) -> None:
    ids = sample_ids(catalogue, 60)
    emulator = HubEmulator(catalogue)
    emulator.start()
    try:
        with HubClient(emulator.url) as client:
            clean = [client.model(i) for i in ids]
        emulator.gate.configure(
            FaultPlan(
                faults=(
                    Fault("429", 7),
                    Fault("500", 11),
                    Fault("truncate", 13),
                    Fault("drop", 17),
                    Fault("503", 19),
                )
            )
        )
        with HubClient(emulator.url, backoff_base=0.01) as client, ThreadPoolExecutor(3) as pool:
            faulty = list(pool.map(client.model, ids))
        assert faulty == clean
        injected = sum(emulator.stats()["faults_injected"].values())
        assert injected >= 15
        assert client.counters.retries == injected
        assert client.counters.rate_limited == emulator.stats()["faults_injected"]["429"]
    finally:
        emulator.stop()


def test_an_endpoint_that_never_answered_fails_fast() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    began = time.monotonic()
    with (
        HubClient(f"http://127.0.0.1:{port}", token=TOKEN, unreachable_after=1.0) as client,
        pytest.raises(HubUnreachable) as info,
    ):
        client.model(BIG)
    assert time.monotonic() - began < 5
    message = str(info.value)
    assert message.startswith(f"cannot reach the Hub at http://127.0.0.1:{port}")
    assert "\n" not in message
    assert TOKEN not in message


def test_a_hub_failing_past_the_budget_fails_the_request(catalogue: Catalogue) -> None:
    emulator = HubEmulator(catalogue, plan=FaultPlan(faults=(Fault("503", 1),)))
    emulator.start()
    try:
        with (
            HubClient(emulator.url, retry_budget=0.5, backoff_base=0.05) as client,
            pytest.raises(HubError) as info,
        ):
            client.model(BIG)
        assert "kept failing" in str(info.value)
        assert "HTTP 503" in str(info.value)
        assert client.counters.retries >= 2
    finally:
        emulator.stop()


def test_timeouts_are_retried_within_the_budget(catalogue: Catalogue) -> None:
    emulator = HubEmulator(catalogue, plan=FaultPlan(latency_ms=400))
    emulator.start()
    try:
        with (
            HubClient(emulator.url, timeout=0.1, retry_budget=0.6, backoff_base=0.05) as client,
            pytest.raises(HubError, match="kept failing"),
        ):
            client.model(BIG)
        assert client.counters.retries >= 1
    finally:
        emulator.stop()


def test_not_found_bad_request_and_redirects(hub: HubEmulator, catalogue: Catalogue) -> None:
    with HubClient(hub.url) as client:
        with pytest.raises(ModelNotFound):
            client.model("nobody/nothing")
        with pytest.raises(ModelNotFound):
            client.model(catalogue.features["private"][0])
        with pytest.raises(BadRequest, match="expand"):
            client.get_json(f"{hub.url}/api/models", [("expand", "nonsense")])
        renamed = client.model("meta-llama/Meta-Llama-3.1-8B-Instruct")
        assert renamed.model_id == BIG
    # Every HTTP request counts, the followed redirect too.
    assert client.counters.requests == hub.stats()["requests"]


def test_the_token_is_sent_but_never_shown(hub: HubEmulator) -> None:
    client = HubClient(hub.url, token=TOKEN)
    try:
        assert TOKEN not in repr(client)
        assert client._client.headers["authorization"] == f"Bearer {TOKEN}"
        with pytest.raises(ModelNotFound) as info:
            client.model("nobody/nothing")
        assert TOKEN not in str(info.value)
    finally:
        client.close()


def test_a_malformed_endpoint_is_refused() -> None:
    with pytest.raises(HubError, match="not a Hub endpoint URL"):
        HubClient("huggingface.co")
