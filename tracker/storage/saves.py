"""The rows a crawl's batches record: the models' descriptions and figures, their memberships, the
declared parent links, the children counted by relation. Upserts; none of them commits: the snapshot
decides when a batch is durable.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from sqlmodel import Session, col, select

from tracker.core.records import Edge, Membership, Observation
from tracker.storage.tables.runs import (
    ChildCount,
    ModelRecord,
    ModelSnapshot,
    RunEdge,
    RunMembership,
    SnapshotRun,
)
from tracker.storage.upsert import upsert

# One encoder for every row: json.dumps(..., ensure_ascii=False) would build a new one per call.
_tags_json = json.JSONEncoder(ensure_ascii=False).encode


_MODEL_COLUMNS = (
    "model_id",
    "hub_oid",
    "author",
    "created_at",
    "last_modified",
    "pipeline_tag",
    "library_name",
    "license",
    "gated",
    "tags",
    "updated_run_id",
)
_SNAPSHOT_COLUMNS = (
    "run_id",
    "model_id",
    "downloads_30d",
    "downloads_all_time",
    "likes",
    "trending_score",
    "parameters",
    "live_providers",
    "providers",
)
_MEMBERSHIP_COLUMNS = ("run_id", "ecosystem", "model_id", "family", "relation", "depth")
_EDGE_COLUMNS = ("run_id", "child_id", "parent_id", "relation")


def _described_later(session: Session, model_ids: Sequence[str], taken_at: datetime) -> set[str]:
    """The ids among these whose description was written by a run taken after `taken_at`."""
    newer: set[str] = set()
    for start in range(0, len(model_ids), 500):
        query = (
            select(ModelRecord.model_id)
            .join(SnapshotRun, col(SnapshotRun.id) == col(ModelRecord.updated_run_id))
            .where(
                col(ModelRecord.model_id).in_(model_ids[start : start + 500]),
                SnapshotRun.taken_at > taken_at,
            )
        )
        newer.update(session.exec(query).all())
    return newer


def save_observations(
    session: Session, run_id: int, observations: Sequence[Observation], *, taken_at: datetime | None = None
) -> None:
    """Upsert the models' descriptions (latest values win), their figures in this run and, where the Hub
    gave them, their children by relation. No commit.

    `taken_at`: the run's instant, for a run that may be older than others (a backfill): a description
    written by a later run is kept, not replaced by this older one."""
    if taken_at is not None:
        newer = _described_later(session, [o.model_id for o in observations], taken_at)
        described = [o for o in observations if o.model_id not in newer]
    else:
        described = list(observations)
    models = [
        (
            o.model_id,
            o.hub_oid,
            o.author,
            o.created_at,
            o.last_modified,
            o.pipeline_tag,
            o.library_name,
            o.license,
            None if o.gated is None else str(o.gated),
            _tags_json(o.tags),
            run_id,
        )
        for o in described
    ]
    upsert(session, ModelRecord, _MODEL_COLUMNS, models)
    figures = [
        (
            run_id,
            o.model_id,
            o.downloads_30d,
            o.downloads_all_time,
            o.likes,
            o.trending_score,
            o.parameters,
            None if o.live_providers is None else len(o.live_providers),
            None if o.live_providers is None else ";".join(o.live_providers),
        )
        for o in observations
    ]
    upsert(session, ModelSnapshot, _SNAPSHOT_COLUMNS, figures)
    # Counts by relation, where the Hub gave them so (the roots, looked up by id).
    counts = [
        (run_id, o.model_id, relation, n)
        for o in observations
        for relation, n in o.children_by_relation or ()
    ]
    upsert(session, ChildCount, ("run_id", "model_id", "relation", "children"), counts)


def save_memberships(session: Session, run_id: int, memberships: Sequence[Membership]) -> None:
    """Upsert the models' places in their ecosystems in this run. No commit."""
    rows = [(run_id, m.ecosystem, m.model_id, m.family, m.relation, m.depth) for m in memberships]
    upsert(session, RunMembership, _MEMBERSHIP_COLUMNS, rows)


def save_edges(session: Session, run_id: int, edges: Sequence[Edge]) -> None:
    """Upsert the declared parent links seen in this run. No commit."""
    rows = [(run_id, e.child_id, e.parent_id, e.relation) for e in edges]
    upsert(session, RunEdge, _EDGE_COLUMNS, rows)
