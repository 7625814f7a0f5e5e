"""The offline demo: the Hub emulator on the real catalogue, one snapshot per real week, into a database.

The real catalogue holds 16 weeks of real Hub lineage (additions in the weeks ending 2025-03-19 to
2025-07-02). The demo moves the emulator's clock to the end of each week in turn and records a
snapshot there (`taken_at` is that instant), so the weekly figures are real weeks. The emulator
applies the real Hub's rules, and each snapshot takes the strategy a user's would (`auto`): the tree
while the Llama tree is small (one listing per member: about 1,100 requests in the first week), the
scan once the tree's estimate passes it, and the scan from then on (about 140 pages of 1,000).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.engine import Engine

from tracker.ecosystems import Ecosystem
from tracker.snapshot import SnapshotResult

logger = logging.getLogger(__name__)
WEEK_SECONDS = 7 * 86_400


def demo_instants(weeks: int | None = None) -> list[int]:
    """The end of each real week of the catalogue (epoch seconds), the first `weeks` of them."""
    from tracker.emulator.real import REAL_DEFAULT_NOW, REAL_FIRST_WEEK

    total = (REAL_DEFAULT_NOW - REAL_FIRST_WEEK) // WEEK_SECONDS
    count = total if weeks is None else max(1, min(weeks, total))
    return [REAL_FIRST_WEEK + (i + 1) * WEEK_SECONDS for i in range(count)]


@dataclass(frozen=True)
class DemoWeek:
    """One demo snapshot: which week, what it recorded."""

    index: int
    weeks: int
    taken_at: datetime
    result: SnapshotResult


def run_demo(
    engine: Engine,
    ecosystems: Sequence[Ecosystem],
    *,
    weeks: int | None = None,
    strategy: str = "auto",
    on_week: Callable[[DemoWeek], None] | None = None,
) -> list[DemoWeek]:
    """Start the emulator (real catalogue) on a free port and record one snapshot per week."""
    from tracker.emulator import load_catalogue
    from tracker.emulator.server import HubEmulator
    from tracker.hub import HubClient
    from tracker.snapshot import take_snapshot

    instants = demo_instants(weeks)
    started = time.perf_counter()
    catalogue = load_catalogue("real")
    logger.info("real catalogue loaded in %.1f s", time.perf_counter() - started)
    emulator = HubEmulator(catalogue, now=instants[0])
    emulator.start()
    done: list[DemoWeek] = []
    try:
        for index, instant in enumerate(instants, start=1):
            emulator.set_now(instant)
            taken_at = datetime.fromtimestamp(instant, UTC)
            with HubClient(emulator.url) as client:  # a client per run: its counters are the run's
                result = take_snapshot(engine, client, ecosystems, strategy=strategy, taken_at=taken_at)
            week = DemoWeek(index, len(instants), taken_at, result)
            done.append(week)
            if on_week is not None:
                on_week(week)
    finally:
        emulator.stop()
    return done
