"""A small database of real emulator snapshots for the dashboard tests (built once per module)."""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from pathlib import Path

from tracker.database import open_store
from tracker.ecosystems import load_ecosystems, select_ecosystems
from tracker.emulator.catalogue import Catalogue
from tracker.emulator.server import HubEmulator
from tracker.emulator.synthetic import build_synthetic
from tracker.hub import HubClient
from tracker.snapshot import take_snapshot

WEEK = 7 * 86_400
SEED, MODELS = 5, 3000


@functools.cache
def _catalogue() -> Catalogue:
    return build_synthetic(seed=SEED, models=MODELS)


def snapshot_weeks(url: str, weeks: range) -> None:
    """Weekly snapshots (llama and qwen) of a small synthetic Hub, `weeks` after its default clock."""
    engine = open_store(url)
    ecosystems = select_ecosystems(load_ecosystems(), ["llama", "qwen"])
    emulator = HubEmulator(_catalogue())
    emulator.start()
    start = emulator.now
    try:
        for week in weeks:
            emulator.set_now(start + week * WEEK)
            with HubClient(emulator.url) as client:
                at = datetime.fromtimestamp(emulator.now, UTC)
                take_snapshot(engine, client, ecosystems, strategy="scan", taken_at=at)
    finally:
        emulator.stop()
        engine.dispose()


def build_database(path: Path, *, weeks: int = 3) -> str:
    """`weeks` weekly snapshots into a new SQLite file; its URL."""
    url = f"sqlite:///{path}"
    snapshot_weeks(url, range(weeks))
    return url
