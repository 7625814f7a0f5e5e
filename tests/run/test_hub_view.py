"""The whole-Hub view end to end: scans a week apart and archive files, over real HTTP, on SQLite and the
real PostgreSQL, each equal to the emulator's independent truth (`tracker.emulator.hub_truth`): every
base's figures, the Hub-wide totals, new derivatives against the run before, whatever order runs arrive in.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine, text

from tracker.collect.archive import HubArchive
from tracker.collect.hub import HubClient
from tracker.core.ecosystems import load_ecosystems
from tracker.emulator.archive.schema import label_time
from tracker.emulator.builders.forest import (
    CYCLE_IDS,
    DELETED_BASE_ID,
    MUSE_ID,
    NEW_BASE_CREATED,
    NEW_BASE_ID,
    PRIVATE_BASE_ID,
    SELF_NAMED_BASE_ID,
    TEXT_TO_IMAGE_ID,
)
from tracker.emulator.hub_truth import HubTruth, whole_hub
from tracker.emulator.routes.server import HubEmulator
from tracker.emulator.vocabulary import DAY
from tracker.read import hub
from tracker.run.backfill import run_backfill
from tracker.run.snapshot import take_snapshot

ECOSYSTEMS = tuple(e for e in load_ecosystems() if e.enabled)
FIELDS = (
    "derivatives",
    "new_derivatives",
    "finetunes",
    "adapters",
    "quantizations",
    "merges",
    "downloads_30d",
    "downloads_all_time",
    "derivative_downloads_30d",
)


def recorded(engine: Engine, run_id: int) -> tuple[tuple, dict[str, tuple]]:
    """A run's Hub-wide totals and its bases' figures, as stored."""
    with engine.connect() as c:
        totals = c.execute(
            text("SELECT hub_models, hub_derivatives, hub_new_derivatives FROM snapshot_run WHERE id = :r"),
            {"r": run_id},
        ).one()
        rows = c.execute(
            text(f"SELECT base_id, {', '.join(FIELDS)} FROM hub_base WHERE run_id = :r"), {"r": run_id}
        ).all()
    return tuple(totals), {r[0]: tuple(r[1:]) for r in rows}


def expected(truth: HubTruth, *, all_time: bool = True) -> tuple[tuple, dict[str, tuple]]:
    bases = {}
    for base_id, b in truth.bases.items():
        row = tuple(getattr(b, f) for f in FIELDS)
        bases[base_id] = row if all_time else row[:7] + (None,) + row[8:]
    return (truth.models, truth.derivatives, truth.new_derivatives), bases


def assert_view(engine: Engine, run_id: int, truth: HubTruth, *, all_time: bool = True) -> dict[str, tuple]:
    got_totals, got = recorded(engine, run_id)
    want_totals, want = expected(truth, all_time=all_time)
    assert got_totals == want_totals
    assert set(got) == set(want), (
        f"missing {sorted(set(want) - set(got))[:3]}, extra {sorted(set(got) - set(want))[:3]}"
    )
    wrong = {b: (got[b], want[b]) for b in want if got[b] != want[b]}
    assert not wrong, f"{len(wrong)} bases differ, e.g. {next(iter(wrong.items()))}"
    return got


@pytest.mark.slow
def test_two_scans_a_week_apart_equal_the_truth(engine: Engine, emulator: HubEmulator) -> None:
    cat = emulator.catalogue
    emulator.set_now(NEW_BASE_CREATED - 3 * DAY)
    first_t = emulator.now
    with HubClient(emulator.url) as client:
        first = take_snapshot(engine, client, ECOSYSTEMS, strategy="scan")
    before = assert_view(engine, first.run_id, whole_hub(cat, first_t))
    emulator.advance(7 * DAY)
    with HubClient(emulator.url) as client:
        second = take_snapshot(engine, client, ECOSYSTEMS, strategy="scan")
    after = assert_view(engine, second.run_id, whole_hub(cat, emulator.now, before=first_t))
    # The base that appeared between the weeks: all its derivatives are new.
    assert NEW_BASE_ID not in before
    assert after[NEW_BASE_ID][0] == after[NEW_BASE_ID][1] > 0
    # The forest's traps: a text-to-image base, Muse, a base naming itself are bases; a deleted or a
    # private base is none (its derivatives are nobody's), nor is a cycle.
    assert {TEXT_TO_IMAGE_ID, MUSE_ID, SELF_NAMED_BASE_ID} <= set(after)
    assert not {DELETED_BASE_ID, PRIVATE_BASE_ID, *CYCLE_IDS} & set(after)
    with engine.connect() as c:
        tracked = dict(
            c.execute(
                text("SELECT base_id, ecosystems FROM hub_base WHERE run_id = :r"), {"r": second.run_id}
            ).all()
        )
        regions = dict(
            c.execute(
                text("SELECT base_id, region FROM hub_base WHERE run_id = :r"), {"r": second.run_id}
            ).all()
        )
    assert tracked[MUSE_ID] == "muse"
    assert tracked[TEXT_TO_IMAGE_ID] == ""
    assert regions[MUSE_ID] == "us"
    # What readers get: the new base named, the regions' shares of all derivatives adding up to at least
    # one (a merge across regions counts in each), the run before without new counts has no risers.
    assert NEW_BASE_ID in set(hub.new_bases(engine, second.run_id)["base_id"])
    assert hub.new_bases(engine, first.run_id).empty
    regions_now = hub.load_groups(engine, "region").query(f"run_id == {second.run_id}")
    assert regions_now["derivatives"].sum() >= after_totals(engine, second.run_id)
    assert regions_now["new_derivatives"].notna().all()
    assert hub.risers(engine, second.run_id).empty
    assert list(hub.load_view_runs(engine)["run_id"]) == [first.run_id, second.run_id]


def after_totals(engine: Engine, run_id: int) -> int:
    return recorded(engine, run_id)[0][1]


@pytest.mark.slow
def test_archive_files_in_any_order_equal_the_truth(engine: Engine, emulator: HubEmulator) -> None:
    cat = emulator.catalogue
    archive = HubArchive(emulator.url)
    days = (date(2026, 10, 21), date(2026, 10, 28))
    older, newer = (label_time(d) for d in days)
    # The newer file first: its new derivatives are unknown (no run before it), until the older arrives.
    (outcome,) = run_backfill(
        engine, archive, ECOSYSTEMS, since=days[1], until=days[1], endpoint="emulated"
    ).files
    assert outcome.status == "imported", outcome.reason
    assert_view(engine, outcome.run_id, whole_hub(cat, newer))
    newer_run = outcome.run_id
    (outcome,) = run_backfill(
        engine, archive, ECOSYSTEMS, since=days[0], until=days[0], endpoint="emulated"
    ).files
    assert_view(engine, outcome.run_id, whole_hub(cat, older))
    assert_view(engine, newer_run, whole_hub(cat, newer, before=older))
