"""Small databases of real emulator snapshots for the dashboard tests.

Each is built once per test run, whatever the number of xdist workers: `build_database` and
`build_history` keep the file they build in `SHARED` (a folder of this run that every worker sees,
set by tests/conftest.py) under a lock, and give each caller a copy of it at the path it asked for.
"""

from __future__ import annotations

import fcntl
import functools
import shutil
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text

from tracker.collect.hub import HubClient
from tracker.core.ecosystems import load_ecosystems, select_ecosystems
from tracker.emulator.builders.synthetic import build_synthetic
from tracker.emulator.catalogue import Catalogue
from tracker.emulator.routes.server import HubEmulator
from tracker.run.snapshot import take_snapshot
from tracker.storage import rollups
from tracker.storage.database import open_store

WEEK = 7 * 86_400
SEED, MODELS = 5, 3000
TWO = ("llama", "qwen")
FIVE = ("llama", "qwen", "mistral", "gemma", "deepseek")
# A history from late February 2025 to April 2026 (weeks before the emulator's default clock, 2 Nov 2026),
# every 4 weeks: the synthetic Hub's youngest roots (released March to May 2025) reach most milestones.
HISTORY_WEEKS = range(-88, -23, 4)
ARCHIVE_SOURCE = "hfmlsoc/hub_weekly_snapshots@0123abc:models/2025-02-24/models.parquet"


SHARED: Path | None = None  # this run's folder for built databases; None builds each one where asked


def _built_once(name: str, path: Path, build: Callable[[str], None]) -> str:
    """A copy at `path` of the database `build` writes (given a SQLite URL), built once per run; its URL."""
    if SHARED is None:
        build(f"sqlite:///{path}")
        return f"sqlite:///{path}"
    built = SHARED / f"{name}.db"
    with open(SHARED / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another worker may be building it: wait for it
        if not built.exists():
            partial = SHARED / f"{name}.partial.db"
            partial.unlink(missing_ok=True)
            build(f"sqlite:///{partial}")
            partial.rename(built)
    shutil.copyfile(built, path)
    return f"sqlite:///{path}"


@functools.cache
def _catalogue() -> Catalogue:
    return build_synthetic(seed=SEED, models=MODELS)


def snapshot_weeks(url: str, weeks: Iterable[int], *, ecosystems: Sequence[str] = TWO) -> None:
    """Weekly snapshots (llama and qwen, or `ecosystems`) of a small synthetic Hub, `weeks` after (or,
    negative, before) its default clock."""
    engine = open_store(url)
    chosen = select_ecosystems(load_ecosystems(), list(ecosystems))
    emulator = HubEmulator(_catalogue())
    emulator.start()
    start = emulator.now
    try:
        for week in weeks:
            emulator.set_now(start + week * WEEK)
            with HubClient(emulator.url) as client:
                at = datetime.fromtimestamp(emulator.now, UTC)
                take_snapshot(engine, client, chosen, strategy="scan", taken_at=at)
    finally:
        emulator.stop()
        engine.dispose()


def build_database(path: Path, *, weeks: int = 3, ecosystems: Sequence[str] = TWO) -> str:
    """`weeks` weekly snapshots into a new SQLite file; its URL."""
    name = f"weeks-{weeks}-{'-'.join(ecosystems)}"
    return _built_once(name, path, lambda url: snapshot_weeks(url, range(weeks), ecosystems=ecosystems))


def build_history(path: Path) -> str:
    """Five ecosystems over 14 months (`HISTORY_WEEKS`) into a new SQLite file; its URL.

    As a user's database can be: its first run passes for one backfilled from the Hub's weekly archive
    (which records no inference providers), and the latest run recorded none for deepseek's models
    (as if the Hub had left the mapping out), so both show "not recorded", not zero.
    """
    return _built_once("history", path, _history)


def _history(url: str) -> None:
    snapshot_weeks(url, HISTORY_WEEKS, ecosystems=FIVE)
    engine = open_store(url)
    try:
        with engine.begin() as connection:
            first, last = connection.execute(text("SELECT min(id), max(id) FROM snapshot_run")).one()
            connection.execute(
                text("UPDATE snapshot_run SET strategy = 'archive', source = :source WHERE id = :run"),
                {"source": ARCHIVE_SOURCE, "run": first},
            )
            connection.execute(
                text("UPDATE model_snapshot SET live_providers = NULL, providers = NULL WHERE run_id = :run"),
                {"run": first},
            )
            connection.execute(
                text(
                    "UPDATE model_snapshot SET live_providers = NULL, providers = NULL WHERE run_id = :run "
                    "AND model_id IN (SELECT model_id FROM membership WHERE run_id = :run "
                    "AND ecosystem = 'deepseek')"
                ),
                {"run": last},
            )
        for run_id in (first, last):
            rollups.refresh(engine, run_id)  # the roll-ups count providers: written again
    finally:
        engine.dispose()
