"""What a run's completion writes so that a year of history reads in milliseconds.

When a run completes, for each ecosystem it crawled:

- every member's `downloads_delta` (its all-time count minus its count in the ecosystem's previous
  complete run) is stored in `membership`, so the history is a plain join, never a window over
  every row;
- `rollup` gets the members' figures summed by family, relation, licence, quantization format and size
  class (`tracker.core.usage.effective_size_classes`: an adapter or quantization takes its parent's), with
  their live inference providers counted;
- `rollup_provider` each provider's live members by family and relation;
- `rollup_builder` the derivatives' figures by builder (author);
- `rollup_mover` the first `BOARD_SIZE` of each movers board per family and relation;
- `lineage_node` and `lineage_link`, the lineage explorer's index (`tracker.core.lineage_index`): for the
  latest two rolled-up runs only, the explorer showing the latest (a writer that records newer runs
  next, as the demo does, leaves it out of the runs it would be deleted from: `lineage=False`).

The maths is `tracker.core.measures`'s (weekly downloads, quantization formats), applied to one run and
the one before; the rows themselves are built from the members' frame in `tracker.core.rollup_rows`.
A run that completes with an earlier `taken_at` than runs already recorded (a
backfill) changes the previous run of the next ones: their deltas and roll-ups are written again.
`backfill` writes what is missing (databases from before the roll-ups, or a refresh that failed).
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime

import pandas as pd
from sqlalchemy import and_, delete, exists, select, update
from sqlalchemy.engine import Connection, Engine

from tracker.core import lineage_index
from tracker.core.measures import WEEK, quant_format, weekly_rate
from tracker.core.rollup_rows import (
    builder_rows,
    mover_rows,
    provider_rows,
    series_rows,
)
from tracker.core.usage import INHERIT_SIZE, effective_size_classes
from tracker.storage import planner
from tracker.storage.handles import (
    EDGES,
    LINEAGE_LINKS,
    LINEAGE_NODES,
    MEMBERSHIP,
    MODELS,
    RUNS,
    SNAPSHOTS,
    table_of,
)
from tracker.storage.tables.lineage import LineageLink, LineageNode
from tracker.storage.tables.rollups import Rollup, RollupBuilder, RollupMover, RollupProvider

logger = logging.getLogger("tracker.rollups")  # kept: operators filter on it


LINEAGE_RUNS = 2  # the rolled-up runs whose lineage index is kept: the latest, and the one before


@dataclass(frozen=True)
class _Run:
    id: int
    taken_at: datetime


def _sequence(connection: Connection, ecosystem: str) -> list[_Run]:
    """The ecosystem's complete runs (those that recorded a member of it), by taken_at then id."""
    m = MEMBERSHIP
    has_members = exists().where(m.c.run_id == RUNS.c.id, m.c.ecosystem == ecosystem)
    query = (
        select(RUNS.c.id, RUNS.c.taken_at)
        .where(RUNS.c.status == "complete", has_members)
        .order_by(RUNS.c.taken_at, RUNS.c.id)
    )
    return [_Run(row.id, _utc(row.taken_at)) for row in connection.execute(query)]


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _ecosystems(connection: Connection, run_id: int) -> list[str]:
    query = select(MEMBERSHIP.c.ecosystem).where(MEMBERSHIP.c.run_id == run_id).distinct()
    return sorted(connection.execute(query).scalars())


def refresh(
    engine: Engine,
    run_id: int,
    *,
    now: datetime | None = None,
    pending: frozenset[int] = frozenset(),
    lineage: bool = True,
) -> None:
    """Write the run's deltas and roll-ups, and those of the runs that follow it, except the `pending`
    ones (a backfill refreshes them itself, later: writing them here too would write them thrice). Commits.

    `lineage`: write the run's lineage index too, if it is among the latest runs; False when the caller
    records `LINEAGE_RUNS` newer runs next, which would delete it (the run's other rows are the same)."""
    planner.analyze(engine)  # the run's rows are new: without statistics PostgreSQL joins them by loops
    with engine.begin() as connection:
        indexed = lineage and run_id in lineage_runs(connection, {run_id, *pending})
        rewritten: set[int] = set()  # the following runs whose deltas and roll-ups are written again
        for ecosystem in _ecosystems(connection, run_id):
            runs = _sequence(connection, ecosystem)
            at = next((i for i, run in enumerate(runs) if run.id == run_id), None)
            if at is None:
                continue  # not complete: nothing of it counts
            # A backfilled run is the new previous run of the next one, whose weekly downloads the
            # movers of the one after compare with: those two are written again.
            for i in range(at, min(at + 3, len(runs))):
                if i > at and runs[i].id in pending:
                    continue
                _write_deltas(connection, ecosystem, runs[i], runs[i - 1] if i > 0 else None)
                _write_rollups(connection, ecosystem, runs, i)
                rewritten.add(runs[i].id)
        if indexed:
            index_run(connection, run_id)
        written_at = now or datetime.now(UTC)
        connection.execute(update(RUNS).where(RUNS.c.id == run_id).values(rolled_up_at=written_at))
        # Their stored figures changed: say so (a partitioned export writes them again). Not those never
        # rolled up, whose empty `rolled_up_at` still asks for their own refresh.
        rewritten.discard(run_id)
        if rewritten:
            connection.execute(
                update(RUNS)
                .where(RUNS.c.id.in_(sorted(rewritten)), RUNS.c.rolled_up_at.is_not(None))
                .values(rolled_up_at=written_at)
            )
        if indexed:
            keep_lineage_of(connection, lineage_runs(connection, {run_id, *pending}))
    planner.analyze(engine, planner.RUN_TABLES + planner.INDEX_TABLES if indexed else planner.RUN_TABLES)


def lineage_runs(connection: Connection, also: Collection[int] = ()) -> list[int]:
    """The runs whose lineage index is kept once the runs `also` are rolled up: the latest
    `LINEAGE_RUNS` of them and of the complete runs already rolled up, by taken_at then id."""
    r = RUNS
    query = (
        select(r.c.id)
        .where(
            r.c.status == "complete",
            r.c.rolled_up_at.is_not(None) | r.c.id.in_(sorted(also)),
        )
        .order_by(r.c.taken_at.desc(), r.c.id.desc())
        .limit(LINEAGE_RUNS)
    )
    return list(connection.execute(query).scalars())


def index_run(connection: Connection, run_id: int) -> bool:
    """Write the run's lineage index, each ecosystem's; whether it has any (a run without members none)."""
    e = EDGES
    query = select(e.c.child_id, e.c.parent_id, e.c.relation).where(e.c.run_id == run_id)
    edges = [tuple(row) for row in connection.execute(query)]
    ecosystems = _ecosystems(connection, run_id)
    for ecosystem in ecosystems:
        write_lineage(connection, ecosystem, run_id, edges)
    return bool(ecosystems)


def keep_lineage_of(connection: Connection, kept: Collection[int]) -> None:
    """Delete the lineage index of every run but the `kept` ones."""
    for table in (LINEAGE_NODES, LINEAGE_LINKS):
        connection.execute(delete(table).where(table.c.run_id.not_in(kept)))


def write_lineage(connection: Connection, ecosystem: str, run_id: int, edges: list) -> None:
    """Replace the run's lineage index for the ecosystem (`tracker.core.lineage_index`)."""
    m, s = MEMBERSHIP, SNAPSHOTS
    query = (
        select(m.c.model_id, m.c.family, m.c.relation, m.c.depth, s.c.downloads_30d, s.c.likes)
        .join(s, and_(s.c.run_id == m.c.run_id, s.c.model_id == m.c.model_id))
        .where(m.c.run_id == run_id, m.c.ecosystem == ecosystem)
    )
    for table in (LINEAGE_NODES, LINEAGE_LINKS):
        connection.execute(delete(table).where(table.c.run_id == run_id, table.c.ecosystem == ecosystem))
    index = lineage_index.build(_frame(connection, query), edges)
    keys = {"run_id": run_id, "ecosystem": ecosystem}
    _insert(connection, LineageNode, index.nodes, keys)
    _insert(connection, LineageLink, index.links, keys)


def backfill(engine: Engine) -> int:
    """Refresh every complete run never rolled up, oldest first; return how many. Commits each."""
    with engine.connect() as connection:
        query = (
            select(RUNS.c.id)
            .where(RUNS.c.status == "complete", RUNS.c.rolled_up_at.is_(None))
            .order_by(RUNS.c.taken_at, RUNS.c.id)
        )
        pending = list(connection.execute(query).scalars())
    for n, run_id in enumerate(pending, 1):
        logger.info("writing the roll-ups of run %d (%d of %d)", run_id, n, len(pending))
        refresh(engine, run_id, pending=frozenset(pending[n:]))
    return len(pending)


def _write_deltas(connection: Connection, ecosystem: str, run: _Run, previous: _Run | None) -> None:
    """Store each member's all-time delta against the ecosystem's previous run (None when not a member)."""
    m = MEMBERSHIP
    mine = and_(m.c.run_id == run.id, m.c.ecosystem == ecosystem)
    connection.execute(update(m).where(mine).values(downloads_delta=None))
    if previous is None:
        return
    now, before, was = SNAPSHOTS.alias("now"), SNAPSHOTS.alias("before"), m.alias("was")
    # UPDATE ... FROM (PostgreSQL, SQLite 3.33+): one join, where a correlated subquery per row costs 1.5 x.
    connection.execute(
        update(m)
        .where(
            mine,
            now.c.run_id == run.id,
            now.c.model_id == m.c.model_id,
            before.c.run_id == previous.id,
            before.c.model_id == m.c.model_id,
            was.c.run_id == previous.id,
            was.c.ecosystem == ecosystem,
            was.c.model_id == m.c.model_id,
        )
        .values(downloads_delta=now.c.downloads_all_time - before.c.downloads_all_time)
    )


_CHUNK = 20_000
# few distinct values: one object each
_SHARED = ("family", "relation", "author", "license", "format", "providers")
_COUNTS = ("downloads_delta", "downloads_30d", "depth", "delta_before", "parameters", "live_providers")


def _frame(connection: Connection, query) -> pd.DataFrame:  # noqa: ANN001 - a Select
    """The query's rows as a frame, read a chunk at a time into small frames: one copy of each repeated
    string, counts straight into integer arrays, tags reduced to the quantization format as they come.
    Reading a 200,000-member run whole cost 120 MB of resident memory for a 30 MB frame."""
    result = connection.execute(query.execution_options(stream_results=True, yield_per=_CHUNK))
    names = list(result.keys())
    kept = [n for n in names if n not in ("tags", "library_name")] + (["format"] if "tags" in names else [])
    pools: dict[str, dict] = {name: {} for name in _SHARED if name in kept}
    frames = []
    for rows in result.partitions(_CHUNK):
        chunk = dict(zip(names, zip(*rows, strict=True), strict=True))
        del rows
        if "tags" in chunk:
            chunk["format"] = tuple(
                quant_format(tags, library) if relation == "quantized" else ""
                for tags, library, relation in zip(
                    chunk["tags"], chunk["library_name"], chunk["relation"], strict=True
                )
            )
        part = {}
        for name in kept:
            values = chunk[name]
            if name in pools:
                pool = pools[name]
                values = [pool.setdefault(v, v) for v in values]
            part[name] = pd.array(values, dtype="Int64") if name in _COUNTS else values
        frames.append(pd.DataFrame(part, columns=kept))
    if not frames:
        return pd.DataFrame({name: pd.array([], dtype="Int64") if name in _COUNTS else [] for name in kept})
    return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]


def _members(
    connection: Connection, ecosystem: str, run_id: int, previous: int | None, *, roots: bool
) -> pd.DataFrame:
    """The run's roots or derivatives in the ecosystem, with figures and descriptive fields (and `format`);
    and from the previous run: whether each was a member (`was_member`) and its delta then (`delta_before`).

    The previous run is joined here rather than read into a second frame: the roll-ups run in the
    snapshot's process, whose peak memory they set.
    """
    m, s, r = MEMBERSHIP, SNAPSHOTS, MODELS
    was = MEMBERSHIP.alias("was")
    query = (
        select(
            m.c.model_id,
            m.c.family,
            m.c.relation,
            m.c.depth,
            m.c.downloads_delta,
            s.c.downloads_30d,
            s.c.parameters,
            s.c.live_providers,
            s.c.providers,
            r.c.author,
            r.c.license,
            r.c.library_name,
            r.c.tags,
            was.c.model_id.is_not(None).label("was_member"),
            was.c.downloads_delta.label("delta_before"),
        )
        .join(s, and_(s.c.run_id == m.c.run_id, s.c.model_id == m.c.model_id))
        .join(r, r.c.model_id == m.c.model_id, isouter=True)
        .join(
            was,
            and_(
                was.c.run_id == (previous or -1), was.c.ecosystem == ecosystem, was.c.model_id == m.c.model_id
            ),
            isouter=True,
        )
        .where(
            m.c.ecosystem == ecosystem, m.c.run_id == run_id, (m.c.depth == 0) if roots else (m.c.depth > 0)
        )
    )
    return _frame(connection, query)


def _weeks(runs: list[_Run], i: int) -> float | None:
    return (runs[i].taken_at - runs[i - 1].taken_at) / WEEK if i > 0 else None


def _write_rollups(connection: Connection, ecosystem: str, runs: list[_Run], i: int) -> None:
    """Replace the run's roll-up rows for the ecosystem."""
    run = runs[i]
    previous = runs[i - 1].id if i > 0 else None
    weeks = _weeks(runs, i)
    for table in (Rollup, RollupBuilder, RollupMover, RollupProvider):
        t = table_of(table)
        connection.execute(delete(t).where(t.c.run_id == run.id, t.c.ecosystem == ecosystem))
    keys = {"run_id": run.id, "ecosystem": ecosystem}
    # The roots apart: a few rows that only the series counts; the derivatives are read once, not copied.
    roots = _members(connection, ecosystem, run.id, previous, roots=True)
    now = _members(connection, ecosystem, run.id, previous, roots=False)
    classes = effective_size_classes(
        (
            (model_id, relation, depth, None if pd.isna(parameters) else int(parameters))
            for frame in (roots, now)
            for model_id, relation, depth, parameters in zip(
                frame["model_id"], frame["relation"], frame["depth"], frame["parameters"], strict=True
            )
        ),
        connection.execute(_inheriting_links(ecosystem, run.id)),
    )
    for frame in (roots, now):  # in place: `now` is every derivative of the run
        frame["size_class"] = [classes[model_id] for model_id in frame["model_id"]]
        del frame["parameters"]
    _insert(connection, Rollup, series_rows(roots, weeks, first=i == 0), keys)
    _insert(connection, RollupProvider, provider_rows(roots), keys)
    missing = now["author"].isna()
    if missing.any():  # the namespace (splitting every id would cost 70 MB at 200,000 members)
        now.loc[missing, "author"] = now.loc[missing, "model_id"].str.split("/").str[0]
    now["weekly_downloads"] = weekly_rate(now["downloads_delta"], weeks)
    before = weekly_rate(now["delta_before"], _weeks(runs, i - 1) if i > 0 else None)
    now["weekly_downloads_before"] = before.where(now["was_member"].astype(bool))
    _insert(connection, Rollup, series_rows(now, weeks, first=i == 0), keys)
    _insert(connection, RollupProvider, provider_rows(now), keys)
    _insert(connection, RollupBuilder, builder_rows(now), keys)
    _insert(connection, RollupMover, mover_rows(now), keys)


def _inheriting_links(ecosystem: str, run_id: int):  # noqa: ANN202 - a Select
    """The run's declared links of the ecosystem's adapters and quantizations: (child_id, parent_id)."""
    e, m = EDGES, MEMBERSHIP
    return (
        select(e.c.child_id, e.c.parent_id)
        .join(m, and_(m.c.run_id == e.c.run_id, m.c.model_id == e.c.child_id))
        .where(e.c.run_id == run_id, m.c.ecosystem == ecosystem, m.c.relation.in_(sorted(INHERIT_SIZE)))
    )


def _insert(connection: Connection, table: type, frame: pd.DataFrame, keys: dict) -> None:
    """Insert the frame's rows, a slice at a time, as fast as the driver goes: COPY on PostgreSQL,
    executemany of plain tuples on SQLite (a lineage index is over 200,000 rows; SQLAlchemy's insert of
    dicts took 9 s for them)."""
    name = table_of(table).name
    columns = [*keys, *frame.columns]
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        for start in range(0, len(frame), _CHUNK):
            part = frame.iloc[start : start + _CHUNK].astype(object)  # Python ints and floats
            part = part.where(part.notna(), None)
            rows = [(*keys.values(), *row) for row in part.itertuples(index=False, name=None)]
            if connection.dialect.name == "postgresql":
                with cursor.copy(f"COPY {name} ({', '.join(columns)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join("?" * len(columns))
                cursor.executemany(f"INSERT INTO {name} ({', '.join(columns)}) VALUES ({marks})", rows)  # noqa: S608
    finally:
        cursor.close()
