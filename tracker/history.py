"""The recorded history as queries (read-only): one definition each, shared by exports and metrics.

Only complete runs count. A model's `downloads_delta` in a run is its `downloads_all_time` minus
its value in the previous complete run of the same ecosystem (by `taken_at`, then id, so backfilled
runs slot in by the instant they represent); empty when the model was not seen in that run.
A negative delta is a Hub revision, kept as it is.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Select, and_, case, func, literal, or_, select
from sqlalchemy.orm import aliased
from sqlmodel import col

from tracker.tables import ModelRecord, ModelSnapshot, RunEdge, RunMembership, SnapshotRun

COMPLETE = "complete"


def run_sequence():  # noqa: ANN201 - a SQLAlchemy subquery
    """(ecosystem, run_id, taken_at, prev_run_id): each complete run of an ecosystem and the one before."""
    runs = (
        select(RunMembership.ecosystem, RunMembership.run_id, SnapshotRun.taken_at)
        .join(SnapshotRun, col(SnapshotRun.id) == col(RunMembership.run_id))
        .where(SnapshotRun.status == COMPLETE)
        .group_by(RunMembership.ecosystem, RunMembership.run_id, SnapshotRun.taken_at)
        .subquery("runs")
    )
    previous = func.lag(runs.c.run_id).over(
        partition_by=runs.c.ecosystem, order_by=(runs.c.taken_at, runs.c.run_id)
    )
    return select(runs.c.ecosystem, runs.c.run_id, runs.c.taken_at, previous.label("prev_run_id")).subquery(
        "seq"
    )


def history_select(
    *,
    ecosystems: Sequence[str] | None = None,
    families: Sequence[str] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Select:
    """One row per model per ecosystem per complete run, in the export's `history` columns and order."""
    seq = run_sequence()
    snap = aliased(ModelSnapshot, name="snap")
    m = RunMembership
    # The delta comes from the model's own previous row in the ecosystem (a window), kept only when that
    # row is from the ecosystem's previous run. A self-join on (previous run, ecosystem, model) says the
    # same, but PostgreSQL without fresh statistics (a first big run, autovacuum not yet by) plans it as
    # a nested loop that scans the ecosystem's rows for every row: 15 s for 12,500 rows, quadratic.
    # The window costs one sort, whatever the statistics.
    seen = {"partition_by": (m.ecosystem, m.model_id), "order_by": (seq.c.taken_at, m.run_id)}
    rows = (
        select(
            m.run_id,
            seq.c.taken_at,
            m.ecosystem,
            m.family,
            m.model_id,
            m.relation,
            m.depth,
            snap.downloads_30d,
            snap.downloads_all_time,
            snap.likes,
            snap.trending_score,
            seq.c.prev_run_id,
            func.lag(m.run_id).over(**seen).label("seen_run_id"),
            func.lag(snap.downloads_all_time).over(**seen).label("seen_all_time"),
        )
        .join(seq, and_(seq.c.run_id == m.run_id, seq.c.ecosystem == m.ecosystem))
        .join(snap, and_(snap.run_id == m.run_id, snap.model_id == m.model_id))
        .subquery("rows")
    )
    h = rows.c
    delta = case((h.seen_run_id == h.prev_run_id, h.downloads_all_time - h.seen_all_time))
    query = select(
        h.run_id,
        h.taken_at,
        h.ecosystem,
        h.family,
        h.model_id,
        h.relation,
        h.depth,
        h.downloads_30d,
        h.downloads_all_time,
        delta.label("downloads_delta"),
        h.likes,
        h.trending_score,
    ).order_by(h.taken_at, h.run_id, h.ecosystem, h.model_id)
    # Filtered outside the window, so that no filter changes which row a delta is taken against.
    return _filtered(query, h.taken_at, h.ecosystem, h.family, ecosystems, families, since, until)


def _filtered(query: Select, at, ecosystem, family, ecosystems, families, since, until) -> Select:  # noqa: ANN001
    if ecosystems:
        query = query.where(ecosystem.in_(list(ecosystems)))
    if families and family is not None:
        query = query.where(family.in_(list(families)))
    if since is not None:
        query = query.where(at >= since)
    if until is not None:
        query = query.where(at <= until)
    return query


def latest_membership():  # noqa: ANN201 - a SQLAlchemy subquery
    """Each model of each ecosystem over complete runs: family, first and last seen; rank 1 is the latest."""
    m = RunMembership
    runs = (
        select(SnapshotRun.id, SnapshotRun.taken_at)
        .where(SnapshotRun.status == COMPLETE)
        .subquery("complete")
    )
    window = {"partition_by": (m.ecosystem, m.model_id)}
    return (
        select(
            m.ecosystem,
            m.model_id,
            m.family,
            m.relation,
            m.depth,
            m.run_id,
            runs.c.taken_at,
            func.min(runs.c.taken_at).over(**window).label("first_seen_at"),
            func.max(runs.c.taken_at).over(**window).label("last_seen_at"),
            func.row_number()
            .over(**window, order_by=(runs.c.taken_at.desc(), m.run_id.desc()))
            .label("rank"),
        )
        .join(runs, runs.c.id == m.run_id)
        .subquery("latest")
    )


def models_select(
    *,
    ecosystems: Sequence[str] | None = None,
    families: Sequence[str] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Select:
    """One row per model per ecosystem, as of the latest complete run that saw it (export `models`)."""
    latest = latest_membership()
    r = ModelRecord
    query = (
        select(
            latest.c.model_id,
            latest.c.ecosystem,
            latest.c.family,
            latest.c.relation,
            latest.c.depth,
            r.author,
            r.created_at,
            r.pipeline_tag,
            r.library_name,
            r.license,
            r.gated,
            latest.c.first_seen_at,
            latest.c.last_seen_at,
        )
        .join(r, r.model_id == latest.c.model_id)
        .where(latest.c.rank == 1)
        .order_by(latest.c.ecosystem, latest.c.model_id)
    )
    return _filtered(
        query, latest.c.last_seen_at, latest.c.ecosystem, latest.c.family, ecosystems, families, since, until
    )


def edges_select(
    *,
    ecosystems: Sequence[str] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Select:
    """Every declared parent link seen in a complete run, first and last `taken_at` (export `edges`)."""
    e = RunEdge
    runs = (
        select(SnapshotRun.id, SnapshotRun.taken_at)
        .where(SnapshotRun.status == COMPLETE)
        .subquery("complete")
    )
    query = (
        select(
            e.child_id,
            e.parent_id,
            e.relation,
            func.min(runs.c.taken_at).label("first_seen_at"),
            func.max(runs.c.taken_at).label("last_seen_at"),
        )
        .join(runs, runs.c.id == e.run_id)
        .group_by(e.child_id, e.parent_id, e.relation)
        .order_by(e.child_id, e.parent_id, e.relation)
    )
    if ecosystems:
        m = RunMembership
        in_ecosystems = (
            select(m.model_id)
            .where(m.run_id == e.run_id, m.model_id == e.child_id, col(m.ecosystem).in_(list(ecosystems)))
            .exists()
        )
        query = query.where(in_ecosystems)
    last_seen = func.max(runs.c.taken_at)
    if since is not None:
        query = query.having(last_seen >= since)
    if until is not None:
        query = query.having(last_seen <= until)
    return query


def runs_select(
    *,
    ecosystems: Sequence[str] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Select:
    """Every run, whatever its status, oldest first (export `runs`); `ecosystems`: runs that crawled any."""
    r = SnapshotRun
    query = select(
        col(r.id).label("run_id"),
        r.taken_at,
        r.started_at,
        r.finished_at,
        r.status,
        r.ecosystems,
        r.models,
        r.requests,
        r.error,
    ).order_by(r.taken_at, r.id)
    if ecosystems:
        # The names are stored joined by ";": fence them so that `llama` does not match `llama-guard`.
        fenced = literal(";") + r.ecosystems + literal(";")
        query = query.where(or_(*(fenced.contains(f";{name};", autoescape=True) for name in ecosystems)))
    return _filtered(query, r.taken_at, None, None, None, None, since, until)
