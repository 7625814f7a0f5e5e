"""The emulated Hub's rate limit, injected faults and admin API, over real HTTP and the real client.

The quota runs on an injected fake monotonic clock, and the client's backoff sleeps are patched to
advance that clock, so nothing here really waits (except the latency test, which waits 0.2 s).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from types import SimpleNamespace

import httpx2
import pytest
from huggingface_hub import HfApi
from huggingface_hub.errors import HfHubHTTPError
from huggingface_hub.utils import parse_ratelimit_headers

from tracker.emulator.catalogue import Catalogue
from tracker.emulator.routes.faults import Fault, FaultPlan
from tracker.emulator.routes.server import HubEmulator

BIG = "meta-llama/Llama-3.1-8B-Instruct"


class FakeClock:
    """A monotonic clock that moves only when told to."""

    def __init__(self) -> None:
        self.now = 5_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def limited_hub(catalogue: Catalogue, clock: FakeClock) -> Iterator[HubEmulator]:
    """An emulator allowing 3 API requests per 60 s window of the fake clock."""
    with HubEmulator(catalogue, monotonic=clock, plan=FaultPlan(quota=3, window=60)) as emulator:
        yield emulator


@pytest.fixture
def slept(monkeypatch: pytest.MonkeyPatch, clock: FakeClock) -> list[float]:
    """The client's backoff sleeps: recorded, and passed on to the fake clock instead of waiting."""
    from huggingface_hub.utils import _http

    record: list[float] = []

    def sleep(seconds: float) -> None:
        record.append(seconds)
        clock.advance(seconds)

    monkeypatch.setattr(_http, "time", SimpleNamespace(sleep=sleep))
    return record


def children_ids(cat: Catalogue, parent_id: str, t: int) -> set[str]:
    return {cat.id_at(c, t) for c in cat.children[cat.index_of(parent_id)] if cat.listed(c, t)}


# --- 6. the rate limit ------------------------------------------------------------------------


def test_quota_gives_429_with_ratelimit_headers_until_the_window_ends(limited_hub, clock) -> None:
    url = f"{limited_hub.url}/api/models/{BIG}"
    with httpx2.Client() as client:
        rates = []
        for _ in range(3):
            r = client.get(url)
            assert r.status_code == 200
            assert r.headers["RateLimit-Policy"] == '"fixed window";"api";q=3;w=60'
            rates.append(r.headers["RateLimit"])
        assert rates == ['"api";r=2;t=60', '"api";r=1;t=60', '"api";r=0;t=60']
        clock.advance(15.5)
        r = client.get(url)
        assert r.status_code == 429
        assert r.headers["Retry-After"] == "45"
        assert r.headers["RateLimit"] == '"api";r=0;t=45'
        assert r.headers["RateLimit-Policy"] == '"fixed window";"api";q=3;w=60'
        assert "error" in r.json()
        info = parse_ratelimit_headers(r.headers)
        assert info is not None
        assert (info.resource_type, info.remaining, info.reset_in_seconds) == ("api", 0, 45)
        assert (info.limit, info.window_seconds) == (3, 60)
        assert client.get(f"{limited_hub.url}/api/models?limit=1").status_code == 429
        assert client.get(f"{limited_hub.url}/_emulator/state").status_code == 200  # admin: not limited
        clock.advance(45)  # 60.5 s after the window opened: a new window
        r = client.get(url)
        assert r.status_code == 200
        assert r.headers["RateLimit"] == '"api";r=2;t=60'
        r = client.get(f"{limited_hub.url}/api/models/nobody/missing")
        assert r.status_code == 404
        assert r.headers["RateLimit"] == '"api";r=1;t=60'  # every response counts down
    stats = limited_hub.stats()
    assert stats["quota_rejections"] == 2
    assert stats["peak_window_use"] == 3
    assert stats["by_status"] == {"200": 4, "404": 1, "429": 2}


def test_model_info_raises_on_429_but_list_models_waits_for_the_reset(
    limited_hub, clock, slept, catalogue
) -> None:
    api = HfApi(endpoint=limited_hub.url, token=False)
    for _ in range(3):
        assert api.model_info(BIG).id == BIG
    clock.advance(10)
    r = httpx2.get(f"{limited_hub.url}/api/models/{BIG}")
    assert r.status_code == 429
    reset = parse_ratelimit_headers(r.headers).reset_in_seconds
    assert reset == 50
    with pytest.raises(HfHubHTTPError) as raised:
        api.model_info(BIG)
    assert raised.value.response.status_code == 429
    assert slept == []  # model_info does not retry
    models = list(api.list_models(filter=f"base_model:{BIG}", expand=["downloads"]))
    assert slept == [float(reset + 1)]
    assert {m.id for m in models} == children_ids(catalogue, BIG, limited_hub.now)
    stats = limited_hub.stats()
    assert stats["quota_rejections"] == 3
    assert stats["list_requests"] == 3  # the rejected first page, then two pages
    assert stats["peak_window_use"] == 3


# --- 6. injected faults ---------------------------------------------------------------------------


def test_every_7th_request_is_a_429_and_admin_calls_do_not_count(hub) -> None:
    hub.gate.configure(FaultPlan(faults=(Fault.parse("429:7"),)))
    assert Fault.parse("429:7") == Fault("429", 7)
    statuses = []
    with httpx2.Client() as client:
        for _ in range(21):
            r = client.get(f"{hub.url}/api/models/{BIG}")
            statuses.append(r.status_code)
            if r.status_code == 429:
                assert int(r.headers["Retry-After"]) >= 1
                assert parse_ratelimit_headers(r.headers).remaining == 0
            assert client.get(f"{hub.url}/_emulator/state").status_code == 200
            assert client.get(f"{hub.url}/_emulator/stats").status_code == 200
    assert [k for k, s in enumerate(statuses, 1) if s != 200] == [7, 14, 21]
    assert {statuses[6], statuses[13], statuses[20]} == {429}
    stats = hub.stats()
    assert stats["requests"] == 21
    assert stats["faults_injected"] == {"429": 3}
    assert stats["by_status"] == {"200": 18, "429": 3}
    assert stats["quota_rejections"] == 0


def test_500_and_truncate_faults_set_over_http(hub) -> None:
    r = httpx2.post(f"{hub.url}/_emulator/faults", json={"faults": ["500:11", "truncate:13"]})
    assert r.status_code == 200
    assert r.json()["faults"] == ["500:11", "truncate:13"]
    seen: dict[int, httpx2.Response] = {}
    with httpx2.Client() as client:
        for k in range(1, 27):
            seen[k] = client.get(f"{hub.url}/api/models", params={"limit": "3"})
    assert [k for k, r in seen.items() if r.status_code == 500] == [11, 22]
    assert seen[11].json()["error"]
    for k in (13, 26):
        r = seen[k]
        assert r.status_code == 200
        assert len(r.content) == int(r.headers["Content-Length"]) > 0
        with pytest.raises(ValueError):  # noqa: PT011 - json's own error type
            json.loads(r.content)
    for k in set(seen) - {11, 22, 13, 26}:
        assert len(seen[k].json()) == 3
    assert hub.stats()["faults_injected"] == {"500": 2, "truncate": 2}


def test_drop_closes_the_connection_and_the_client_retries(hub, slept, catalogue) -> None:
    hub.gate.configure(FaultPlan(faults=(Fault("drop", 5),)))
    for _ in range(4):
        assert httpx2.get(f"{hub.url}/api/models/{BIG}").status_code == 200
    with pytest.raises((httpx2.RemoteProtocolError, httpx2.NetworkError)):
        httpx2.get(f"{hub.url}/api/models/{BIG}")
    assert hub.stats()["by_status"] == {"200": 4, "dropped": 1}
    # The real client's listing: page 1 is request 1, page 2 (request 2) is dropped, then retried.
    hub.gate.configure(FaultPlan(faults=(Fault("drop", 2),)))
    models = list(HfApi(endpoint=hub.url, token=False).list_models(filter=f"base_model:{BIG}"))
    assert slept == [1]
    assert {m.id for m in models} == children_ids(catalogue, BIG, hub.now)
    assert hub.stats()["faults_injected"] == {"drop": 2}


def test_latency_delays_api_responses(hub) -> None:
    hub.gate.configure(FaultPlan(latency_ms=200))
    start = time.perf_counter()
    assert httpx2.get(f"{hub.url}/api/models/{BIG}").status_code == 200
    assert time.perf_counter() - start >= 0.2


def test_admin_calls_are_never_faulted_nor_counted(hub) -> None:
    hub.gate.configure(FaultPlan(quota=1, faults=(Fault("500", 1),)))
    with httpx2.Client() as client:
        for route in ("state", "faults", "stats", "features"):
            assert client.get(f"{hub.url}/_emulator/{route}").status_code == 200, route
        assert client.post(f"{hub.url}/_emulator/stats/reset").status_code == 200
        assert client.get(f"{hub.url}/_emulator/stats").json()["requests"] == 0
        assert client.get(f"{hub.url}/api/models/{BIG}").status_code == 500
        assert client.get(f"{hub.url}/api/models/{BIG}").status_code == 429  # over the quota of 1
        assert client.get(f"{hub.url}/_emulator/state").status_code == 200
    stats = hub.stats()
    assert stats["requests"] == 2
    assert stats["quota_rejections"] == 1
    assert stats["faults_injected"] == {"500": 1}


# --- 9. the admin API -----------------------------------------------------------------------------


def _iso(t: int) -> str:
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def test_admin_state_and_clock(hub, catalogue) -> None:
    t0 = hub.now
    state = httpx2.get(f"{hub.url}/_emulator/state").json()
    assert state["models"] == len(catalogue)
    assert state["now"] == state["default_now"] == _iso(t0)
    assert state["listed"] == sum(1 for i in range(len(catalogue)) if catalogue.listed(i, t0))
    assert state["plan"]["faults"] == []
    r = httpx2.post(f"{hub.url}/_emulator/clock", json={"advance_days": 7})
    assert r.json() == {"now": _iso(t0 + 7 * 86_400)}
    assert hub.now == t0 + 7 * 86_400
    r = httpx2.post(f"{hub.url}/_emulator/clock", json={"now": "2027-01-01T00:00:00Z"})
    assert hub.now == int(datetime(2027, 1, 1, tzinfo=UTC).timestamp())
    assert httpx2.get(f"{hub.url}/_emulator/state").json()["now"] == "2027-01-01T00:00:00.000Z"
    for body in (b"{}", b"not json", b"[1]"):
        r = httpx2.post(f"{hub.url}/_emulator/clock", content=body)
        assert r.status_code == 400, body
        assert "\n" not in r.json()["error"]
    assert hub.now == int(datetime(2027, 1, 1, tzinfo=UTC).timestamp())


def test_admin_faults_validation(hub) -> None:
    url = f"{hub.url}/_emulator/faults"
    for body in (b"{not json", b'"a string"'):
        r = httpx2.post(url, content=body)
        assert r.status_code == 400, body
        assert r.json()["error"]
    for plan in (
        {"faults": ["teapot:3"]},
        {"faults": ["500:0"]},
        {"faults": ["500"]},
        {"quota": 0},
        {"x": 1},
    ):
        r = httpx2.post(url, json=plan)
        assert r.status_code == 400, plan
        error = r.json()["error"]
        assert error, plan
        assert "\n" not in error, plan
    assert httpx2.get(url).json() == FaultPlan().to_json()  # nothing applied
    r = httpx2.post(url, json={"quota": 50, "window": 10, "faults": ["503:4"], "latency_ms": 0})
    assert r.status_code == 200
    assert httpx2.get(url).json() == {"quota": 50, "window": 10, "latency_ms": 0.0, "faults": ["503:4"]}
    assert hub.gate.plan == FaultPlan(50, 10, (Fault("503", 4),))


def test_admin_stats_and_reset(hub) -> None:
    with httpx2.Client() as client:
        assert client.get(f"{hub.url}/api/models?limit=2").status_code == 200
        assert client.get(f"{hub.url}/api/models/{BIG}").status_code == 200
        assert client.get(f"{hub.url}/api/models/nobody/missing").status_code == 404
        assert client.get(f"{hub.url}/api/models?limit=x").status_code == 400
        stats = client.get(f"{hub.url}/_emulator/stats").json()
        assert stats["requests"] == 4
        assert (stats["list_requests"], stats["model_requests"]) == (2, 2)
        assert stats["by_status"] == {"200": 2, "400": 1, "404": 1}
        assert stats["peak_window_use"] == 4
        reset = client.post(f"{hub.url}/_emulator/stats/reset").json()
        assert reset["requests"] == 0
        assert reset["by_status"] == {}
        assert reset["peak_window_use"] == 0
        assert client.get(f"{hub.url}/_emulator/stats").json()["requests"] == 0


def test_admin_features(hub, catalogue) -> None:
    features = httpx2.get(f"{hub.url}/_emulator/features").json()
    assert features == {k: list(v) for k, v in catalogue.features.items()}
    for name in ("big_parent", "renamed", "deleted", "restored", "revision", "private", "deep_chain"):
        assert features[name], name


def test_admin_truth_for_llama(hub, catalogue) -> None:
    t = hub.now
    truth = httpx2.get(f"{hub.url}/_emulator/truth", params={"ecosystem": "llama"}).json()
    assert truth["taken_at"] == _iso(t)
    models = {m["model_id"]: m for m in truth["models"]}
    assert {m["ecosystem"] for m in truth["models"]} == {"llama"}
    root = models[BIG]
    assert (root["depth"], root["family"], root["relation"]) == (0, "Llama 3.1", "base")
    chain = catalogue.features["deep_chain"]
    for depth, repo_id in enumerate(chain, 1):
        row = models[repo_id]
        assert (row["depth"], row["relation"], row["family"]) == (depth, "finetune", "Llama 3.1"), repo_id
    for repo_id in (BIG, *chain):
        f = catalogue.figures(catalogue.index_of(repo_id), t)
        row = models[repo_id]
        assert (row["downloads_30d"], row["downloads_all_time"]) == (f.downloads, f.downloads_all_time)
        assert (row["likes"], row["trending_score"]) == (f.likes, f.trending_score)
    # Every listed child of the big root is tracked, at depth 1 at most; private models and their
    # children are not.
    for child in children_ids(catalogue, BIG, t):
        assert models[child]["depth"] <= 1, child
    assert catalogue.features["private"][0] not in models
    assert catalogue.features["child_of_private"][0] not in models
    edges = {(e["child_id"], e["parent_id"], e["relation"]) for e in truth["edges"]}
    assert (chain[1], chain[0], "finetune") in edges
    assert (chain[0], BIG, "finetune") in edges
    selfish = catalogue.features["self_base"][0]
    assert all(not (c == selfish and p == selfish) for c, p, _ in edges)
