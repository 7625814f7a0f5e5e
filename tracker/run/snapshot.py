"""One snapshot run: lock the database, close dead runs, crawl, store in batches, finish the run.

A run is `running` from its first row; each level of the crawl is committed as it completes,
so a crash loses little; the run ends `complete` or `failed` with its error. A run that dies
without finishing (kill -9, power loss) is closed as `failed` ("interrupted") by the next
snapshot, which holds the database's snapshot lock before looking: no run stays `running`
once a later snapshot has started, and two snapshots never run at once.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Literal
from urllib.parse import urlsplit

from sqlalchemy.engine import Engine
from sqlmodel import Session

from tracker.collect.crawl import Crawl, Progress
from tracker.collect.hub import HubClient
from tracker.collect.memory import give_back
from tracker.collect.transport import HubError
from tracker.core import strategy as costs
from tracker.core.ecosystems import Ecosystem
from tracker.core.errors import one_line
from tracker.core.hub_view import OrganisationsLike
from tracker.core.organisations import load_organisations
from tracker.storage import database, hub_view, lifecycle, loads, saves

logger = logging.getLogger("tracker.snapshot")  # kept: operators filter on it
RunEnd = Literal["complete", "failed"]
# How long what a run learned of a Hub's listings holds: later runs ask the whole set again (one 400 per
# refused value), so a Hub that starts accepting a value is noticed within a month.
RULES_MEMORY = timedelta(days=30)


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
    estimate: int | None = None  # what `auto` expected the chosen strategy to cost; None when named


def missing_roots_text(missing: Sequence[str], where: str = "on the Hub") -> str:
    """The closing line's note of the roots the Hub (or a file) lacks: how many, the first three ("" when
    none)."""
    if not missing:
        return ""
    first, more = ", ".join(missing[:3]), ", ..." if len(missing) > 3 else ""
    roots = "roots" if len(missing) > 1 else "root"
    return f"; {len(missing):,} {roots} not {where} ({first}{more}; see the log)"


def error_text(exc: BaseException) -> str:
    """One line for the run's `error`: the Hub's failure as worded, `interrupted` for signals."""
    if not isinstance(exc, Exception):
        return "interrupted"  # KeyboardInterrupt, SystemExit: the operator or the scheduler stopped us
    text = str(exc) if isinstance(exc, HubError) else f"{type(exc).__name__}: {exc}"
    return one_line(text, limit=500) or type(exc).__name__


def endpoint_key(url: str) -> str:
    """The endpoint as runs record it: scheme, host and path, without credentials or a trailing slash."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower() + (f":{parts.port}" if parts.port else "")
    return f"{parts.scheme}://{host}{parts.path.rstrip('/')}"


@dataclass
class _Rules:
    """What the run knows of the Hub's listings before it starts: from an earlier run, or nothing."""

    memory: loads.ListingMemory | None

    @property
    def counts_on_listings(self) -> bool:
        """Whether listings give child counts; without knowledge, no (the real Hub's rules)."""
        return self.memory is not None and "childrenModelCount" not in self.memory.refuses

    def after(self, client: HubClient, at: datetime) -> tuple[frozenset[str] | None, datetime | None]:
        """(values refused, when checked) to record on the run; (None, None) when it made no listing."""
        if not (client.listing_answered or client.observed_refusals):
            return None, None
        if self.memory is not None and self.memory.refuses and not client.observed_refusals:
            return client.listing_refuses, self.memory.checked_at  # not asked again: as checked then
        return client.listing_refuses, at


def _finish(
    session: Session,
    run_id: int,
    client: HubClient,
    rules: _Rules,
    at: datetime,
    status: RunEnd,
    error: str | None,
    lineage: bool = True,
) -> None:
    """End the run with the client's request and retry counts, and what it knows of the Hub's listings."""
    counters = client.counters
    refuses, checked = rules.after(client, at)
    lifecycle.finish_run(
        session,
        run_id,
        status=status,
        finished_at=at,
        requests=counters.requests,
        retries=counters.retries,
        error=error,
        listing_refuses=refuses,
        listing_checked_at=checked,
        lineage=lineage,
    )


def choose_strategy(
    session: Session, crawl: Crawl, requested: str, *, endpoint: str, counts_on_listings: bool
) -> tuple[str, str, int | None]:
    """`tree` or `scan`, why, and the chosen one's expected requests (None when named, not estimated).

    The tree's cost from the previous complete run of the same ecosystems (its forest, member by
    member), else from the roots' child counts (looking the roots up, as the tree would anyway), summed
    over every asked ecosystem with each model once, as the crawl lists it; the scan's, one pass for any
    number of ecosystems, from this endpoint's previous scan, else the real Hub's size
    (`tracker.core.strategy`)."""
    if requested in ("tree", "scan"):
        return requested, "as asked", None
    names = [e.name for e in crawl.ecosystems]
    last_scan = loads.load_last_scan(session, endpoint)
    scan = costs.scan_cost(last_scan.requests if last_scan else None, last_scan.id if last_scan else None)
    lookups = costs.root_lookups(crawl.ecosystems)  # every asked ecosystem's roots, each id once
    previous = loads.load_last_complete_run(session, ecosystems=names, endpoint=endpoint)
    if previous is not None:
        assert previous.id is not None
        forest = loads.load_forest(session, previous.id)
        tree = costs.tree_from_forest(forest, lookups, counts_on_listings=counts_on_listings)
    elif scan.requests < lookups:  # cheaper than the roots' lookups alone: no need to make them
        tree = costs.Estimate(lookups, f"at least one lookup for each of {lookups:,} roots")
    else:
        before = crawl.client.counters.requests
        counts = crawl.root_children()
        spent = crawl.client.counters.requests - before
        tree = costs.tree_from_roots(counts, spent, counts_on_listings=counts_on_listings)
    choice = costs.choose(tree, scan)
    return choice, costs.describe(tree, scan), (tree if choice == "tree" else scan).requests


def tidy(engine: Engine, session: Session, at: datetime) -> list[int]:
    """What every writer of runs does first, holding the snapshot lock: close the runs found dead as
    failed (`interrupted`), and write the roll-ups a completed run lacks. The runs closed."""
    closed = lifecycle.close_interrupted_runs(session, now=at)
    if closed:
        logger.warning("closed %d interrupted run(s) as failed: %s", len(closed), ", ".join(map(str, closed)))
    if database.pending_rollups(engine):  # a completed run whose roll-ups could not be written
        from tracker.storage import rollups  # pandas: loaded only when a run lacks its roll-ups

        logger.warning("writing the roll-ups a completed run lacks")
        rollups.backfill(engine)
    return closed


def take_snapshot(
    engine: Engine,
    client: HubClient,
    ecosystems: Sequence[Ecosystem],
    *,
    strategy: str = "auto",
    taken_at: datetime | None = None,
    concurrency: int = 4,
    on_progress: Callable[[Progress], None] | None = None,
    now: Callable[[], datetime] = utcnow,
    lineage: bool = True,
    organisations: OrganisationsLike | None = None,
) -> SnapshotResult:
    """Crawl `ecosystems` now and record one run; HubError (run recorded as failed) or SnapshotBusy.

    A scan also records the whole-Hub view (`organisations`: the namespaces' organisations and regions;
    the shipped file when None).

    `lineage`: False leaves the run's lineage index out, for a caller that records newer runs next (see
    `tracker.storage.rollups.refresh`)."""
    began = time.monotonic()
    with database.snapshot_lock(engine), Session(engine) as session:
        closed = tidy(engine, session, now())
        endpoint = endpoint_key(client.endpoint)
        started = now()
        # What an earlier run learned of this Hub's listings; nothing, or too old: ask the whole set.
        rules = _Rules(loads.load_listing_memory(session, endpoint, checked_since=started - RULES_MEMORY))
        if rules.memory is not None:
            client.assume_listing_refuses(rules.memory.refuses)
            logger.debug(
                "this Hub's listings refuse expand=%s (as of run %d)",
                ",".join(sorted(rules.memory.refuses)) or "nothing",
                rules.memory.run_id,
            )
        crawl = Crawl(
            client,
            ecosystems,
            strategy="tree",
            concurrency=concurrency,
            on_progress=on_progress,
            organisations=organisations if organisations is not None else load_organisations(),
        )
        run_id = lifecycle.begin_run(
            session,
            taken_at=taken_at or started,
            started_at=started,
            ecosystems=[e.name for e in ecosystems],
            strategy="tree",
            endpoint=endpoint,
        )
        estimate: int | None = None
        try:
            chosen, reason, estimate = choose_strategy(
                session, crawl, strategy, endpoint=endpoint, counts_on_listings=rules.counts_on_listings
            )
            crawl.strategy = chosen
            lifecycle.set_run_strategy(session, run_id, chosen)
            logger.info("run %d: %s strategy (%s)", run_id, chosen, reason)
            last_update = time.monotonic()
            for batch in crawl.batches():
                saves.save_observations(session, run_id, batch.observations)
                saves.save_memberships(session, run_id, batch.memberships)
                saves.save_edges(session, run_id, batch.edges)
                session.commit()
                if time.monotonic() - last_update > 10:
                    lifecycle.update_run_counters(
                        session, run_id, requests=client.counters.requests, retries=client.counters.retries
                    )
                    last_update = time.monotonic()
            if crawl.hub_view is not None:
                hub_view.save_view(session, run_id, crawl.hub_view)
                crawl.hub_view = None
                hub_view.refresh_new(session, run_id)  # before the roll-ups: at the run's lowest memory
                session.commit()
                give_back()  # the roll-ups start from what the crawl and the view leave
        except BaseException as exc:
            session.rollback()
            _finish(session, run_id, client, rules, now(), "failed", error_text(exc))
            raise
        _finish(session, run_id, client, rules, now(), "complete", None, lineage)
        run = loads.load_run(session, run_id)
        if estimate:
            logger.info(
                "run %d: the %s crawl took %s requests against an estimate of %s (%+.0f%%)",
                run_id,
                chosen,
                f"{run.requests:,}",
                f"{estimate:,}",
                100 * (run.requests - estimate) / estimate,
            )
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
        estimate,
    )
