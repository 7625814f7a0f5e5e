"""The runs and their contents as the crawl machinery reads them back: the runs (all, the last complete,
the last scan, one by id), what an endpoint's listings refuse, a run's forest, members, figures and edges.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from tracker.core.records import Forest
from tracker.storage.database import StoreError
from tracker.storage.tables.runs import ModelSnapshot, RunEdge, RunMembership, SnapshotRun


def load_runs(session: Session, *, limit: int | None = None) -> list[SnapshotRun]:
    """Every run, whatever its status, newest first (by taken_at, then id)."""
    query = select(SnapshotRun).order_by(col(SnapshotRun.taken_at).desc(), col(SnapshotRun.id).desc())
    return list(session.exec(query.limit(limit)).all())


def load_last_complete_run(
    session: Session, *, ecosystems: Sequence[str] | None = None, endpoint: str | None = None
) -> SnapshotRun | None:
    """The complete run with the latest taken_at; with `ecosystems`, among runs of exactly that set; with
    `endpoint`, among runs of that endpoint (or of an unrecorded one, from before runs recorded it)."""
    query = (
        select(SnapshotRun)
        .where(SnapshotRun.status == "complete")
        .order_by(col(SnapshotRun.taken_at).desc(), col(SnapshotRun.id).desc())
    )
    wanted = None if ecosystems is None else set(ecosystems)
    for run in session.exec(query):
        if endpoint is not None and run.endpoint not in (None, endpoint):
            continue
        if wanted is None or set(filter(None, run.ecosystems.split(";"))) == wanted:
            return run
    return None


@dataclass(frozen=True)
class ListingMemory:
    """What an earlier run learned of an endpoint's listings: the values refused, and when it was checked."""

    run_id: int
    refuses: frozenset[str]
    checked_at: datetime


def load_listing_memory(session: Session, endpoint: str, *, checked_since: datetime) -> ListingMemory | None:
    """The rules of this endpoint's listings as the latest run that made a listing there recorded them;
    None when none did, or when they were last checked before `checked_since` (then ask them again)."""
    query = (
        select(SnapshotRun)
        .where(SnapshotRun.endpoint == endpoint, col(SnapshotRun.listing_refuses).is_not(None))
        .order_by(col(SnapshotRun.id).desc())
        .limit(1)
    )
    run = session.exec(query).first()
    if run is None or run.listing_checked_at is None or run.listing_checked_at < checked_since:
        return None
    assert run.id is not None
    return ListingMemory(
        run.id, frozenset(filter(None, (run.listing_refuses or "").split(";"))), run.listing_checked_at
    )


def load_last_scan(session: Session, endpoint: str) -> SnapshotRun | None:
    """This endpoint's latest complete scan, whatever its ecosystems (a scan costs the same for any)."""
    query = (
        select(SnapshotRun)
        .where(
            SnapshotRun.status == "complete", SnapshotRun.strategy == "scan", SnapshotRun.endpoint == endpoint
        )
        .order_by(col(SnapshotRun.started_at).desc(), col(SnapshotRun.id).desc())
        .limit(1)
    )
    return session.exec(query).first()


def load_forest(session: Session, run_id: int) -> Forest:
    """The run's forest: members by lower-case id (in two ecosystems: once), children from its edges."""
    members = (
        select(func.lower(RunMembership.model_id).label("key"), func.min(RunMembership.depth).label("depth"))
        .where(RunMembership.run_id == run_id)
        .group_by(func.lower(RunMembership.model_id))
        .subquery()
    )
    kids = (
        select(func.lower(RunEdge.parent_id).label("key"), func.count().label("children"))
        .where(RunEdge.run_id == run_id)
        .group_by(func.lower(RunEdge.parent_id))
        .subquery()
    )
    rows = session.exec(
        select(members.c.depth, func.coalesce(kids.c.children, 0)).join(
            kids, kids.c.key == members.c.key, isouter=True
        )
    ).all()
    roots = tuple(int(n) for depth, n in rows if depth == 0)
    others = [int(n) for depth, n in rows if depth > 0]
    return Forest(run_id, roots, tuple(n for n in others if n > 0), len(others))


def load_run_members(session: Session, run_id: int) -> list[tuple[RunMembership, ModelSnapshot | None]]:
    """The run's memberships with the member's figures in that run, by ecosystem then model id."""
    query = (
        select(RunMembership, ModelSnapshot)
        .join(
            ModelSnapshot,
            (col(ModelSnapshot.run_id) == col(RunMembership.run_id))
            & (col(ModelSnapshot.model_id) == col(RunMembership.model_id)),
            isouter=True,
        )
        .where(RunMembership.run_id == run_id)
        .order_by(RunMembership.ecosystem, RunMembership.model_id)
    )
    return [(member, figures) for member, figures in session.exec(query).all()]


def load_run_snapshots(session: Session, run_id: int) -> list[ModelSnapshot]:
    """The figures of every model recorded in the run, by model id."""
    query = select(ModelSnapshot).where(ModelSnapshot.run_id == run_id).order_by(ModelSnapshot.model_id)
    return list(session.exec(query).all())


def load_run_edges(session: Session, run_id: int) -> list[RunEdge]:
    """The parent links seen in the run, by child then parent."""
    query = select(RunEdge).where(RunEdge.run_id == run_id).order_by(RunEdge.child_id, RunEdge.parent_id)
    return list(session.exec(query).all())


def load_run(session: Session, run_id: int) -> SnapshotRun:
    """One run by id; StoreError when there is none."""
    run = session.get(SnapshotRun, run_id)
    if run is None:
        raise StoreError(f"no snapshot run {run_id} in this database")
    return run
