"""The recorded history as queries (read-only): one definition each, shared by exports and metrics; the
whole-Hub view's bases too (`bases_select`; its other reads are `tracker.read.hub`).

Only complete runs count. A model's `downloads_delta` in a run is its `downloads_all_time` minus
its value in the previous complete run of the same ecosystem (by `taken_at`, then id, so backfilled
runs slot in by the instant they represent); empty when the model was not seen in that run. It is
stored when the run completes (`tracker.storage.rollups`). A negative delta is a Hub revision, kept as it is.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Select, and_, func, literal, or_, select
from sqlmodel import col

from tracker.storage.tables.hub import HubBase
from tracker.storage.tables.runs import ModelRecord, ModelSnapshot, RunEdge, RunMembership, SnapshotRun

COMPLETE = "complete"


def history_select(
    *,
    ecosystems: Sequence[str] | None = None,
    families: Sequence[str] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    run_ids: Sequence[int] | None = None,
) -> Select:
    """One row per model per ecosystem per complete run, in the export's `history` columns and order.

    The delta is the one stored when the run completed (`tracker.storage.rollups`): a plain join, no window.
    """
    m, snap = RunMembership, ModelSnapshot
    query = (
        select(
            m.run_id,
            SnapshotRun.taken_at,
            m.ecosystem,
            m.family,
            m.model_id,
            m.relation,
            m.depth,
            snap.downloads_30d,
            snap.downloads_all_time,
            m.downloads_delta,
            snap.likes,
            snap.trending_score,
            snap.live_providers,
        )
        .join(SnapshotRun, col(SnapshotRun.id) == col(m.run_id))
        .join(snap, and_(col(snap.run_id) == col(m.run_id), col(snap.model_id) == col(m.model_id)))
        .where(SnapshotRun.status == COMPLETE)
        .order_by(SnapshotRun.taken_at, m.run_id, m.ecosystem, m.model_id)
    )
    if run_ids is not None:
        query = query.where(col(m.run_id).in_(list(run_ids)))
    return _filtered(query, SnapshotRun.taken_at, m.ecosystem, m.family, ecosystems, families, since, until)


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
    r, snap = ModelRecord, ModelSnapshot
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
            snap.parameters,
        )
        .join(r, r.model_id == latest.c.model_id)
        .outerjoin(snap, and_(snap.run_id == latest.c.run_id, snap.model_id == latest.c.model_id))
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
        r.source,
        r.hub_models,
        r.hub_derivatives,
        r.hub_new_derivatives,
    ).order_by(r.taken_at, r.id)
    if ecosystems:
        query = query.where(_any_of(r.ecosystems, ecosystems))
    return _filtered(query, r.taken_at, None, None, None, None, since, until)


def _any_of(joined, names: Sequence[str]):  # noqa: ANN001, ANN202 - a column of names joined by ";"
    """Whether the column's names include any of `names`."""
    # The names are stored joined by ";": fence them so that `llama` does not match `llama-guard`.
    fenced = literal(";") + joined + literal(";")
    return or_(*(fenced.contains(f";{name};", autoescape=True) for name in names))


def bases_select(
    *,
    ecosystems: Sequence[str] | None = None,
    regions: Sequence[str] | None = None,
    organisations: Sequence[str] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Select:
    """One row per base per complete run with the whole-Hub view (export `bases`), its `ecosystems` empty
    (NULL) when it is in none; `ecosystems`: bases inside any of them; `regions`, `organisations`: bases
    with one of those values."""
    b = HubBase
    query = (
        select(
            b.run_id,
            SnapshotRun.taken_at,
            b.base_id,
            b.author,
            b.organisation,
            b.region,
            b.derivatives,
            b.new_derivatives,
            b.finetunes,
            b.adapters,
            b.quantizations,
            b.merges,
            b.downloads_30d,
            b.downloads_all_time,
            b.derivative_downloads_30d,
            func.nullif(b.ecosystems, "").label("ecosystems"),  # none: missing, as CSV can only say it
        )
        .join(SnapshotRun, col(SnapshotRun.id) == col(b.run_id))
        .where(SnapshotRun.status == COMPLETE)
        .order_by(SnapshotRun.taken_at, b.run_id, b.base_id)
    )
    if ecosystems:
        query = query.where(_any_of(b.ecosystems, ecosystems))
    if regions:
        query = query.where(col(b.region).in_(list(regions)))
    if organisations:
        query = query.where(col(b.organisation).in_(list(organisations)))
    return _filtered(query, SnapshotRun.taken_at, None, None, None, None, since, until)
