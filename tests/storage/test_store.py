"""The store on SQLite and on the real PostgreSQL: migrations, the snapshot lock, upserts, runs, readers."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, func, inspect, text
from sqlmodel import Session, SQLModel, select

from tracker.core.records import Edge, Membership, Observation
from tracker.storage.database import (
    SnapshotBusy,
    StoreError,
    alembic_config,
    make_engine,
    migrate,
    open_store,
    snapshot_lock,
)
from tracker.storage.lifecycle import (
    begin_run,
    close_interrupted_runs,
    finish_run,
    set_run_strategy,
    update_run_counters,
)
from tracker.storage.loads import (
    load_last_complete_run,
    load_run,
    load_run_edges,
    load_run_members,
    load_run_snapshots,
    load_runs,
)
from tracker.storage.saves import save_edges, save_memberships, save_observations
from tracker.storage.tables import is_dialect_object
from tracker.storage.tables.runs import ModelRecord, ModelSnapshot, RunEdge, RunMembership, SnapshotRun

TAKEN = datetime(2025, 7, 7, 6, 0, tzinfo=UTC)
TABLES = {
    "snapshot_run",
    "hub_base",
    "hub_group",
    "hub_pairs",
    "archive_week",
    "child_count",
    "model",
    "model_snapshot",
    "membership",
    "run_edge",
    "rollup",
    "rollup_builder",
    "rollup_mover",
    "rollup_provider",
    "lineage_node",
    "lineage_link",
}


def observation(model_id: str, **changes: object) -> Observation:
    """A plausible observation of `model_id`, with some fields changed."""
    base = Observation(
        model_id=model_id,
        hub_oid=f"oid-{model_id}",
        author=model_id.split("/")[0],
        created_at=datetime(2024, 9, 1, 12, 30, tzinfo=UTC),
        last_modified=datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC),
        pipeline_tag="text-generation",
        library_name="transformers",
        license="llama3.1",
        gated="false",
        tags=("base_model:meta-llama/Llama-3.1-8B", "license:llama3.1", "région"),
        relation="finetune",
        parents=("meta-llama/Llama-3.1-8B",),
        children_count=0,
        downloads_30d=1_000,
        downloads_all_time=5_000_000_000,  # past 2**31: the columns are BIGINT
        likes=7,
        trending_score=3,
    )
    return replace(base, **changes)


def start_run(engine: Engine, taken_at: datetime = TAKEN, ecosystems: tuple[str, ...] = ("llama",)) -> int:
    """A new running run."""
    with Session(engine) as session:
        return begin_run(
            session, taken_at=taken_at, started_at=taken_at, ecosystems=ecosystems, strategy="tree"
        )


def count(engine: Engine, table: type[SQLModel]) -> int:
    """Rows in a table."""
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(table)).one()


# --- migrations ---------------------------------------------------------------------------------


def _tables(connection) -> set[str]:  # noqa: ANN001 - a Connection
    """The schema's tables, but the search index's (an FTS5 table and its shadow tables on SQLite)."""
    return {name for name in inspect(connection).get_table_names() if not is_dialect_object(name)}


def test_migrate_twice_is_a_no_op(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        migrate(engine)
        with engine.connect() as connection:
            first = connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
        migrate(engine)
        with engine.connect() as connection:
            again = connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
            tables = _tables(connection)
        heads = ScriptDirectory.from_config(alembic_config()).get_heads()
        assert first == again == heads
        assert tables == TABLES | {"alembic_version"}
    finally:
        engine.dispose()


def test_migrated_schema_equals_the_tables(engine: Engine) -> None:
    with engine.connect() as connection:
        opts = {"compare_type": True, "include_name": lambda name, *_: not is_dialect_object(name)}
        context = MigrationContext.configure(connection, opts=opts)
        assert compare_metadata(context, SQLModel.metadata) == []


def test_the_search_index_follows_the_models(engine: Engine) -> None:
    """SQLite: the FTS5 table holds every model id, kept by triggers; PostgreSQL: the pg_trgm index."""
    with Session(engine) as session:
        run_id = begin_run(session, taken_at=TAKEN, started_at=TAKEN, ecosystems=["llama"], strategy="tree")
        save_observations(session, run_id, [observation("A/Hermes-3-GGUF"), observation("b/other")])
        session.commit()
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            hits = connection.execute(
                text("SELECT model_id FROM model_search WHERE model_search MATCH '\"hermes\"'")
            ).scalars()
            assert list(hits) == ["A/Hermes-3-GGUF"]
        else:
            names = connection.execute(text("SELECT indexname FROM pg_indexes WHERE tablename = 'model'"))
            assert "ix_model_search" in set(names.scalars())


def test_concurrent_first_starts_migrate_once(database_url: str) -> None:
    engines = [make_engine(database_url) for _ in range(3)]
    errors: list[BaseException] = []

    def start(engine: Engine) -> None:
        try:
            migrate(engine)
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=start, args=(engine,)) for engine in engines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    try:
        assert errors == []
        with engines[0].connect() as connection:
            assert _tables(connection) == TABLES | {"alembic_version"}
    finally:
        for engine in engines:
            engine.dispose()


def test_a_newer_schema_is_refused_in_one_line(engine: Engine, migrated_url: str) -> None:
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = 'f00d'"))
    with pytest.raises(StoreError, match=r"revision f00d is unknown to this tracker") as caught:
        open_store(migrated_url)
    assert "\n" not in str(caught.value)


# --- runs and batches -------------------------------------------------------------------------------


def test_a_run_round_trips_with_aware_utc_times(engine: Engine) -> None:
    paris = timezone(timedelta(hours=2))
    taken_at = datetime(2025, 7, 7, 8, 0, tzinfo=paris)  # 06:00 UTC
    with Session(engine) as session:
        run_id = begin_run(
            session,
            taken_at=taken_at,
            started_at=taken_at + timedelta(minutes=1),
            ecosystems=["llama", "qwen"],
            strategy="scan",
        )
        save_observations(session, run_id, [observation("a/x"), observation("b/y", created_at=None)])
        save_memberships(
            session,
            run_id,
            [
                Membership("llama", "a/x", "Llama 3.1", "finetune", 1),
                Membership("qwen", "a/x", "Qwen 2.5", "merge", 2),
                Membership("llama", "b/y", "Llama 3.1", "base", 0),
            ],
        )
        save_edges(session, run_id, [Edge("a/x", "b/y", "finetune"), Edge("a/x", "ghost/z", "merge")])
        session.commit()
        update_run_counters(session, run_id, requests=5, retries=1)
        finish_run(
            session,
            run_id,
            status="complete",
            finished_at=taken_at + timedelta(minutes=9),
            requests=12,
            retries=2,
        )

    with Session(engine) as session:
        run = session.get(SnapshotRun, run_id)
        assert run is not None
        assert run.taken_at == datetime(2025, 7, 7, 6, 0, tzinfo=UTC)
        assert run.taken_at.utcoffset() == timedelta(0)
        assert run.finished_at == datetime(2025, 7, 7, 6, 9, tzinfo=UTC)
        assert (run.status, run.ecosystems, run.strategy) == ("complete", "llama;qwen", "scan")
        assert (run.requests, run.retries, run.models, run.error) == (12, 2, 2, None)
        assert (run.host, run.pid) == (socket.gethostname(), os.getpid())

        model = session.get(ModelRecord, "a/x")
        assert model is not None
        assert model.created_at == datetime(2024, 9, 1, 12, 30, tzinfo=UTC)
        assert model.created_at.tzinfo is not None
        assert json.loads(model.tags) == ["base_model:meta-llama/Llama-3.1-8B", "license:llama3.1", "région"]
        assert (model.gated, model.license, model.updated_run_id) == ("false", "llama3.1", run_id)
        assert session.get(ModelRecord, "b/y").created_at is None  # type: ignore[union-attr]

        members = load_run_members(session, run_id)
        assert [(m.ecosystem, m.model_id, m.family, m.relation, m.depth) for m, _ in members] == [
            ("llama", "a/x", "Llama 3.1", "finetune", 1),
            ("llama", "b/y", "Llama 3.1", "base", 0),
            ("qwen", "a/x", "Qwen 2.5", "merge", 2),
        ]
        figures = members[0][1]
        assert figures is not None
        assert (figures.downloads_30d, figures.downloads_all_time) == (1_000, 5_000_000_000)
        assert [(e.child_id, e.parent_id, e.relation) for e in load_run_edges(session, run_id)] == [
            ("a/x", "b/y", "finetune"),
            ("a/x", "ghost/z", "merge"),
        ]
        assert [s.model_id for s in load_run_snapshots(session, run_id)] == ["a/x", "b/y"]


def test_the_strategy_is_set_once_chosen_and_checked(engine: Engine) -> None:
    run_id = start_run(engine)
    with Session(engine) as session:
        set_run_strategy(session, run_id, "scan")
        assert load_run(session, run_id).strategy == "scan"
        with pytest.raises(ValueError, match="strategy must be one of tree, scan, archive, not 'auto'"):
            set_run_strategy(session, run_id, "auto")
        with pytest.raises(StoreError, match="no snapshot run 999"):
            load_run(session, 999)


def test_naive_times_are_refused(engine: Engine) -> None:
    with Session(engine) as session, pytest.raises(ValueError, match="taken_at must be zone-aware"):
        begin_run(
            session, taken_at=datetime(2025, 7, 7), started_at=TAKEN, ecosystems=["llama"], strategy="tree"
        )


def test_naive_times_in_a_batch_are_refused(engine: Engine) -> None:
    run_id = start_run(engine)
    with Session(engine) as session, pytest.raises(ValueError, match="timezone"):
        save_observations(session, run_id, [observation("a/x", created_at=datetime(2024, 1, 1))])


def test_resaving_a_batch_upserts_and_the_latest_values_win(engine: Engine) -> None:
    run_id = start_run(engine)
    batch = [observation(f"org/m{i}") for i in range(50)]
    members = [Membership("llama", o.model_id, "Llama 3.1", "finetune", 1) for o in batch]
    edges = [Edge(o.model_id, "meta-llama/Llama-3.1-8B", "finetune") for o in batch]
    with Session(engine) as session:
        for _ in range(2):  # a resumed run re-sends the batch it was writing when it died
            save_observations(session, run_id, batch)
            save_memberships(session, run_id, members)
            save_edges(session, run_id, edges)
            session.commit()
        changed = replace(batch[0], downloads_all_time=6_000_000_000, likes=9, tags=("new",), gated="manual")
        # The same model twice in one batch: the last one wins, as a later batch would.
        save_observations(session, run_id, [replace(changed, likes=8), changed])
        save_memberships(session, run_id, [replace(members[0], depth=4, family="Other")])
        save_edges(session, run_id, [replace(edges[0], relation="merge")])
        session.commit()

    assert count(engine, ModelRecord) == count(engine, ModelSnapshot) == 50
    assert count(engine, RunMembership) == count(engine, RunEdge) == 50
    with Session(engine) as session:
        model = session.get(ModelRecord, "org/m0")
        figures = session.get(ModelSnapshot, (run_id, "org/m0"))
        member = session.get(RunMembership, (run_id, "llama", "org/m0"))
        edge = session.get(RunEdge, (run_id, "org/m0", "meta-llama/Llama-3.1-8B"))
        assert model is not None
        assert figures is not None
        assert member is not None
        assert edge is not None
        assert (json.loads(model.tags), model.gated) == (["new"], "manual")
        assert (figures.downloads_all_time, figures.likes) == (6_000_000_000, 9)
        assert (member.depth, member.family, edge.relation) == (4, "Other", "merge")


def test_a_later_run_updates_the_model_and_keeps_both_snapshots(engine: Engine) -> None:
    first, second = start_run(engine), start_run(engine, TAKEN + timedelta(days=7))
    with Session(engine) as session:
        save_observations(session, first, [observation("a/x", downloads_all_time=10)])
        save_observations(session, second, [observation("a/x", downloads_all_time=7, pipeline_tag=None)])
        session.commit()
        model = session.get(ModelRecord, "a/x")
        assert model is not None
        assert (model.updated_run_id, model.pipeline_tag) == (second, None)
        assert [s.downloads_all_time for s in load_run_snapshots(session, first)] == [10]
        assert [s.downloads_all_time for s in load_run_snapshots(session, second)] == [7]  # revised down


def test_finish_counts_distinct_models(engine: Engine) -> None:
    run_id, other = start_run(engine), start_run(engine)
    with Session(engine) as session:
        save_observations(session, run_id, [observation(f"org/m{i}") for i in range(7)])
        save_observations(session, run_id, [observation("org/m0"), observation("org/m1")])
        save_observations(session, other, [observation("org/m9")])
        save_memberships(
            session,
            run_id,
            [Membership(eco, "org/m0", "F", "base", 0) for eco in ("llama", "qwen", "mistral")],
        )
        session.commit()
        finish_run(session, run_id, status="failed", finished_at=TAKEN, requests=3, retries=0, error="boom")
        run = session.get(SnapshotRun, run_id)
        assert run is not None
        assert (run.models, run.status, run.error) == (7, "failed", "boom")


def test_uncommitted_batches_are_not_saved(engine: Engine) -> None:
    run_id = start_run(engine)
    with Session(engine) as session:
        save_observations(session, run_id, [observation("a/x")])
        session.rollback()
    assert count(engine, ModelRecord) == count(engine, ModelSnapshot) == 0


def test_close_interrupted_runs(engine: Engine) -> None:
    dead = [start_run(engine), start_run(engine)]
    done = start_run(engine)
    now = TAKEN + timedelta(hours=3)
    with Session(engine) as session:
        finish_run(session, done, status="complete", finished_at=TAKEN, requests=1, retries=0)
        assert close_interrupted_runs(session, now=now) == dead
        assert close_interrupted_runs(session, now=now) == []
        runs = {run.id: run for run in load_runs(session)}
    assert [(runs[i].status, runs[i].error, runs[i].finished_at) for i in dead] == [
        ("failed", "interrupted", now)
    ] * 2
    assert (runs[done].status, runs[done].error) == ("complete", None)


def test_readers_order_and_filter_runs(engine: Engine) -> None:
    week = timedelta(days=7)
    old = start_run(engine, TAKEN)
    new = start_run(engine, TAKEN + week, ("qwen", "llama"))
    backfill = start_run(engine, TAKEN - week)  # a later id, an earlier instant
    running = start_run(engine, TAKEN + 2 * week)
    with Session(engine) as session:
        assert load_last_complete_run(session) is None
        for run_id in (old, new, backfill):
            finish_run(session, run_id, status="complete", finished_at=TAKEN, requests=1, retries=0)
        assert [run.id for run in load_runs(session)] == [running, new, old, backfill]
        assert [run.id for run in load_runs(session, limit=2)] == [running, new]
        assert load_last_complete_run(session).id == new  # type: ignore[union-attr]
        assert load_last_complete_run(session, ecosystems=["llama"]).id == old  # type: ignore[union-attr]
        assert load_last_complete_run(session, ecosystems=["llama", "qwen"]).id == new  # type: ignore[union-attr]
        assert load_last_complete_run(session, ecosystems=["gemma"]) is None


# --- the snapshot lock ---------------------------------------------------------------------------

HOLDER = """
import sys, time
from tracker.storage.database import make_engine, snapshot_lock
with snapshot_lock(make_engine(sys.argv[1])):
    print("held", flush=True)
    time.sleep(120)
"""


def test_the_lock_refuses_a_second_holder_in_this_process(engine: Engine) -> None:
    with snapshot_lock(engine):
        with pytest.raises(SnapshotBusy, match=r"^another snapshot is running on this database$"):
            with snapshot_lock(engine):
                pass
        run_id = start_run(engine)
        with pytest.raises(SnapshotBusy) as caught:
            with snapshot_lock(engine):
                pass
        assert str(caught.value) == (
            f"another snapshot is running on this database (pid {os.getpid()} on host "
            f"{socket.gethostname()}, run {run_id} since 2025-07-07T06:00:00Z)"
        )
    with snapshot_lock(engine):  # released on exit
        pass


def test_the_lock_is_free_the_moment_it_is_released(engine: Engine) -> None:
    # Back-to-back runs (a backfill, then its rerun) must never find their own released lock held:
    # PostgreSQL ends a closed session a moment after the client has gone, so release unlocks first.
    for _ in range(50):
        with snapshot_lock(engine):
            pass


@pytest.mark.subprocess
def test_the_lock_is_refused_while_another_process_holds_it_and_freed_when_it_is_killed(
    engine: Engine, migrated_url: str
) -> None:
    with subprocess.Popen(
        [sys.executable, "-c", HOLDER, migrated_url], stdout=subprocess.PIPE, text=True
    ) as holder:
        try:
            assert holder.stdout is not None
            assert holder.stdout.readline().strip() == "held"
            with pytest.raises(SnapshotBusy, match="another snapshot is running"), snapshot_lock(engine):
                pass
            holder.send_signal(signal.SIGKILL)
            assert holder.wait(10) == -signal.SIGKILL
        finally:
            holder.kill()  # a no-op once it is dead; a safety net when an assertion failed first
    deadline = time.monotonic() + 10  # PostgreSQL ends the dead client's session when it sees the EOF
    while True:
        try:
            with snapshot_lock(engine):
                break
        except SnapshotBusy:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def test_the_sqlite_lock_is_a_file_beside_the_database(tmp_path) -> None:  # noqa: ANN001
    engine = open_store(f"sqlite:///{tmp_path / 'x.db'}")
    try:
        with snapshot_lock(engine):
            assert (tmp_path / "x.db.lock").exists()
    finally:
        engine.dispose()


# --- bad URLs ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("nonsense://x", "cannot open database nonsense://x: unsupported kind 'nonsense'"),
        ("not a url", "cannot open database not a url: not a database URL"),
        ("mysql://u:secret@h/d", "cannot open database mysql://u:***@h/d: unsupported kind 'mysql'"),
        (
            "postgresql+psycopg://postgres:secret@127.0.0.1:1/test",
            "cannot open database postgresql+psycopg://postgres:***@127.0.0.1:1/test: connection refused",
        ),
        (
            "postgresql+psycopg2://postgres:secret@127.0.0.1:1/test",
            "cannot open database postgresql+psycopg2://postgres:***@127.0.0.1:1/test: driver not installed",
        ),
        (
            "sqlite:////no/such/dir/x.db",
            "cannot open database sqlite:////no/such/dir/x.db: folder /no/such/dir does not exist",
        ),
    ],
)
def test_bad_urls_give_one_line_without_the_password(url: str, expected: str) -> None:
    with pytest.raises(StoreError) as caught:
        make_engine(url)
    message = str(caught.value)
    assert message.startswith(expected)
    assert "\n" not in message
    assert "secret" not in message
