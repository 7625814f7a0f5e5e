"""A run's life in the database: begun `running` (after closing those a dead process left), its counters
and strategy recorded as it goes, finished `complete` or `failed`; a complete run then gets its roll-ups.

Every function here commits (the run's record must be durable at once); the rows a run records are
saved by `tracker.storage.saves`, and runs are read back by `tracker.storage.loads`.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Literal

from sqlalchemy import func
from sqlmodel import Session, select

from tracker.core.records import STRATEGIES
from tracker.storage.loads import load_run
from tracker.storage.tables.runs import ModelSnapshot, SnapshotRun

logger = logging.getLogger("tracker.store")  # kept: operators filter on it


def _aware(name: str, value: datetime | None) -> None:
    """Refuse naive timestamps early, with the parameter's name."""
    if value is not None and value.utcoffset() is None:
        raise ValueError(f"{name} must be zone-aware (UTC), got naive {value.isoformat()}")


def _check_strategy(strategy: str) -> None:
    """Refuse a strategy other than `tree`, `scan` or `archive`."""
    if strategy not in STRATEGIES:
        raise ValueError(f"strategy must be one of {', '.join(STRATEGIES)}, not {strategy!r}")


def close_interrupted_runs(session: Session, *, now: datetime) -> list[int]:
    """Mark every `running` run `failed` (error `interrupted`); call it holding the lock. Commits."""
    _aware("now", now)
    runs = session.exec(select(SnapshotRun).where(SnapshotRun.status == "running").order_by(SnapshotRun.id))
    closed = []
    for run in runs.all():
        run.status, run.error, run.finished_at = "failed", "interrupted", now
        session.add(run)
        closed.append(run.id)
    session.commit()
    if closed:
        logger.debug("marked interrupted runs as failed: %s", ", ".join(map(str, closed)))
    return closed


def begin_run(
    session: Session,
    *,
    taken_at: datetime,
    started_at: datetime,
    ecosystems: Sequence[str],
    strategy: str,
    endpoint: str | None = None,
    source: str = "hub",
) -> int:
    """Record a new `running` run by this process; return its id. Commits.

    `source`: `hub` for a live snapshot, else the archive file the run is read from."""
    _aware("taken_at", taken_at)
    _aware("started_at", started_at)
    _check_strategy(strategy)
    run = SnapshotRun(
        taken_at=taken_at,
        started_at=started_at,
        status="running",
        ecosystems=";".join(ecosystems),
        strategy=strategy,
        endpoint=endpoint,
        source=source,
        host=socket.gethostname(),
        pid=os.getpid(),
    )
    session.add(run)
    session.commit()
    assert run.id is not None  # assigned by the database on commit
    return run.id


def update_run_counters(session: Session, run_id: int, *, requests: int, retries: int) -> None:
    """Record the run's progress so far (Hub requests, retries). Commits, with any batch pending."""
    run = load_run(session, run_id)
    run.requests, run.retries = requests, retries
    session.add(run)
    session.commit()


def finish_run(
    session: Session,
    run_id: int,
    *,
    status: Literal["complete", "failed"],
    finished_at: datetime,
    requests: int,
    retries: int,
    error: str | None = None,
    listing_refuses: Iterable[str] | None = None,
    listing_checked_at: datetime | None = None,
    lineage: bool = True,
) -> None:
    """End the run: its status, counters, error and number of distinct models recorded. Commits.

    `listing_refuses`: the `expand` values the Hub's listings refuse, as the run knows them (None: the
    run made no listing); `listing_checked_at`: when a listing last answered for them.

    A complete run then gets its stored deltas and roll-ups (`tracker.storage.rollups`), in their own
    transaction; its lineage index too unless `lineage` is False (see `rollups.refresh`).
    """
    if status not in ("complete", "failed"):
        raise ValueError(f"status must be 'complete' or 'failed', not {status!r}")
    _aware("finished_at", finished_at)
    run = load_run(session, run_id)
    # (run_id, model_id) is the key of model_snapshot: counting its rows counts distinct models.
    models = session.exec(
        select(func.count()).select_from(ModelSnapshot).where(ModelSnapshot.run_id == run_id)
    ).one()
    run.status, run.finished_at, run.error = status, finished_at, error
    run.requests, run.retries, run.models = requests, retries, models
    if listing_refuses is not None:
        _aware("listing_checked_at", listing_checked_at)
        run.listing_refuses = ";".join(sorted(listing_refuses))
        run.listing_checked_at = listing_checked_at
    session.add(run)
    session.commit()
    if status == "complete":
        _roll_up(session, run_id, lineage)


def _roll_up(session: Session, run_id: int, lineage: bool) -> None:
    """Write the completed run's deltas and roll-ups; a failure leaves them for `rollups.backfill`."""
    from tracker.storage import rollups  # pandas: imported only when a run completes

    try:
        rollups.refresh(session.get_bind(), run_id, lineage=lineage)  # type: ignore[arg-type]
    except Exception:
        logger.exception("could not write the roll-ups of run %d; the next snapshot writes them", run_id)


def set_run_strategy(session: Session, run_id: int, strategy: str) -> None:
    """Record the strategy a run settled on (auto decides after the run has begun). Commits."""
    _check_strategy(strategy)
    run = load_run(session, run_id)
    run.strategy = strategy
    session.add(run)
    session.commit()
