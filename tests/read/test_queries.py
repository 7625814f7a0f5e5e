"""The roll-ups and the dashboard's queries give the figures the metrics layer computes from the history.

On real emulator snapshots (llama and qwen), on SQLite and PostgreSQL: in order, with a backfilled run
that slots in between two others, and after a migration from a database recorded before roll-ups.
The lineage explorer's SQL walks are checked on literal links.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest
from sqlalchemy import text
from sqlmodel import Session

from tests.support.dashboard_db import snapshot_weeks
from tracker.core.records import Edge, Membership, Observation
from tracker.read import compare, explorer, history_rows, metrics, queries
from tracker.read.metrics import Filters
from tracker.storage import lifecycle, rollups, saves
from tracker.storage.database import make_engine, migrate, open_store

EVERYTHING = Filters()
FIGURES = ["derivatives", "new", "downloads_30d", "downloads_delta", "weekly_downloads", "negative_deltas"]


def _same(left: pd.Series, right: pd.Series) -> bool:
    a, b = left.astype("Float64"), right.astype("Float64")
    return bool(((a == b).fillna(False) | (a.isna() & b.isna())).all())


def assert_series_match(engine, filters: Filters = EVERYTHING) -> None:  # noqa: ANN001
    history = metrics.load_history(engine, filters)
    for by in (None, "family", "relation", "license"):
        frame = history.assign(license=history["license"].fillna("none")) if by == "license" else history
        keys = ["run_id", "taken_at", "ecosystem"] + ([by] if by else [])
        expected = (
            metrics.compute_counts(frame, by)
            .merge(metrics.compute_new(frame, by), on=keys)
            .merge(metrics.compute_downloads(frame, by), on=keys)
        )
        got = queries.load_series(engine, filters, by)
        joined = expected.merge(got, on=keys, suffixes=("_h", "_q"))
        assert len(joined) == len(expected) == len(got), by
        for name in FIGURES:
            assert _same(joined[f"{name}_h"], joined[f"{name}_q"]), (by, name)
    formats = metrics.compute_formats(history).groupby(["run_id", "format"])["derivatives"].sum()
    quantized = Filters(**{**filters.__dict__, "relations": ("quantized",)})
    got = queries.load_series(engine, quantized, "format").groupby(["run_id", "format"])["derivatives"].sum()
    assert formats.astype(int).to_dict() == got.astype(int).to_dict()


def assert_boards_match(engine, filters: Filters = EVERYTHING) -> None:  # noqa: ANN001
    history = metrics.load_history(engine, filters)
    builders = metrics.compute_builders(history)
    got = queries.load_builders(engine, filters)
    assert builders.astype(str).equals(got.astype(str))
    for n in (5, 50):
        expected, found = metrics.compute_movers(history, n=n), queries.load_movers(engine, filters, n=n)
        for board in ("risers", "fallers", "relative_risers", "entrants"):
            columns = ["ecosystem", "model_id", "weekly_downloads", "weekly_downloads_before", "change"]
            columns = columns[:3] if board == "entrants" else columns
            a = expected[board][columns].reset_index(drop=True).astype(str)
            assert a.equals(found[board][columns].reset_index(drop=True).astype(str)), (n, board)


@pytest.mark.slow
def test_rollups_equal_the_history_maths(database_url: str) -> None:
    snapshot_weeks(database_url, range(3))
    engine = make_engine(database_url)
    try:
        assert_series_match(engine)
        assert_series_match(engine, Filters(ecosystems=("llama",), families=("Llama 3.1",)))
        assert_boards_match(engine)
        assert_boards_match(engine, Filters(ecosystems=("qwen",), relations=("quantized", "finetune")))
        # the emulator's weeks may move nobody past the floors: test_movers_and_ratios moves some
        assert queries.load_movers(engine, n=10)["compared"]["run_id"].tolist() == [3, 2]
        # the Data page: the export's rows in the export's order, read run by run
        everything = metrics.load_history(engine)[metrics._HISTORY_COLUMNS]
        first = history_rows.load_history_rows(engine, EVERYTHING, limit=len(everything) // 2 + 7)
        assert first.astype(str).equals(everything.head(len(first)).astype(str))
        found = history_rows.load_history_rows(engine, Filters(relations=("merge",)), contains="MERGE")
        assert len(found) > 0
        assert set(found["relation"]) == {"merge"}
        assert found["model_id"].str.lower().str.contains("merge").all()
        assert history_rows.count_history_rows(engine, EVERYTHING) == len(everything)
        choices = queries.load_choices(engine)
        assert choices["ecosystems"] == ["llama", "qwen"]
        assert "base" in choices["relations"]
    finally:
        engine.dispose()


@pytest.mark.slow
def test_a_backfilled_run_rewrites_the_next_runs_rollups(database_url: str) -> None:
    snapshot_weeks(database_url, range(0, 3, 2))  # weeks 0 and 2
    snapshot_weeks(database_url, range(1, 2))  # then week 1, which slots in between
    engine = make_engine(database_url)
    try:
        runs = metrics.load_runs(engine)
        assert runs["run_id"].tolist() == [1, 3, 2]  # by taken_at
        assert_series_match(engine)
        assert_boards_match(engine)
        weeks = queries.load_series(engine).groupby("run_id")["weeks"].first()
        assert weeks[3] == pytest.approx(1.0)
        assert weeks[2] == pytest.approx(1.0)  # no longer 2 weeks
    finally:
        engine.dispose()


def _observation(model_id: str, all_time: int) -> Observation:
    return Observation(
        model_id=model_id,
        hub_oid=None,
        author=model_id.split("/")[0],
        created_at=None,
        last_modified=None,
        pipeline_tag=None,
        library_name=None,
        license=None,
        gated="false",
        tags=(),
        relation=None,
        parents=(),
        children_count=0,
        downloads_30d=all_time // 10,
        downloads_all_time=all_time,
        likes=0,
        trending_score=0,
    )


LINKS = [
    ("a/ft", "m/Base", "finetune"),
    ("b/q", "m/base", "quantized"),  # ids match case-insensitively, as on the Hub
    ("c/ad", "a/ft", "adapter"),
    ("d/merge", "a/ft", "merge"),
    ("d/merge", "b/q", "merge"),
    ("e/loop", "e/loop", "finetune"),
    ("f/x", "g/y", "finetune"),  # a cycle: the walks must end
    ("g/y", "f/x", "finetune"),
]
DEPTH = {"m/Base": 0, "a/ft": 1, "b/q": 1, "c/ad": 2, "d/merge": 2, "e/loop": 0, "f/x": 1, "g/y": 1}


def _record(engine, taken_at: datetime, all_time: int) -> int:  # noqa: ANN001
    with Session(engine) as session:
        run_id = lifecycle.begin_run(
            session, taken_at=taken_at, started_at=taken_at, ecosystems=["llama"], strategy="tree"
        )
        saves.save_observations(session, run_id, [_observation(m, all_time) for m in DEPTH])
        members = [
            Membership("llama", m, "Llama 3", "base" if d == 0 else "finetune", d)  # type: ignore[arg-type]
            for m, d in DEPTH.items()
        ]
        saves.save_memberships(session, run_id, members)
        saves.save_edges(session, run_id, [Edge(c, p, r) for c, p, r in LINKS if c != p])  # type: ignore[arg-type]
        session.commit()
        lifecycle.finish_run(session, run_id, status="complete", finished_at=taken_at, requests=1, retries=0)
    return run_id


def test_lineage_index_answers_the_explorer(engine) -> None:  # noqa: ANN001
    run_id = _record(engine, datetime(2026, 1, 5, tzinfo=UTC), 1000)
    tree = explorer.load_subtree(engine, run_id, "m/Base")
    assert dict(zip(tree["model_id"], tree["level"], strict=True)) == {
        "m/Base": 0,
        "a/ft": 1,
        "b/q": 1,
        "c/ad": 2,
        "d/merge": 2,
    }
    assert tree["model_id"].iloc[0] == "m/Base"
    assert tree.set_index("model_id").loc["d/merge", "parents"] == "a/ft\nb/q"  # a merge: two parents
    assert explorer.load_subtree(engine, run_id, "f/x")["model_id"].tolist() == ["f/x", "g/y"]
    merge = explorer.load_member(engine, run_id, "d/merge")
    assert merge.path == ("a/ft", "m/Base")
    assert merge.root_id == "m/Base"
    assert merge.parents == ("a/ft", "b/q")
    base = explorer.load_member(engine, run_id, "m/Base")
    assert base.descendants == 4  # the merge once, though under two parents
    assert base.subtree_downloads == 5 * 100  # five models of 100 downloads each
    assert base.children == {"finetune": 1, "adapter": 0, "quantized": 1, "merge": 0}
    assert explorer.load_member(engine, run_id, "a/ft").children == {
        "finetune": 0,
        "adapter": 1,
        "quantized": 0,
        "merge": 1,
    }
    assert explorer.lineage_roots(engine, run_id, Filters()) == ["m/Base", "e/loop"]
    assert explorer.find_members(engine, run_id, Filters(), "MERGE") == ["d/merge"]
    assert explorer.find_members(engine, run_id, Filters(), "%") == []  # a literal, not a wildcard
    assert explorer.load_member(engine, run_id, "c/ad").depth == 2
    assert explorer.is_member(engine, run_id, Filters(), "c/ad")
    assert not explorer.is_member(engine, run_id, Filters(), "nobody/else")


def test_runs_from_before_the_rollups_get_them_on_migration(tmp_path) -> None:  # noqa: ANN001
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = open_store(url)
    taken = datetime(2026, 1, 5, tzinfo=UTC)
    first = _record(engine, taken, 1000)
    second = _record(engine, taken + timedelta(weeks=1), 1700)
    with engine.begin() as connection:  # as a database from before revision 0002 would hold them
        for table in ("rollup", "rollup_builder", "rollup_mover"):
            connection.execute(text(f"DELETE FROM {table}"))  # noqa: S608 - literal names
        connection.execute(text("UPDATE membership SET downloads_delta = NULL"))
        connection.execute(text("UPDATE snapshot_run SET rolled_up_at = NULL"))
        connection.execute(text("UPDATE alembic_version SET version_num = '0001'"))
        connection.execute(text("DROP TABLE rollup"))
    engine.dispose()
    engine = make_engine(url)
    try:
        with engine.begin() as connection:  # back to revision 0001's shape
            for table in ("rollup_builder", "rollup_mover"):
                connection.execute(text(f"DROP TABLE {table}"))  # noqa: S608 - literal names
            connection.execute(text("DROP INDEX ix_run_edge_run_id_parent"))
            connection.execute(text("DROP INDEX ix_membership_model_id_run_id"))
            connection.execute(text("ALTER TABLE membership DROP COLUMN downloads_delta"))
            connection.execute(text("ALTER TABLE snapshot_run DROP COLUMN rolled_up_at"))
            connection.execute(text("DROP TABLE child_count"))  # and revision 0003's
            for column in ("endpoint", "listing_refuses", "listing_checked_at", "source"):  # and 0004's
                connection.execute(text(f"ALTER TABLE snapshot_run DROP COLUMN {column}"))
            for column in ("parameters", "live_providers", "providers"):  # and 0005's
                connection.execute(text(f"ALTER TABLE model_snapshot DROP COLUMN {column}"))
            connection.execute(text("DROP TABLE rollup_provider"))  # and 0006's
            connection.execute(text("DROP INDEX ix_membership_roots"))
            for trigger in ("insert", "delete", "update"):  # and 0007's
                connection.execute(text(f"DROP TRIGGER model_search_{trigger}"))
            for table in ("model_search", "lineage_link", "lineage_node"):
                connection.execute(text(f"DROP TABLE {table}"))  # noqa: S608 - literal names
            for table in ("hub_base", "hub_group", "hub_pairs"):  # and 0008's
                connection.execute(text(f"DROP TABLE {table}"))  # noqa: S608 - literal names
            for column in ("hub_models", "hub_derivatives", "hub_new_derivatives"):
                connection.execute(text(f"ALTER TABLE snapshot_run DROP COLUMN {column}"))
            connection.execute(text("DROP TABLE archive_week"))  # and 0009's
        migrate(engine)
        with engine.connect() as connection:  # every run from before 0004 was a live snapshot
            sources = connection.execute(text("SELECT DISTINCT source FROM snapshot_run")).scalars().all()
        assert sources == ["hub"]
        series = queries.load_series(engine)
        assert series["run_id"].tolist() == [first, second]
        assert series["downloads_delta"].tolist()[1] == 700 * 6  # six derivatives, 700 each
        assert rollups.backfill(engine) == 0  # nothing left to write
        assert explorer.load_member(engine, second, "m/Base").descendants == 4  # the explorer's index
        assert explorer.find_members(engine, second, Filters(), "merge") == ["d/merge"]
    finally:
        engine.dispose()


@pytest.mark.slow
def test_migration_0006_writes_the_size_classes_of_recorded_runs(database_url: str) -> None:
    from alembic import command
    from sqlalchemy import inspect

    from tracker.storage.database import alembic_config

    snapshot_weeks(database_url, range(2))
    engine = make_engine(database_url)
    try:
        expected = queries.load_series(engine, by="size_class")
        assert len(set(expected["size_class"])) >= 4  # the emulator gives parameter counts
        with engine.begin() as connection:  # back to revision 0005: no size classes, no provider roll-up
            command.downgrade(alembic_config(connection), "0005")
        assert "size_class" not in {c["name"] for c in inspect(engine).get_columns("rollup")}
        assert not inspect(engine).has_table("rollup_provider")
        migrate(engine)  # 0006 again: the runs' roll-ups are written anew, by size class
        got = queries.load_series(engine, by="size_class")
        assert got.astype(str).equals(expected.astype(str))
        assert rollups.backfill(engine) == 0
        with engine.connect() as connection:
            rolled = connection.execute(text("SELECT count(rolled_up_at) FROM snapshot_run")).scalar()
            roots = connection.execute(
                text("SELECT count(DISTINCT model_id) FROM membership WHERE depth = 0")
            )
            roots = roots.scalar()
        assert rolled == 2
        # the Compare page's other loaders, on either back-end: the roots' rows, the providers' roll-ups
        adoption = compare.load_relative_adoption(engine)
        assert len(adoption) == 7 * roots
        assert set(adoption["status"]) <= {"before history", "not reached", "recorded"}
        providers = compare.compute_providers(compare.load_provider_series(engine))
        assert providers["ecosystem"].tolist() == ["llama", "qwen"]
        assert providers["recorded"].all()
        counts = compare.load_provider_counts(engine, providers)
        assert (
            counts.groupby("ecosystem")["models"].sum() == providers.set_index("ecosystem")["provider_pairs"]
        ).all()
    finally:
        engine.dispose()


@pytest.mark.slow
def test_the_next_snapshot_writes_rollups_a_completion_could_not(tmp_path) -> None:  # noqa: ANN001
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    snapshot_weeks(url, range(2))
    engine = make_engine(url)
    try:
        with engine.begin() as connection:  # as if writing them had failed when run 2 completed
            connection.execute(text("DELETE FROM rollup WHERE run_id = 2"))
            connection.execute(text("UPDATE snapshot_run SET rolled_up_at = NULL WHERE id = 2"))
        assert queries.load_series(engine)["run_id"].unique().tolist() == [1]
        snapshot_weeks(url, range(2, 3))
        assert queries.load_series(engine)["run_id"].unique().tolist() == [1, 2, 3]
        assert_series_match(engine)
    finally:
        engine.dispose()
