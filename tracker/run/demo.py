"""The offline demo: the Hub emulator on the real catalogue, one run per real week, into a database.

The real catalogue holds 16 weeks of real Hub lineage (additions in the weeks ending 2025-03-19 to
2025-07-02). As a new user would, the demo first imports the history before its first snapshot from
the Hub's weekly archive (the emulated `hfmlsoc/hub_weekly_snapshots`, read as `tracker backfill`
reads it): the first half of the weeks. Then it moves the emulator's clock to the end of each later
week in turn and records a snapshot there (`taken_at` is that instant), so the weekly figures are
real weeks and the dashboard shows both kinds of run. It tracks the ecosystems the shipped file
enables: Llama and its four rivals (36,451 models in the last week). The emulator applies the real
Hub's rules, and each snapshot takes the strategy a user's would (`auto`): with the archive's runs in
the database, the scan (about 120 to 140 requests: the pages of 1,000 and the roots' lookups) against a
tree of one listing per member (about 35,000).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.engine import Engine

from tracker.collect.archive import HubArchive
from tracker.collect.hub import HubClient
from tracker.core.ecosystems import Ecosystem
from tracker.emulator import load_catalogue
from tracker.emulator.builders.real_lineage import REAL_DEFAULT_NOW, REAL_FIRST_WEEK
from tracker.emulator.routes.server import HubEmulator
from tracker.run.backfill import run_backfill, taken_at_of
from tracker.run.snapshot import endpoint_key, take_snapshot

logger = logging.getLogger("tracker.demo")  # kept: operators filter on it
WEEK_SECONDS = 7 * 86_400


def demo_instants(weeks: int | None = None) -> list[int]:
    """The end of each real week of the catalogue (epoch seconds), the first `weeks` of them."""
    total = (REAL_DEFAULT_NOW - REAL_FIRST_WEEK) // WEEK_SECONDS
    count = total if weeks is None else max(1, min(weeks, total))
    return [REAL_FIRST_WEEK + (i + 1) * WEEK_SECONDS for i in range(count)]


@dataclass(frozen=True)
class DemoWeek:
    """One demo week: which, from where (the emulated weekly archive or a snapshot), what it recorded."""

    index: int
    weeks: int
    taken_at: datetime
    source: str  # "archive" or "snapshot"
    models: int
    seconds: float
    cost: str  # what it read: requests of a snapshot, bytes of an archive file


def archive_weeks(weeks: int) -> int:
    """How many of the demo's first weeks come from the emulated archive: the first half."""
    return weeks // 2


def run_demo(
    engine: Engine,
    ecosystems: Sequence[Ecosystem],
    *,
    weeks: int | None = None,
    strategy: str = "auto",
    on_week: Callable[[DemoWeek], None] | None = None,
) -> list[DemoWeek]:
    """Start the emulator (real catalogue) on a free port; import the first half of the weeks from its
    weekly archive (`tracker backfill`), then record one live snapshot per week for the rest."""
    instants = demo_instants(weeks)
    started = time.perf_counter()
    catalogue = load_catalogue("real")
    logger.info("real catalogue loaded in %.1f s", time.perf_counter() - started)
    emulator = HubEmulator(catalogue, now=instants[0])
    emulator.start()
    done: list[DemoWeek] = []

    def record(week: DemoWeek) -> None:
        done.append(week)
        if on_week is not None:
            on_week(week)

    try:
        from_archive = archive_weeks(len(instants))
        if from_archive:
            last = datetime.fromtimestamp(instants[from_archive - 1], UTC).date()
            first = datetime.fromtimestamp(instants[0], UTC).date()

            def imported(outcome) -> None:  # noqa: ANN001 - a FileOutcome
                if outcome.status != "imported":
                    raise RuntimeError(
                        f"the demo's archive week {outcome.day} was {outcome.status}: {outcome.reason}"
                    )
                taken = taken_at_of(outcome.day)
                cost = (
                    f"{outcome.bytes_read / 1e6:,.1f} of {outcome.size / 1e6:,.1f} MB read from the archive"
                )
                record(
                    DemoWeek(
                        len(done) + 1, len(instants), taken, "archive", outcome.models, outcome.seconds, cost
                    )
                )

            run_backfill(
                engine,
                HubArchive(emulator.url),
                ecosystems,
                since=first,
                until=last,
                endpoint=endpoint_key(emulator.url),
                on_file=imported,
            )
        for instant in instants[from_archive:]:
            emulator.set_now(instant)
            taken_at = datetime.fromtimestamp(instant, UTC)
            with HubClient(emulator.url) as client:  # a client per run: its counters are the run's
                result = take_snapshot(engine, client, ecosystems, strategy=strategy, taken_at=taken_at)
            cost = f"{result.requests:,} requests ({result.strategy})"
            record(
                DemoWeek(
                    len(done) + 1, len(instants), taken_at, "snapshot", result.models, result.seconds, cost
                )
            )
    finally:
        emulator.stop()
    return done
