"""One scheduled run, as `tracker snapshot` takes it: skipped when a complete run of the same ecosystems
already covers its scheduled time, else crawled in the scheduler's thread (a signal unwinds it, recording
the run as failed, "interrupted"), and logged and noticed whatever its end (complete, failed, busy,
covered, interrupted, error). It reads and sets the state of the scheduler running it (`Runner`).
"""

from __future__ import annotations

import logging
import os
import time
from datetime import UTC, datetime
from typing import Protocol

from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from tracker.core.crontab import format_when
from tracker.core.errors import one_line
from tracker.run.notices import Notices
from tracker.run.scheduled_job import SnapshotSettings
from tracker.storage import database, loads
from tracker.storage.tables.runs import SnapshotRun

logger = logging.getLogger("tracker.scheduler")  # kept: operators filter on it


class Runner(Protocol):
    """What a run reads and sets of the scheduler running it (`tracker.run.scheduler.SnapshotScheduler`).

    Fields:
        engine: the database.
        notices: where the run's end is told.
        tick: the scheduled time the run serves.
        outcome: what the run did, set to "complete" as soon as it is recorded so.
        interrupted: whether a signal is stopping the scheduler.
    """

    engine: Engine
    notices: Notices
    tick: datetime | None
    outcome: str | None
    interrupted: bool


def take_snapshot_due(runner: Runner, settings: SnapshotSettings) -> str:
    """The scheduled run `runner.tick` names, as `tracker snapshot` would take it, unless a complete run
    already covers it; its outcome (complete, failed, busy, covered, interrupted or error)."""
    # The crawl's modules: needed only once a run starts.
    from tracker.collect.hub import HubClient
    from tracker.collect.progress import ProgressReporter
    from tracker.collect.transport import HubError
    from tracker.core.ecosystems import EcosystemsError, load_ecosystems, select_ecosystems
    from tracker.core.organisations import OrganisationsError, load_organisations
    from tracker.run.snapshot import missing_roots_text, take_snapshot

    tick = runner.tick
    try:
        names = list(settings.ecosystems) or None
        ecosystems = select_ecosystems(load_ecosystems(settings.ecosystems_path), names)
        organisations = load_organisations(settings.organisations_path)
        with Session(runner.engine) as session:
            last = loads.load_last_complete_run(session, ecosystems=[e.name for e in ecosystems])
        if tick is not None and last is not None and last.taken_at >= tick:
            logger.info(
                "run due %s not needed: run %d, taken %s, covers it",
                format_when(tick),
                last.id,
                format_when(last.taken_at),
            )
            return "covered"
        client = HubClient(
            settings.endpoint,
            token=os.environ.get("HF_TOKEN") or None,  # read at each run: never stored with the job
            timeout=settings.timeout,
            retry_budget=settings.retry_budget,
        )
    except (EcosystemsError, OrganisationsError, HubError, database.StoreError, SQLAlchemyError) as exc:
        logger.error("run due %s not taken: %s", format_when(tick), one_line(exc))
        runner.notices.run_failed(tick, f"not taken: {one_line(exc)}", None)
        return "error"
    began, began_at = time.monotonic(), datetime.now(UTC)
    try:
        with client, ProgressReporter(client) as progress:
            result = take_snapshot(
                runner.engine,
                client,
                ecosystems,
                strategy=settings.strategy,
                concurrency=settings.concurrency,
                on_progress=progress.update,
                organisations=organisations,
            )
            runner.outcome = "complete"  # at once: a signal from here on must not keep this run due
    except database.SnapshotBusy as exc:
        logger.warning(
            "run due %s skipped: %s; the next scheduled run will try again", format_when(tick), exc
        )
        runner.notices.run_skipped(tick, f"{exc}; the next scheduled run will try again")
        return "busy"
    except KeyboardInterrupt:
        if not runner.interrupted or runner.outcome == "complete":
            raise
        logger.warning(
            "run interrupted after %s: recorded as failed (interrupted); the run due %s is taken again "
            "at the next start",
            _figures(client.counters.requests, client.counters.retries, time.monotonic() - began),
            format_when(tick),
        )
        return "interrupted"
    except Exception as exc:  # noqa: BLE001 - a failed run must not stop the schedule
        logger.error(
            "run failed after %s, recorded as failed: %s; the next scheduled run will try again",
            _figures(client.counters.requests, client.counters.retries, time.monotonic() - began),
            one_line(exc),
        )
        run = _failed_run(runner.engine, began_at)
        # The run's own recorded error where it got as far as recording one: the alert says what
        # `tracker runs` says.
        runner.notices.run_failed(tick, run.error if run and run.error else one_line(exc), run and run.id)
        return "failed"
    missing = missing_roots_text(result.missing_roots)
    figures = _figures(result.requests, result.retries, result.seconds)
    logger.info(
        "run %d complete: %s models, %s, %s strategy%s",
        result.run_id,
        f"{result.models:,}",
        figures,
        result.strategy,
        missing,
    )
    runner.notices.run_complete(result.run_id)
    return "complete"


def _failed_run(engine: Engine, since: datetime) -> SnapshotRun | None:
    """The run this process just recorded as failed, if it got as far as recording one."""
    try:
        with Session(engine) as session:
            runs = loads.load_runs(session, limit=5)
    except SQLAlchemyError:
        return None
    mine = [r for r in runs if r.status == "failed" and r.started_at >= since and r.pid == os.getpid()]
    return mine[0] if mine else None


def _figures(requests: int, retries: int, seconds: float) -> str:
    return f"{requests:,} requests ({retries:,} retries), {seconds:.1f} s"
