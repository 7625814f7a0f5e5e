"""The emulated Hub over time and across builds: same seed same bytes; figures, new models,
deletions, renames and restorations as the clock moves (through the admin API and `set_now`).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import get_args

import httpx2
import pytest
from huggingface_hub.hf_api import ExpandModelProperty_T

from tracker.emulator import figures as curves
from tracker.emulator.builders.forest import FOREST_MODELS
from tracker.emulator.builders.synthetic import build_synthetic
from tracker.emulator.catalogue import Catalogue
from tracker.emulator.routes.rules import RULES
from tracker.emulator.routes.server import HubEmulator

BIG = "meta-llama/Llama-3.1-8B-Instruct"
DAY = 86_400
SMALL = 3_000


def _iso(t: int) -> str:
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def fetch_all(url: str, params: list[tuple[str, str]]) -> list[dict]:
    items: list[dict] = []
    with httpx2.Client() as client:
        r = client.get(url, params=params)
        while True:
            assert r.status_code == 200, f"{r.status_code} {r.text[:200]}"
            items.extend(r.json())
            nxt = r.links.get("next", {}).get("url")
            if nxt is None:
                return items
            r = client.get(nxt)


def status(hub: HubEmulator, repo_id: str) -> int:
    return httpx2.get(f"{hub.url}/api/models/{repo_id}", follow_redirects=False).status_code


def listed_oids(cat: Catalogue, t: int) -> set[str]:
    return {m.oid for i, m in enumerate(cat.models) if cat.listed(i, t)}


# --- 7. same seed, same bytes --------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_hubs() -> Iterator[tuple[HubEmulator, HubEmulator, HubEmulator]]:
    """Two emulators on two separately built seed-0 catalogues, and one on seed 1."""
    hubs = tuple(HubEmulator(build_synthetic(seed=seed, models=SMALL)) for seed in (0, 0, 1))
    for h in hubs:
        h.start()
    try:
        yield hubs
    finally:
        for h in hubs:
            h.stop()


def test_same_seed_gives_the_same_bytes(small_hubs) -> None:
    a, b, other = small_hubs
    every = list(get_args(ExpandModelProperty_T))
    assert len(every) > 25
    listed = [e for e in every if e not in RULES["2026"].listing_refuses]  # what listings accept
    requests = [
        ("/api/models", [("limit", "1000"), *[("expand", e) for e in listed]]),
        ("/api/models", [("sort", "downloads"), ("limit", "500")]),
        (f"/api/models/{BIG}", []),
        (f"/api/models/{BIG}", [("expand", e) for e in every]),
    ]
    for path, params in requests:
        bodies = [httpx2.get(f"{h.url}{path}", params=params) for h in (a, b, other)]
        assert [r.status_code for r in bodies] == [200, 200, 200], path
        assert bodies[0].content == bodies[1].content, f"seed 0 differs from seed 0 on {path} {params[:2]}"
        assert bodies[0].content != bodies[2].content, f"seed 1 equals seed 0 on {path} {params[:2]}"
    page = httpx2.get(f"{a.url}/api/models", params=[("limit", "1000"), *[("expand", e) for e in listed]])
    assert len(page.json()) == 1000
    assert {"baseModels", "downloadsAllTime"} <= {k for m in page.json() for k in m}
    roots = [
        {m["id"] for m in fetch_all(f"{h.url}/api/models", [("author", "meta-llama")])} for h in small_hubs
    ]
    assert BIG in roots[0]
    assert roots[0] == roots[1] == roots[2]
    assert len(a.catalogue) == len(other.catalogue) == SMALL + FOREST_MODELS  # the untracked families


# --- 8. the clock -------------------------------------------------------------------------------------


def _raw_all_time(cat: Catalogue, i: int, t: int) -> int:
    """All-time downloads before any revision, straight from the catalogue's curve parameters."""
    m = cat.models[i]
    return curves.cumulative_downloads(m, (t - m.created) / DAY)


def test_a_week_later_figures_grow_except_the_revision(hub, catalogue) -> None:
    url = f"{hub.url}/api/models"
    params = [("expand", "downloadsAllTime"), ("expand", "downloads")]
    t0 = hub.now
    before = {m["_id"]: m for m in fetch_all(url, params)}
    assert set(before) == listed_oids(catalogue, t0)
    r = httpx2.post(f"{hub.url}/_emulator/clock", json={"advance_days": 7})
    assert r.json() == {"now": _iso(t0 + 7 * DAY)}
    t1 = t0 + 7 * DAY
    after = {m["_id"]: m for m in fetch_all(url, params)}
    assert set(after) == listed_oids(catalogue, t1)

    rev = catalogue.index_of(catalogue.features["revision"][0])
    rev_model = catalogue.models[rev]
    assert t0 < rev_model.revision_at <= t1
    for oid in before.keys() & after.keys():
        grew = after[oid]["downloadsAllTime"] - before[oid]["downloadsAllTime"]
        if oid == rev_model.oid:
            revised = int(_raw_all_time(catalogue, rev, rev_model.revision_at) * rev_model.revision_fraction)
            assert grew == _raw_all_time(catalogue, rev, t1) - _raw_all_time(catalogue, rev, t0) - revised
            assert grew < 0, "the revision must lower downloadsAllTime"
        else:
            assert grew >= 0, after[oid]["id"]
    assert sum(m["downloadsAllTime"] for m in after.values()) > sum(
        m["downloadsAllTime"] for m in before.values()
    )
    # `downloads` is the trailing 30 days: all-time now minus all-time 30 days ago (before revisions).
    for t, items in ((t0, before), (t1, after)):
        for item in items.values():
            i = catalogue.index_of(item["id"])
            f_now, f_then = catalogue.figures(i, t), catalogue.figures(i, t - 30 * DAY)
            assert item["downloadsAllTime"] == f_now.downloads_all_time
            if i == rev and t >= rev_model.revision_at:
                expected = _raw_all_time(catalogue, i, t) - _raw_all_time(catalogue, i, t - 30 * DAY)
            else:
                expected = f_now.downloads_all_time - f_then.downloads_all_time
            assert item["downloads"] == expected, item["id"]
    # New models appear; the leaf deleted four days after the default clock disappears.
    created = {
        m.oid for i, m in enumerate(catalogue.models) if t0 < m.created <= t1 and catalogue.listed(i, t1)
    }
    assert created
    assert created <= after.keys()
    leaf = catalogue.index_of(catalogue.features["deleted"][0])
    assert catalogue.listed(leaf, t0)
    assert not catalogue.listed(leaf, t1), "the deleted leaf must go within the week"
    assert catalogue.models[leaf].oid in before
    assert catalogue.models[leaf].oid not in after


def test_deleted_models_disappear_and_their_children_stay(hub, catalogue) -> None:
    t0 = hub.now
    leaf_id, parent_id = catalogue.features["deleted"]
    leaf, parent = (catalogue.index_of(x) for x in (leaf_id, parent_id))
    gone_at = max(catalogue.models[leaf].toggles[0], catalogue.models[parent].toggles[0])
    assert gone_at > t0
    children = {catalogue.id_at(c, t0) for c in catalogue.children[parent] if catalogue.listed(c, t0)}
    assert children
    assert (status(hub, leaf_id), status(hub, parent_id)) == (200, 200)
    hub.set_now(gone_at - 1)
    assert status(hub, parent_id) == 200
    httpx2.post(f"{hub.url}/_emulator/clock", json={"now": _iso(gone_at)})
    assert hub.now == gone_at
    for repo_id in (leaf_id, parent_id):
        r = httpx2.get(f"{hub.url}/api/models/{repo_id}")
        assert r.status_code == 404, repo_id
        assert r.headers["X-Error-Code"] == "RepoNotFound"
        author = repo_id.split("/")[0]
        assert repo_id not in {m["id"] for m in fetch_all(f"{hub.url}/api/models", [("author", author)])}
    # The children keep their tags and stay listed.
    listed = {catalogue.id_at(c, gone_at) for c in catalogue.children[parent] if catalogue.listed(c, gone_at)}
    assert listed == children
    got = fetch_all(f"{hub.url}/api/models", [("filter", f"base_model:{parent_id}"), ("expand", "tags")])
    assert {m["id"] for m in got} == children
    for child in children:
        assert status(hub, child) == 200, child


def test_restored_model_is_back_after_its_second_toggle(hub, catalogue) -> None:
    repo_id = catalogue.features["restored"][0]
    m = catalogue.models[catalogue.index_of(repo_id)]
    gone, back = m.toggles[:2]
    author = repo_id.split("/")[0]

    def listed_now() -> bool:
        return repo_id in {x["id"] for x in fetch_all(f"{hub.url}/api/models", [("author", author)])}

    assert gone < hub.now < back
    assert status(hub, repo_id) == 404
    assert not listed_now()
    hub.set_now(gone - 1)
    assert status(hub, repo_id) == 200
    assert listed_now()
    hub.set_now(back - 1)
    assert status(hub, repo_id) == 404
    hub.set_now(back)
    assert status(hub, repo_id) == 200
    assert listed_now()


def test_rename_moves_the_id_and_the_childrens_tags(hub, api, catalogue) -> None:
    old, new = catalogue.features["renamed"]
    i = catalogue.index_of(new)
    at = catalogue.models[i].renamed_at
    assert at > hub.now

    def children(t: int) -> set[str]:
        return {catalogue.id_at(c, t) for c in catalogue.children[i] if catalogue.listed(c, t)}

    def listing(parent: str) -> list[dict]:
        return fetch_all(f"{hub.url}/api/models", [("filter", f"base_model:{parent}"), ("expand", "tags")])

    # Before the rename: the old id is the model, the new one does not exist.
    r = httpx2.get(f"{hub.url}/api/models/{old}")
    assert r.status_code == 200
    assert r.json()["id"] == old
    assert status(hub, new) == 404
    got = listing(old)
    assert {m["id"] for m in got} == children(hub.now)
    assert children(hub.now)
    assert all(f"base_model:{old}" in m["tags"] and f"base_model:{new}" not in m["tags"] for m in got)
    assert listing(new) == []
    # From the rename on: the old id redirects, the children's tags name the new id.
    hub.set_now(at)
    r = httpx2.get(f"{hub.url}/api/models/{old}", follow_redirects=False)
    assert r.status_code == 307
    assert r.headers["Location"] == f"/api/models/{new}"
    assert r.text == f"Temporary Redirect. Redirecting to /api/models/{new}"
    assert status(hub, new) == 200
    assert api.model_info(old).id == new
    got = listing(new)
    assert {m["id"] for m in got} == children(at)
    assert all(f"base_model:{new}" in m["tags"] and f"base_model:{old}" not in m["tags"] for m in got)
    assert listing(old) == []
    hub.set_now(at - 1)
    assert status(hub, old) == 200
