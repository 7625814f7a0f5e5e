"""One snapshot run: lock the database, close dead runs, crawl, store in batches, finish the run.

A run is `running` from its first row; each level of the crawl is committed as it completes,
so a crash loses little; the run ends `complete` or `failed` with its error. A run that dies
without finishing (kill -9, power loss) is closed as `failed` ("interrupted") by the next
snapshot, which holds the database's snapshot lock before looking: no run stays `running`
once a later snapshot has started, and two snapshots never run at once.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

from sqlalchemy.engine import Engine
from sqlmodel import Session

from tracker import database, store
from tracker.crawl import Crawl, Progress
from tracker.ecosystems import Ecosystem
from tracker.hub import HubClient, HubError

logger = logging.getLogger(__name__)
RunEnd = Literal["complete", "failed"]
REAL_HUB_SIZE = 2_200_000  # models on the real Hub (Oct 2025: 2.16 million), for the first run's estimate
# Share of derivatives with derivatives of their own, for the first tree estimate (a few percent on the Hub).
INTERNAL_SHARE = 0.05


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class SnapshotResult:
    """What a finished snapshot did."""

    run_id: int
    strategy: str
    reason: str
    models: int
    requests: int
    retries: int
    seconds: float
    missing_roots: tuple[str, ...] = field(default=())
    closed_runs: tuple[int, ...] = field(default=())


def _error_text(exc: BaseException) -> str:
    """One line for the run's `error`: the Hub's failure as worded, `interrupted` for signals."""
    if not isinstance(exc, Exception):
        return "interrupted"  # KeyboardInterrupt, SystemExit: the operator or the scheduler stopped us
    text = str(exc) if isinstance(exc, HubError) else f"{type(exc).__name__}: {exc}"
    return " ".join(text.split())[:500] or type(exc).__name__


def _finish(
    session: Session, run_id: int, client: HubClient, at: datetime, status: RunEnd, error: str | None
) -> None:
    """End the run with the client's request and retry counts."""
    counters = client.counters
    store.finish_run(
        session,
        run_id,
        status=status,
        finished_at=at,
        requests=counters.requests,
        retries=counters.retries,
        error=error,
    )


def choose_strategy(session: Session, crawl: Crawl, requested: str, *, hub_size: int) -> tuple[str, str]:
    """`tree` or `scan`, and why: the cheaper by the previous run's request count, else by an estimate."""
    if requested in ("tree", "scan"):
        return requested, "as asked"
    names = [e.name for e in crawl.ecosystems]
    scan_cost = math.ceil(hub_size / 1000)
    scan_basis = f"{hub_size:,} models on the Hub / 1,000 per page"
    previous = store.load_last_complete_run(session, ecosystems=names)
    if previous is not None and previous.strategy == "scan":
        scan_cost, scan_basis = previous.requests, f"run {previous.id} took {previous.requests:,} requests"
    if previous is not None and previous.strategy == "tree":
        tree_cost, tree_basis = previous.requests, f"run {previous.id} took {previous.requests:,} requests"
    else:
        tree_cost, tree_basis = crawl.estimate_tree_requests(INTERNAL_SHARE)
    choice = "tree" if tree_cost <= scan_cost else "scan"
    reason = f"tree ~{tree_cost:,} requests ({tree_basis}) vs scan ~{scan_cost:,} ({scan_basis})"
    return choice, reason


def take_snapshot(
    engine: Engine,
    client: HubClient,
    ecosystems: Sequence[Ecosystem],
    *,
    strategy: str = "auto",
    taken_at: datetime | None = None,
    concurrency: int = 4,
    hub_size: int = REAL_HUB_SIZE,
    on_progress: Callable[[Progress], None] | None = None,
    now: Callable[[], datetime] = utcnow,
) -> SnapshotResult:
    """Crawl `ecosystems` now and record one run; HubError (run recorded as failed) or SnapshotBusy."""
    began = time.monotonic()
    with database.snapshot_lock(engine), Session(engine) as session:
        closed = store.close_interrupted_runs(session, now=now())
        if closed:
            logger.warning(
                "closed %d interrupted run(s) as failed: %s", len(closed), ", ".join(map(str, closed))
            )
        if database.pending_rollups(engine):  # a completed run whose roll-ups could not be written
            from tracker import rollups

            logger.warning("writing the roll-ups a completed run lacks")
            rollups.backfill(engine)
        crawl = Crawl(client, ecosystems, strategy="tree", concurrency=concurrency, on_progress=on_progress)
        started = now()
        run_id = store.begin_run(
            session,
            taken_at=taken_at or started,
            started_at=started,
            ecosystems=[e.name for e in ecosystems],
            strategy="tree",
        )
        try:
            chosen, reason = choose_strategy(session, crawl, strategy, hub_size=hub_size)
            crawl.strategy = chosen
            store.set_run_strategy(session, run_id, chosen)
            logger.info("run %d: %s strategy (%s)", run_id, chosen, reason)
            last_update = time.monotonic()
            for batch in crawl.batches():
                store.save_observations(session, run_id, batch.observations)
                store.save_memberships(session, run_id, batch.memberships)
                store.save_edges(session, run_id, batch.edges)
                session.commit()
                if time.monotonic() - last_update > 10:
                    store.update_run_counters(
                        session, run_id, requests=client.counters.requests, retries=client.counters.retries
                    )
                    last_update = time.monotonic()
        except BaseException as exc:
            session.rollback()
            _finish(session, run_id, client, now(), "failed", _error_text(exc))
            raise
        _finish(session, run_id, client, now(), "complete", None)
        run = store.load_run(session, run_id)
        return SnapshotResult(
            run_id,
            chosen,
            reason,
            run.models,
            run.requests,
            run.retries,
            time.monotonic() - began,
            tuple(crawl.missing_roots),
            tuple(closed),
        )
