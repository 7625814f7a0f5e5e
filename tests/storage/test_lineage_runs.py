"""A run's lineage index left out (`lineage=False`, as the demo does for the runs the next two would
delete it from): its other rows are the same, and the last runs keep theirs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session

from tracker.core.records import Edge, Membership, Observation
from tracker.storage import latest_lineage, lifecycle, rollups, saves

TAKEN = datetime(2025, 7, 2, tzinfo=UTC)
DEPTH = {"m/Base": 0, "a/ft": 1, "b/q": 2}
LINKS = [("a/ft", "m/Base", "finetune"), ("b/q", "a/ft", "quantized")]
ROLLUP_TABLES = ("rollup", "rollup_builder", "rollup_mover", "rollup_provider")


def _observation(model_id: str, all_time: int) -> Observation:
    return Observation(
        model_id=model_id,
        hub_oid=f"oid-{model_id}",
        author=model_id.split("/")[0],
        created_at=TAKEN - timedelta(days=90),
        last_modified=TAKEN - timedelta(days=30),
        pipeline_tag="text-generation",
        library_name="transformers",
        license="llama3",
        gated="false",
        tags=(),
        relation=None,
        parents=(),
        children_count=0,
        downloads_30d=all_time // 10,
        downloads_all_time=all_time,
        likes=1,
        trending_score=0,
        parameters=8_000_000_000,
        live_providers=(),
    )


def _record(engine: Engine, week: int, *, lineage: bool) -> int:
    """A complete run `week` weeks after TAKEN, every model with 1,000 more downloads a week."""
    at = TAKEN + timedelta(days=7 * week)
    with Session(engine) as session:
        run_id = lifecycle.begin_run(
            session, taken_at=at, started_at=at, ecosystems=["llama"], strategy="scan"
        )
        saves.save_observations(session, run_id, [_observation(m, 1000 * (week + 1)) for m in DEPTH])
        saves.save_memberships(
            session,
            run_id,
            [
                Membership("llama", m, "Llama 3", "base" if d == 0 else "finetune", d)
                for m, d in DEPTH.items()
            ],
        )
        saves.save_edges(session, run_id, [Edge(c, p, r) for c, p, r in LINKS])  # type: ignore[arg-type]
        session.commit()
        lifecycle.finish_run(
            session, run_id, status="complete", finished_at=at, requests=1, retries=0, lineage=lineage
        )
    return run_id


def _rows(engine: Engine, table: str, run_id: int) -> list[tuple]:
    with engine.connect() as connection:
        rows = connection.execute(text(f"SELECT * FROM {table} WHERE run_id = :run"), {"run": run_id})  # noqa: S608
        return sorted((tuple(row) for row in rows), key=repr)


def _indexed(engine: Engine) -> dict[str, set[int]]:
    with engine.connect() as connection:
        return {
            table: set(connection.execute(text(f"SELECT DISTINCT run_id FROM {table}")).scalars())  # noqa: S608
            for table in ("lineage_node", "lineage_link")
        }


def test_a_run_left_out_of_the_index_gets_the_same_rollups(engine: Engine) -> None:
    _record(engine, 0, lineage=False)
    second = _record(engine, 1, lineage=False)
    assert _indexed(engine) == {"lineage_node": set(), "lineage_link": set()}
    without = {table: _rows(engine, table, second) for table in (*ROLLUP_TABLES, "membership")}
    assert without["rollup"]
    assert without["rollup_mover"]
    assert [row[-1] for row in without["membership"]] != [None] * len(DEPTH)  # the deltas were written
    rollups.refresh(engine, second)  # as a run that writes its index: the same rows, and the index
    assert {table: _rows(engine, table, second) for table in without} == without
    assert _indexed(engine) == {"lineage_node": {second}, "lineage_link": {second}}


def test_the_last_runs_keep_the_index_when_the_first_are_left_out(engine: Engine) -> None:
    runs = [_record(engine, week, lineage=week >= 2) for week in range(4)]  # as the demo: the last two
    assert _indexed(engine) == {"lineage_node": set(runs[2:]), "lineage_link": set(runs[2:])}
    nodes = _rows(engine, "lineage_node", runs[3])
    assert len(nodes) == len(DEPTH)
    later = _record(engine, 4, lineage=True)  # a later run writing its index drops the oldest, as always
    assert _indexed(engine) == {"lineage_node": {runs[3], later}, "lineage_link": {runs[3], later}}


def test_the_latest_runs_left_out_get_the_index_their_completion_would_have_written(engine: Engine) -> None:
    """A backfill indexes only its last files; when those were not imported, `write_missing` writes the
    latest runs' index, the same rows as their completion writes, and drops any older run's."""
    runs = [_record(engine, week, lineage=week == 0) for week in range(4)]  # the first kept by mistake
    assert _indexed(engine)["lineage_node"] == {runs[0]}
    assert latest_lineage.write_missing(engine) == runs[2:][::-1]  # latest first
    assert _indexed(engine) == {"lineage_node": set(runs[2:]), "lineage_link": set(runs[2:])}
    written = {table: _rows(engine, table, runs[3]) for table in ("lineage_node", "lineage_link")}
    assert len(written["lineage_node"]) == len(DEPTH)
    rollups.refresh(engine, runs[3])  # what the run's own completion writes
    assert {table: _rows(engine, table, runs[3]) for table in written} == written
    assert latest_lineage.write_missing(engine) == []  # nothing missing: nothing written


def test_the_explorer_s_index_gets_the_planner_s_statistics(engine: Engine) -> None:
    """PostgreSQL planned the explorer's search without them in 0.3 s at the real size, 5 ms with: a run's
    completion analyzes the index it wrote (the tests' server, like any, may run without autovacuum)."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite's ANALYZE takes every table")
    _record(engine, 0, lineage=True)
    with engine.connect() as connection:
        analyzed = connection.exec_driver_sql(
            "SELECT relname FROM pg_stat_user_tables WHERE last_analyze IS NOT NULL"
            " AND relname IN ('lineage_node', 'lineage_link')"
        )
        assert sorted(analyzed.scalars()) == ["lineage_link", "lineage_node"]
