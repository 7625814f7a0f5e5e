"""Where a database's runs came from (`tracker.read.origin`): the emulator's loopback endpoints, and the
weeks of real lineage the demo replays."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from tests.support.dashboard_db import build_database
from tracker.emulator.builders.real_lineage import REAL_DEFAULT_NOW, REAL_FIRST_WEEK
from tracker.read import origin
from tracker.storage.database import make_engine

# The three runs moved into the weeks the demo replays, the last on its last day.
DEMO_WEEKS = (
    "UPDATE snapshot_run SET taken_at = '2025-03-19 00:00:00.000000' WHERE id = 1",
    "UPDATE snapshot_run SET taken_at = '2025-03-26 00:00:00.000000' WHERE id = 2",
    "UPDATE snapshot_run SET taken_at = '2025-07-02 00:00:00.000000' WHERE id = 3",
)


@pytest.fixture(scope="module")
def emulated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("origin") / "emulated.db"
    build_database(path)
    return path


def origin_after(source: Path, target: Path, *statements: str) -> origin.Origin:
    """The origin of a copy of the database after these updates."""
    shutil.copyfile(source, target)
    engine = make_engine(f"sqlite:///{target}")
    try:
        with engine.begin() as connection:
            for statement in statements:
                connection.execute(text(statement))
        return origin.load_origin(engine)
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    ("endpoint", "loopback"),
    [
        ("http://127.0.0.1:43117", True),
        ("http://127.3.0.9", True),
        ("http://[::1]:8080/hub", True),
        ("http://localhost:9000", True),
        ("https://huggingface.co", False),
        ("http://10.0.0.5:8080", False),
        ("http://127.0.0.1.example.com", False),
        ("", False),
        (None, False),
    ],
)
def test_loopback_endpoints(endpoint: str | None, loopback: bool) -> None:
    assert origin.is_loopback(endpoint) is loopback


def test_the_real_lineage_weeks_are_the_real_catalogues() -> None:
    first, last = origin.REAL_LINEAGE
    assert (int(first.timestamp()), int(last.timestamp())) == (REAL_FIRST_WEEK, REAL_DEFAULT_NOW)


def test_an_emulator_database_its_copy_from_the_hub_and_a_mixed_one(emulated: Path, tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{emulated}")
    try:
        found = origin.load_origin(engine)
    finally:
        engine.dispose()
    assert found == origin.Origin(
        runs=3, emulated=True, real_lineage=False, first=datetime(2026, 11, 2, 6, tzinfo=UTC)
    )
    hub = origin_after(
        emulated, tmp_path / "hub.db", "UPDATE snapshot_run SET endpoint = 'https://huggingface.co'"
    )
    assert (hub.runs, hub.emulated, hub.real_lineage) == (3, False, False)
    # One run from elsewhere, or recording no endpoint, and the database is not the emulator's.
    for endpoint in ("'https://huggingface.co'", "NULL"):
        mixed = origin_after(
            emulated, tmp_path / "mixed.db", f"UPDATE snapshot_run SET endpoint = {endpoint} WHERE id = 2"
        )
        assert not mixed.emulated
    # A failed run from elsewhere counts for nothing: only complete runs are shown.
    failed = origin_after(
        emulated,
        tmp_path / "failed.db",
        "UPDATE snapshot_run SET endpoint = 'https://huggingface.co', status = 'failed' WHERE id = 3",
    )
    assert (failed.runs, failed.emulated) == (2, True)


def test_the_demos_weeks_are_real_lineage(emulated: Path, tmp_path: Path) -> None:
    demo = origin_after(emulated, tmp_path / "demo.db", *DEMO_WEEKS)
    assert demo == origin.Origin(
        runs=3, emulated=True, real_lineage=True, first=datetime(2025, 3, 19, tzinfo=UTC)
    )
    # A run after the real weeks: the emulator's synthetic catalogue, not the demo's.
    later = origin_after(emulated, tmp_path / "later.db", DEMO_WEEKS[0])
    assert later.emulated
    assert not later.real_lineage
