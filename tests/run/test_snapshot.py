"""Snapshots end to end against the emulator over real HTTP, on SQLite and the real PostgreSQL.

The recorded run must equal the emulator's ground truth exactly (models, memberships, figures,
edges), with both strategies, with faults injected, and after a crawl killed with SIGKILL.
"""

from __future__ import annotations

import signal
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session, select

from tests.support.commands import spawn, tracker
from tracker.collect.expand import CRAWL_EXPAND
from tracker.collect.hub import HubClient
from tracker.core.ecosystems import load_ecosystems, select_ecosystems
from tracker.core.strategy import VIEW_WORTH
from tracker.emulator.builders.synthetic import build_synthetic
from tracker.emulator.catalogue import Catalogue
from tracker.emulator.routes.faults import Fault, FaultPlan
from tracker.emulator.routes.server import HubEmulator
from tracker.emulator.truth import Truth, ground_truth, tree_request_floor
from tracker.run.snapshot import take_snapshot
from tracker.storage.database import open_store, snapshot_lock
from tracker.storage.loads import load_run_edges, load_run_members, load_runs
from tracker.storage.tables.runs import ChildCount

ECOSYSTEMS = select_ecosystems(load_ecosystems(), ["llama", "qwen", "mistral", "gemma", "deepseek"])
TOKEN = "hf_SNAPSHOTsecretTOKEN0123456789abcdef"


def truth_rows(truth: Truth) -> set[tuple]:
    return {
        (
            m.ecosystem,
            m.model_id,
            m.family,
            m.depth,
            m.relation,
            m.downloads_30d,
            m.downloads_all_time,
            m.likes,
            m.trending_score,
            m.parameters,
            None if m.live_providers is None else len(m.live_providers),
            None if m.live_providers is None else ";".join(m.live_providers),
        )
        for m in truth.models
    }


def recorded_rows(engine: Engine, run_id: int) -> set[tuple]:
    with Session(engine) as session:
        rows = load_run_members(session, run_id)
        return {
            (
                m.ecosystem,
                m.model_id,
                m.family,
                m.depth,
                m.relation,
                s.downloads_30d,
                s.downloads_all_time,
                s.likes,
                s.trending_score,
                s.parameters,
                s.live_providers,
                s.providers,
            )
            for m, s in rows
        }


def recorded_edges(engine: Engine, run_id: int) -> set[tuple]:
    with Session(engine) as session:
        return {(e.child_id, e.parent_id, e.relation) for e in load_run_edges(session, run_id)}


def assert_equals_truth(engine: Engine, run_id: int, truth: Truth) -> None:
    got, want = recorded_rows(engine, run_id), truth_rows(truth)
    assert got == want, f"missing {sorted(want - got)[:3]}, extra {sorted(got - want)[:3]}"
    assert recorded_edges(engine, run_id) == {(e.child_id, e.parent_id, e.relation) for e in truth.edges}
    with Session(engine) as session:
        (run,) = [r for r in load_runs(session) if r.id == run_id]
    assert run.status == "complete"
    assert run.models == len({m.model_id for m in truth.models})


@pytest.mark.slow
@pytest.mark.parametrize("strategy", ["tree", "scan"])
def test_recorded_run_equals_ground_truth(engine: Engine, emulator: HubEmulator, strategy: str) -> None:
    truth = ground_truth(emulator.catalogue, ECOSYSTEMS, emulator.now)
    with HubClient(emulator.url) as client:
        result = take_snapshot(engine, client, ECOSYSTEMS, strategy=strategy)
    assert result.strategy == strategy
    assert_equals_truth(engine, result.run_id, truth)
    # The cross-ecosystem merge is recorded once per ecosystem; a model in both is stored once.
    (cross,) = emulator.catalogue.features["cross_ecosystem_merge"]
    assert {r[0] for r in recorded_rows(engine, result.run_id) if r[1] == cross} == {"llama", "qwen"}
    assert result.missing_roots == truth.missing_roots


@pytest.mark.slow
@pytest.mark.parametrize("rules", ["2025", "lenient"])
@pytest.mark.parametrize("strategy", ["tree", "scan"])
def test_every_rule_set_gives_the_same_records(
    tmp_path, small: Catalogue, emulator: HubEmulator, strategy: str, rules: str
) -> None:
    """Listings that also refuse baseModels (parents from the tags) or that give child counts (leaves
    spared): the records equal the ground truth, and those of a crawl under the real rules."""
    real = open_store(f"sqlite:///{tmp_path / 'real.db'}")
    with HubClient(emulator.url) as client:
        under_real = take_snapshot(real, client, ECOSYSTEMS, strategy=strategy)
    emu = HubEmulator(small, listing_rules=rules)
    emu.start()
    try:
        truth = ground_truth(small, ECOSYSTEMS, emu.now)
        engine = open_store(f"sqlite:///{tmp_path / f'{rules}.db'}")
        with HubClient(emu.url) as client:
            result = take_snapshot(engine, client, ECOSYSTEMS, strategy=strategy)
            assert client.counts_on_listings is (rules == "lenient")
        assert_equals_truth(engine, result.run_id, truth)
        assert recorded_rows(engine, result.run_id) == recorded_rows(real, under_real.run_id)
        assert recorded_edges(engine, result.run_id) == recorded_edges(real, under_real.run_id)
        if strategy == "tree":  # child counts on listings spare the leaves
            assert result.requests < 0.5 * under_real.requests if rules == "lenient" else True
    finally:
        emu.stop()


@pytest.mark.slow
@pytest.mark.parametrize("refused", [("inferenceProviderMapping",), ("safetensors", "gguf")])
def test_a_listing_that_refuses_a_usage_value_is_asked_again_without_it_alone(
    tmp_path, small: Catalogue, emulator: HubEmulator, refused: tuple[str, ...]
) -> None:
    """Listings refusing provider mappings or sizes (no evidence says the real Hub does; the client must
    not lose a run over it): those values alone left out, every other value still asked, the members and
    figures those of the truth, and the refused values unknown (None) on the listed members, never
    zero; the roots' `model_info` lookups still give theirs."""
    plain = open_store(f"sqlite:///{tmp_path / 'plain.db'}")
    with HubClient(emulator.url) as client:
        baseline = take_snapshot(plain, client, ECOSYSTEMS, strategy="scan")
    with HubEmulator(small, listing_refuses=refused) as emu:
        truth = ground_truth(small, ECOSYSTEMS, emu.now)
        engine = open_store(f"sqlite:///{tmp_path / 'refused.db'}")
        with HubClient(emu.url) as client:
            result = take_snapshot(engine, client, ECOSYSTEMS, strategy="scan")
            assert set(refused) <= client.listing_refuses
            assert set(client.expand("listing")) == set(CRAWL_EXPAND) - client.listing_refuses
        # One 400 names every refused value at once (its list of accepted values lacks them): no more
        # requests than under the real rules.
        assert emu.stats()["by_status"]["400"] == 1
        assert result.requests == baseline.requests
    usage = slice(9, 12)  # parameters, live_providers, providers
    got, want = recorded_rows(engine, result.run_id), truth_rows(truth)
    assert {r[:9] for r in got} == {r[:9] for r in want}
    want_usage = {r[:2]: r[usage] for r in want}
    lost = 0
    for row in got:
        value = row[usage]
        if value == want_usage[row[:2]]:
            continue
        lost += 1
        if "inferenceProviderMapping" in refused:
            assert value == (want_usage[row[:2]][0], None, None), row
        else:
            assert value[0] is None, row
            assert value[1:] == want_usage[row[:2]][1:], row
    assert lost > 0.5 * len(got)  # the listed members: only the roots' lookups carry the values
    known = [r for r in got if r[usage][1 if "inferenceProviderMapping" in refused else 0] is not None]
    assert len(known) < 0.1 * len(got)


@pytest.mark.slow
def test_both_strategies_and_a_later_clock(engine: Engine, emulator: HubEmulator) -> None:
    """Two runs a week apart on one database: each equals the truth at its own clock time."""
    with HubClient(emulator.url) as client:
        first = take_snapshot(engine, client, ECOSYSTEMS, strategy="scan")
    emulator.advance(7 * 86_400)
    truth = ground_truth(emulator.catalogue, ECOSYSTEMS, emulator.now)
    with HubClient(emulator.url) as client:
        second = take_snapshot(engine, client, ECOSYSTEMS, strategy="tree")
    assert_equals_truth(engine, second.run_id, truth)
    assert recorded_rows(engine, first.run_id) != recorded_rows(engine, second.run_id)


@pytest.mark.slow
@pytest.mark.parametrize("rules", ["2026", "lenient"])
def test_tree_requests_stay_near_the_floor(tmp_path, catalogue: Catalogue, rules: str) -> None:
    """At the default size (a parent with more than 1,000 children), read from the emulator's counters:
    one listing per member under the real rules, per internal node when listings give child counts."""
    emu = HubEmulator(catalogue, listing_rules=rules)
    emu.start()
    try:
        truth = ground_truth(catalogue, ECOSYSTEMS, emu.now)
        engine = open_store(f"sqlite:///{tmp_path / 'floor.db'}")
        with HubClient(emu.url) as client:
            result = take_snapshot(engine, client, ECOSYSTEMS, strategy="tree")
        assert_equals_truth(engine, result.run_id, truth)
        floor = tree_request_floor(catalogue, ECOSYSTEMS, emu.now, counts_on_listings=rules == "lenient")
        used = emu.stats()["requests"]
        assert used == result.requests
        assert floor <= used <= 1.05 * floor, f"{used} requests for a floor of {floor}"
        # the roots' counts by relation are stored as the Hub gave them (real rules: on model_info)
        with Session(engine) as session:
            counts = session.exec(select(ChildCount).where(ChildCount.run_id == result.run_id)).all()
        big = catalogue.index_of("meta-llama/Llama-3.1-8B-Instruct")
        stored = {c.relation: c.children for c in counts if c.model_id == "meta-llama/Llama-3.1-8B-Instruct"}
        if rules == "lenient":
            assert stored == {}
        else:
            assert stored == catalogue.listed_children_by_relation(big, emu.now)
    finally:
        emu.stop()


@pytest.mark.slow
def test_faults_and_a_small_quota_change_nothing(tmp_path) -> None:
    """A quota of 25 a second; 429 every 23rd request (each holds every sender 1 s), 503 every 11th,
    truncated JSON every 13th, a dropped connection every 29th."""
    cat = build_synthetic(seed=5, models=1500)
    llama = select_ecosystems(load_ecosystems(), ["llama"])
    faults = (Fault("429", 23), Fault("503", 11), Fault("truncate", 13), Fault("drop", 29))
    emu = HubEmulator(cat, plan=FaultPlan(quota=25, window=1, faults=faults))
    emu.start()
    try:
        truth = ground_truth(cat, llama, emu.now)
        engine = open_store(f"sqlite:///{tmp_path / 'faults.db'}")
        for strategy in ("tree", "scan"):
            with HubClient(emu.url, backoff_base=0.01) as client:
                result = take_snapshot(engine, client, llama, strategy=strategy, concurrency=4)
            assert_equals_truth(engine, result.run_id, truth)
            assert result.retries > 0
        stats = emu.stats()
        assert stats["quota_rejections"] == 0
        assert stats["peak_window_use"] <= 25
        assert set(stats["faults_injected"]) == {"429", "503", "truncate", "drop"}
    finally:
        emu.stop()


@pytest.mark.subprocess
def test_killed_mid_crawl_then_run_again(database_url: str, small: Catalogue) -> None:
    emu = HubEmulator(small, plan=FaultPlan(latency_ms=15))
    emu.start()
    engine = open_store(database_url)
    try:
        proc = spawn(
            "snapshot",
            "--database",
            database_url,
            "--endpoint",
            emu.url,
            "--ecosystem",
            "llama",
            "--ecosystem",
            "qwen",
            "--strategy",
            "tree",
            "--concurrency",
            "2",
        )
        deadline = time.monotonic() + 60
        stored = 0
        while stored < 200 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.1)
            with engine.connect() as connection:
                stored = connection.execute(text("SELECT count(*) FROM membership")).scalar_one()
        assert proc.poll() is None, "the crawl ended before it could be killed"
        assert stored >= 200
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        with Session(engine) as session:
            assert [r.status for r in load_runs(session)] == ["running"]  # never shown as complete
        emu.gate.configure(FaultPlan())
        truth = ground_truth(small, ECOSYSTEMS, emu.now)
        with HubClient(emu.url) as client:
            result = take_snapshot(engine, client, ECOSYSTEMS, strategy="tree")
        assert result.closed_runs == (result.run_id - 1,)
        with Session(engine) as session:
            runs = load_runs(session)
        assert [(r.status, r.error) for r in runs] == [("complete", None), ("failed", "interrupted")]
        assert_equals_truth(engine, result.run_id, truth)
    finally:
        engine.dispose()
        emu.stop()


@pytest.mark.subprocess
def test_a_second_snapshot_while_one_runs_is_refused(database_url: str, emulator: HubEmulator) -> None:
    engine = open_store(database_url)
    try:
        with snapshot_lock(engine):
            result = tracker("snapshot", "--database", database_url, "--endpoint", emulator.url)
        assert result.returncode == 1
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, result.stderr
        assert "another snapshot is running" in lines[0]
        with Session(engine) as session:
            assert load_runs(session) == []
    finally:
        engine.dispose()


@pytest.mark.subprocess
def test_bad_input_is_one_line_and_keeps_what_was_stored(tmp_path, emulator: HubEmulator) -> None:
    db = f"sqlite:///{tmp_path / 'kept.db'}"
    good = tracker("snapshot", "--database", db, "--endpoint", emulator.url, "--strategy", "scan")
    assert good.returncode == 0, good.stderr
    assert good.stdout.startswith("run 1 complete: ")
    bad_toml = tmp_path / "bad.toml"
    bad_toml.write_text("[[ecosystem]]\nname = 'x'\nfamily = 3\n")
    bad_csv = tmp_path / "bad.csv"
    bad_csv.write_text("namespace,organisation,region\nQwen,Alibaba\n")
    with socket_closed_port() as port:
        cases = [
            (["--ecosystem", "nonsense"], "unknown ecosystem 'nonsense'"),
            (["--ecosystems", str(bad_toml)], "ecosystems file"),
            (["--ecosystems", str(tmp_path / "missing.toml")], "ecosystems file"),
            (["--organisations", str(bad_csv)], f"organisations file {bad_csv}: line 2: 2 columns"),
            (["--endpoint", f"http://127.0.0.1:{port}"], "cannot reach the Hub"),
            (["--endpoint", "not a url"], "not a Hub endpoint URL"),
            (["--taken-at", "yesterday"], "--taken-at"),
        ]
        for args, needle in cases:
            result = tracker("snapshot", "--database", db, "--endpoint", emulator.url, *args)
            lines = result.stderr.strip().splitlines()
            assert result.returncode != 0, args
            assert len(lines) == 1, (args, result.stderr)
            assert needle in lines[0], (args, lines[0])
            assert "Traceback" not in result.stderr
    for url in (
        "nonsense://x",
        "postgresql+psycopg://postgres:hunter2@127.0.0.1:1/test",
        "sqlite:////no/dir/x.db",
    ):
        result = tracker("snapshot", "--database", url, "--endpoint", emulator.url)
        lines = result.stderr.strip().splitlines()
        assert result.returncode != 0
        assert len(lines) == 1, result.stderr
        assert "hunter2" not in result.stderr
    engine = open_store(db)
    with Session(engine) as session:
        runs = load_runs(session)
    engine.dispose()
    # The good run is untouched; the unreachable endpoint left one failed run with its error.
    assert [(r.id, r.status) for r in runs] == [(2, "failed"), (1, "complete")]
    assert runs[0].error.startswith("cannot reach the Hub")


class socket_closed_port:
    """A port on 127.0.0.1 where nothing listens."""

    def __enter__(self) -> int:
        import socket

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            return s.getsockname()[1]

    def __exit__(self, *exc: object) -> None:
        return None


@pytest.mark.subprocess
def test_the_token_never_appears(tmp_path, emulator: HubEmulator) -> None:
    db_path = tmp_path / "token.db"
    env = {"HF_TOKEN": TOKEN}
    result = tracker(
        "-vv",
        "snapshot",
        "--database",
        f"sqlite:///{db_path}",
        "--endpoint",
        emulator.url,
        "--strategy",
        "scan",
        env=env,
    )
    assert result.returncode == 0, result.stderr
    helps = [tracker(*cmd, "--help", env=env).stdout for cmd in (["snapshot"], ["runs"], [])]
    import sqlite3

    with sqlite3.connect(db_path) as connection:
        dump = "\n".join(connection.iterdump())
    with socket_closed_port() as port:
        failed = tracker(
            "snapshot",
            "--database",
            f"sqlite:///{db_path}",
            "--endpoint",
            f"http://127.0.0.1:{port}",
            env=env,
        )
    for text_ in (result.stdout, result.stderr, dump, *helps, failed.stderr, failed.stdout):
        assert TOKEN not in text_
    assert "DEBUG" in result.stderr  # the verbose log was really produced


@pytest.mark.subprocess
def test_taken_at_and_runs_listing(tmp_path, emulator: HubEmulator) -> None:
    db = f"sqlite:///{tmp_path / 'runs.db'}"
    result = tracker(
        "snapshot", "--database", db, "--endpoint", emulator.url, "--taken-at", "2026-10-26T06:00:00"
    )
    assert result.returncode == 0, result.stderr
    listing = tracker("runs", "--database", db)
    assert listing.returncode == 0
    lines = listing.stdout.strip().splitlines()
    assert lines[0].split()[:6] == ["id", "taken", "at", "(UTC)", "status", "strategy"]
    assert lines[1].split()[:5] == ["1", "2026-10-26", "06:00:00", "complete", "scan"]
    engine = open_store(db)
    with Session(engine) as session:
        (run,) = load_runs(session)
    engine.dispose()
    assert run.taken_at == datetime(2026, 10, 26, 6, tzinfo=UTC)
    assert run.started_at > run.taken_at
    # auto chose by an estimate, and said why; progress came as log lines (stderr is not a terminal).
    assert "strategy (tree ~" in result.stderr
    assert "llama depth 0: " in result.stderr


@pytest.mark.subprocess
def test_settings_come_from_flags_then_environment(tmp_path, emulator: HubEmulator) -> None:
    from_env = tmp_path / "env.db"
    from_flag = tmp_path / "flag.db"
    env = {
        "TRACKER_DATABASE_URL": f"sqlite:///{from_env}",
        "HF_ENDPOINT": emulator.url,
        "TRACKER_STRATEGY": "scan",
    }
    assert tracker("snapshot", env=env).returncode == 0
    assert tracker("snapshot", "--database", f"sqlite:///{from_flag}", env=env).returncode == 0
    for path, runs in ((from_env, 1), (from_flag, 1)):
        listing = tracker("runs", "--database", f"sqlite:///{path}")
        assert len(listing.stdout.strip().splitlines()) == 1 + runs
    engine = open_store(f"sqlite:///{from_env}")
    with Session(engine) as session:
        (run,) = load_runs(session)
    engine.dispose()
    assert run.strategy == "scan"


@pytest.mark.slow
@pytest.mark.parametrize("rules", ["2026", "2025", "lenient"])
def test_auto_costs_no_more_than_the_cheaper_once_the_hub_was_scanned(
    tmp_path, small: Catalogue, rules: str
) -> None:
    """`tracker snapshot` with no strategy: exact on a first run; once the database holds a scan of this
    Hub, within 1.1 x what `auto`'s rule picks from tree and scan measured on the same Hub at the same
    clock (the scan up to twice the tree, for the whole-Hub view it records)."""
    emu = HubEmulator(small, listing_rules=rules)
    emu.start()
    try:
        engine = open_store(f"sqlite:///{tmp_path / 'auto.db'}")
        for week in range(2):
            truth = ground_truth(small, ECOSYSTEMS, emu.now)
            measured = {}
            for strategy in ("tree", "scan"):
                with HubClient(emu.url) as client:
                    alone = open_store(f"sqlite:///{tmp_path / f'{strategy}-{week}.db'}")
                    measured[strategy] = take_snapshot(alone, client, ECOSYSTEMS, strategy=strategy).requests
                    alone.dispose()
            with HubClient(emu.url) as client:
                first = take_snapshot(engine, client, ECOSYSTEMS)
            assert_equals_truth(engine, first.run_id, truth)
            if week == 0 and first.strategy != "scan":
                with HubClient(emu.url) as client:  # what tells a tracker the size of a Hub: a scan of it
                    take_snapshot(engine, client, ECOSYSTEMS, strategy="scan")
            emu.reset_stats()
            with HubClient(emu.url) as client:
                auto = take_snapshot(engine, client, ECOSYSTEMS)
            assert_equals_truth(engine, auto.run_id, truth)
            assert auto.requests == emu.stats()["requests"]
            assert "400" not in emu.stats()["by_status"]  # the refused values are not asked again
            cheaper = min(measured["tree"] * VIEW_WORTH, measured["scan"])
            assert auto.requests <= 1.1 * cheaper, (auto.strategy, auto.reason, measured)
            assert auto.estimate is not None
            emu.advance(7 * 86_400)  # a week on: new models, the same rules
        with Session(engine) as session:
            runs = load_runs(session)
        refused = {"2026": "childrenModelCount", "2025": "baseModels;childrenModelCount", "lenient": ""}
        assert {r.listing_refuses for r in runs if r.listing_refuses is not None} == {refused[rules]}
        assert {r.endpoint for r in runs} == {emu.url}
        engine.dispose()
    finally:
        emu.stop()


@pytest.mark.subprocess
def test_the_closing_line_names_three_missing_roots(tmp_path, emulator: HubEmulator) -> None:
    missing = [f"nobody/missing-{n}" for n in range(6)]
    toml = tmp_path / "eco.toml"
    roots = ", ".join(f'"{r}"' for r in ["meta-llama/Llama-3.1-8B", *missing])
    toml.write_text(
        f'[[ecosystem]]\nname = "llama"\n\n  [[ecosystem.family]]\n  name = "x"\n  roots = [{roots}]\n'
    )
    db = f"sqlite:///{tmp_path / 'missing.db'}"
    result = tracker("snapshot", "--database", db, "--endpoint", emulator.url, "--ecosystems", str(toml))
    assert result.returncode == 0, result.stderr
    (line,) = result.stdout.strip().splitlines()
    assert (
        "; 6 roots not on the Hub (nobody/missing-0, nobody/missing-1, nobody/missing-2, ...; see the log)"
        in line
    )
    assert "missing-3" not in line
    assert all(f"root {r} is not on the Hub" in result.stderr for r in missing)


@pytest.mark.slow
def test_what_a_run_learned_of_the_listings_holds_for_30_days(tmp_path, emulator: HubEmulator) -> None:
    engine = open_store(f"sqlite:///{tmp_path / 'rules.db'}")
    try:
        statuses = []
        for age in (None, timedelta(days=29), timedelta(days=31)):
            if age is not None:  # as if the rules were learned that long ago
                with engine.begin() as connection:
                    connection.execute(
                        text("UPDATE snapshot_run SET listing_checked_at = :at"),
                        {"at": datetime.now(UTC) - age},
                    )
            emulator.reset_stats()
            with HubClient(emulator.url) as client:
                take_snapshot(engine, client, ECOSYSTEMS, strategy="scan")
            statuses.append(emulator.stats()["by_status"].get("400", 0))
        assert statuses == [1, 0, 1]  # learned; remembered; too old, so asked again (and learned again)
        with Session(engine) as session:
            runs = load_runs(session)
        assert [r.listing_refuses for r in runs] == ["childrenModelCount"] * 3
        assert runs[0].listing_checked_at > datetime.now(UTC) - timedelta(minutes=5)
    finally:
        engine.dispose()
