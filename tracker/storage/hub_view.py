"""Writes a run's whole-Hub view (`tracker.core.hub_view`), then its new derivatives.

New derivatives compare a run's stored pairs with those of the previous complete run with the view, by
`taken_at` (`tracker.core.forest_sets`). Runs can arrive out of order (a backfill of older archive weeks
into a database that has newer scans): a run recorded between two others is compared with the one
before it, and the one after it is compared again, with it.

May import: `tracker.core`, `tracker.storage`.
"""

from __future__ import annotations

import logging
from dataclasses import asdict
from datetime import UTC, datetime

import numpy as np
from sqlalchemy import and_, bindparam, insert, or_, select, update
from sqlmodel import Session

from tracker.core.forest import ranges
from tracker.core.forest_sets import Pairs, decode, id_hashes, model_key, new_counts, pairs
from tracker.core.hub_view import HubView
from tracker.storage.tables.hub import HubBase, HubGroup, HubPairs
from tracker.storage.tables.runs import SnapshotRun

logger = logging.getLogger("tracker.store")  # kept: operators filter on it

_BASES = HubBase.__table__  # type: ignore[attr-defined]
_GROUPS = HubGroup.__table__  # type: ignore[attr-defined]
_RUNS = SnapshotRun.__table__  # type: ignore[attr-defined]
_CHUNK = 5000


def save_view(session: Session, run_id: int, view: HubView) -> None:
    """Store the view's rows, pairs and totals for a run (not committed)."""
    for start in range(0, len(view.bases), _CHUNK):
        rows = [{"run_id": run_id, **asdict(r)} for r in view.bases[start : start + _CHUNK]]
        session.execute(insert(_BASES), rows)
    if view.groups:
        session.execute(insert(_GROUPS), [{"run_id": run_id, **asdict(g)} for g in view.groups])
    session.add(HubPairs(run_id=run_id, pairs=view.pairs))
    session.execute(
        update(_RUNS)
        .where(_RUNS.c.id == run_id)
        .values(hub_models=view.models, hub_derivatives=view.derivatives)
    )
    session.flush()


def _neighbour(session: Session, run: SnapshotRun, *, before: bool) -> int | None:
    """The complete run with the view just before (or after) this one, by `taken_at` then id."""
    t = SnapshotRun
    if before:
        where = or_(t.taken_at < run.taken_at, and_(t.taken_at == run.taken_at, t.id < run.id))  # type: ignore[arg-type, operator]
        order = (t.taken_at.desc(), t.id.desc())  # type: ignore[attr-defined, union-attr]
    else:
        where = or_(t.taken_at > run.taken_at, and_(t.taken_at == run.taken_at, t.id > run.id))  # type: ignore[arg-type, operator]
        order = (t.taken_at.asc(), t.id.asc())  # type: ignore[attr-defined, union-attr]
    query = (
        select(t.id)
        .where(t.status == "complete", t.hub_models.is_not(None), t.id != run.id, where)  # type: ignore[union-attr]
        .order_by(*order)
        .limit(1)
    )
    return session.execute(query).scalar()


def refresh_new(session: Session, run_id: int) -> None:
    """The run's new derivatives against the run before it, and the next run's against it (not committed).

    The run itself may still be running (its writer calls this before the roll-ups); its neighbours are
    complete runs with the view."""
    run = session.get(SnapshotRun, run_id)
    assert run is not None
    before = _neighbour(session, run, before=True)
    _compare(session, run_id, before)
    after = _neighbour(session, run, before=False)
    if after is not None:
        logger.info("run %d: new derivatives of run %d counted again, against it", run_id, after)
        _compare(session, after, run_id)
        # Its stored figures changed: say so (a partitioned export writes it again).
        session.execute(
            update(_RUNS)
            .where(_RUNS.c.id == after, _RUNS.c.rolled_up_at.is_not(None))
            .values(rolled_up_at=datetime.now(UTC))
        )
    session.flush()


class _Stored:
    """A run's stored view, as pair sets: by base, by group, Hub-wide."""

    def __init__(self, session: Session, run_id: int) -> None:
        rows = session.execute(
            select(
                _BASES.c.base_id,
                _BASES.c.hub_oid,
                _BASES.c.derivatives,
                _BASES.c.organisation,
                _BASES.c.region,
                _BASES.c.ecosystems,
            )
            .where(_BASES.c.run_id == run_id)
            .order_by(_BASES.c.position)
        ).all()
        value = session.execute(select(HubPairs.pairs).where(HubPairs.run_id == run_id)).scalar()  # type: ignore[arg-type]
        hashes, relations = (
            decode(value) if value is not None else (np.zeros(0, np.uint64), np.zeros(0, np.uint8))
        )
        counts = np.asarray([r.derivatives for r in rows], np.int64)
        if int(counts.sum()) != len(hashes):
            raise ValueError(f"run {run_id}: its stored pairs do not match its bases")
        owner = np.repeat(np.arange(len(rows)), counts)
        self.base_ids = [r.base_id for r in rows]
        # A base is itself across runs by its `_id` (a rename keeps it), else by its id.
        owners = np.fromiter((model_key(r.base_id, r.hub_oid) for r in rows), np.uint64, count=len(rows))
        self.bases = pairs(owners, owner, hashes, relations)
        self.hub = pairs(np.zeros(1, np.uint64), np.zeros(len(hashes), np.int64), hashes, relations)
        # Each base's groups, then every pair once per group of its base.
        names: dict[tuple[str, str], int] = {}
        member_base, member_group = [], []
        for i, r in enumerate(rows):
            kinds = [("organisation", r.organisation), ("region", r.region)]
            kinds += [("ecosystem", e) for e in r.ecosystems.split(";") if e]
            for key in kinds:
                member_base.append(i)
                member_group.append(names.setdefault(key, len(names)))
        self.group_names = list(names)
        mb, mg = np.asarray(member_base, np.int64), np.asarray(member_group, np.int64)
        per_base = np.bincount(mb, minlength=len(rows))
        pair_groups = per_base[owner]
        starts = np.concatenate([[0], np.cumsum(per_base)])[owner]
        group_of = mg[ranges(starts, pair_groups)]
        owners = id_hashes([f"{k}:{n}" for k, n in self.group_names])
        self.groups: Pairs = pairs(
            owners, group_of, np.repeat(hashes, pair_groups), np.repeat(relations, pair_groups)
        )


def _compare(session: Session, run_id: int, before_id: int | None) -> None:
    """Write a run's new derivatives against `before_id` (None: no earlier run with the view)."""
    now = _Stored(session, run_id)
    if before_id is None:
        session.execute(update(_RUNS).where(_RUNS.c.id == run_id).values(hub_new_derivatives=None))
        return
    before = _Stored(session, before_id)
    fresh, _ = new_counts(now.bases, before.bases, len(now.base_ids))
    session.execute(
        update(_BASES)
        .where(_BASES.c.run_id == run_id, _BASES.c.base_id == bindparam("b"))
        .values(new_derivatives=bindparam("n")),
        [{"b": b, "n": int(n)} for b, n in zip(now.base_ids, fresh, strict=True)],
    )
    fresh, by_relation = new_counts(now.groups, before.groups, len(now.group_names))
    session.execute(
        update(_GROUPS)
        .where(_GROUPS.c.run_id == run_id, _GROUPS.c.kind == bindparam("k"), _GROUPS.c.name == bindparam("g"))
        .values(
            new_derivatives=bindparam("n"),
            new_finetunes=bindparam("f"),
            new_adapters=bindparam("a"),
            new_quantizations=bindparam("q"),
            new_merges=bindparam("m"),
        ),
        [
            {"k": k, "g": g, "n": int(n), **dict(zip("faqm", map(int, r), strict=True))}
            for (k, g), n, r in zip(now.group_names, fresh, by_relation, strict=True)
        ],
    )
    hub, _ = new_counts(now.hub, before.hub, 1)
    session.execute(update(_RUNS).where(_RUNS.c.id == run_id).values(hub_new_derivatives=int(hub[0])))
