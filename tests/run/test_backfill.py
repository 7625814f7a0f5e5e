"""`tracker backfill` end to end: the emulated weekly archive over real HTTP (huggingface_hub's HfApi and
HfFileSystem, pyarrow over byte ranges), on SQLite and the real PostgreSQL.

Each imported date must record exactly the ground truth at that date (members, family, depth, relation,
every figure the file has, edges), whatever the file's era; a rerun imports nothing; a live snapshot
afterwards counts its downloads from the last archive run; a backfill killed mid-file leaves no complete
run, and the next one finishes it; bad input is one line and loses nothing stored.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session, select

from tests.run.test_snapshot import recorded_edges, recorded_rows, truth_rows
from tests.support.commands import spawn, tracker
from tests.support.paths import APP
from tracker.collect.archive import HubArchive, LocalArchive
from tracker.collect.hub import HubClient
from tracker.core.ecosystems import Ecosystem, load_ecosystems, select_ecosystems
from tracker.emulator.archive.schema import label_time, labels_for
from tracker.emulator.catalogue import Catalogue
from tracker.emulator.routes.faults import FaultPlan
from tracker.emulator.routes.server import HubEmulator
from tracker.emulator.truth import Truth, ground_truth
from tracker.run.backfill import run_backfill, taken_at_of
from tracker.run.snapshot import take_snapshot
from tracker.storage.database import open_store
from tracker.storage.loads import load_runs
from tracker.storage.tables.runs import ModelRecord, RunMembership

ECOSYSTEMS = select_ecosystems(load_ecosystems(), ["llama", "qwen"])
REPO = "hfmlsoc/hub_weekly_snapshots"
ALL_TIME_FROM = date(2025, 2, 26)  # the archive's first file with downloadsAllTime
# One file of each era: no baseModels column (and modelId); no downloadsAllTime; the full schema.
ERAS = (date(2024, 7, 24), date(2025, 2, 19), date(2025, 2, 26), date(2026, 10, 28))


def archive_truth(cat: Catalogue, day: date, ecosystems: Sequence[Ecosystem] = ECOSYSTEMS) -> Truth:
    """The ground truth at a file's date, as a file of that era can give it: no provider mapping in any
    file (unknown, not none), no all-time downloads before 2025-02-26."""
    truth = ground_truth(cat, ecosystems, label_time(day))
    old = day < ALL_TIME_FROM
    models = tuple(
        replace(m, live_providers=None, downloads_all_time=None if old else m.downloads_all_time)
        for m in truth.models
    )
    return replace(truth, models=models)


def assert_run_is_truth(engine: Engine, run_id: int, truth: Truth) -> None:
    got, want = recorded_rows(engine, run_id), truth_rows(truth)
    assert got == want, f"missing {sorted(want - got)[:3]}, extra {sorted(got - want)[:3]}"
    assert recorded_edges(engine, run_id) == {(e.child_id, e.parent_id, e.relation) for e in truth.edges}


def archive_runs(engine: Engine) -> dict[date, list]:
    with Session(engine) as session:
        runs = [r for r in load_runs(session) if r.strategy == "archive"]
    out: dict[date, list] = {}
    for run in runs:
        out.setdefault(run.taken_at.date(), []).append(run)
    return out


def test_the_emulated_archive_covers_every_era(small: Catalogue) -> None:
    labels = labels_for(small)
    assert set(ERAS) <= set(labels)
    for day in ERAS:
        assert ground_truth(small, ECOSYSTEMS, label_time(day)).models, f"nothing to import at {day}"


@pytest.mark.slow
def test_each_date_records_the_ground_truth(engine: Engine, emulator: HubEmulator, small: Catalogue) -> None:
    archive = HubArchive(emulator.url)
    for day in reversed(ERAS):  # newest first: an older file must not overwrite newer descriptions
        result = run_backfill(engine, archive, ECOSYSTEMS, since=day, until=day, endpoint="emulated")
        (outcome,) = result.files
        assert outcome.status == "imported", outcome.reason
        assert_run_is_truth(engine, outcome.run_id, archive_truth(small, day))
    runs = archive_runs(engine)
    assert sorted(runs) == list(ERAS)
    for day, (run,) in runs.items():
        assert run.status == "complete"
        assert run.taken_at == datetime(day.year, day.month, day.day, tzinfo=UTC)
        assert run.source == f"{REPO}@{archive.revision}:models/{day}/models.parquet"
        assert run.ecosystems == "llama;qwen"
    # The newest run's descriptions stand: the older files imported after it do not overwrite them.
    newest = runs[ERAS[-1]][0].id
    latest_ids = {m.model_id for m in archive_truth(small, ERAS[-1]).models}
    with Session(engine) as session:
        records = session.exec(select(ModelRecord)).all()
    assert {r.updated_run_id for r in records if r.model_id in latest_ids} == {newest}
    assert {r.gated for r in records} == {None}  # the archive does not say; never guessed


def test_parents_declared_by_an_old_id_are_followed_by_their_id(
    tmp_path: Path, emulator: HubEmulator, small: Catalogue
) -> None:
    """The archive's `baseModels` name a parent as the child's card declared it: the Llama 3.1 repos by
    their ids from before their rename. The run records them by their id of that week, as the truth."""
    import pyarrow.parquet as pq
    from huggingface_hub import hf_hub_download

    day = date(2025, 2, 26)
    path = hf_hub_download(
        REPO,
        f"models/{day}/models.parquet",
        repo_type="dataset",
        endpoint=emulator.url,
        token=False,
        local_dir=tmp_path / "files",
    )
    declared = pq.read_table(path, columns=["baseModels"])["baseModels"].to_pylist()
    old = {
        e["id"] for b in declared if b for e in b["models"] if e["id"].startswith("meta-llama/Meta-Llama-3.1")
    }
    assert old, "no child declares a renamed parent by its old id: the trap is missing"
    engine = open_store(f"sqlite:///{tmp_path / 't.db'}")
    try:
        (outcome,) = run_backfill(engine, HubArchive(emulator.url), ECOSYSTEMS, since=day, until=day).files
        edges = recorded_edges(engine, outcome.run_id)
    finally:
        engine.dispose()
    assert not {parent for _, parent, _ in edges} & old
    truth = archive_truth(small, day)
    assert edges == {(e.child_id, e.parent_id, e.relation) for e in truth.edges}


@pytest.mark.slow
def test_a_rerun_imports_nothing_and_a_live_snapshot_counts_from_the_last_file(
    engine: Engine, emulator: HubEmulator, small: Catalogue
) -> None:
    since, until = date(2026, 9, 30), date(2026, 10, 14)
    archive = HubArchive(emulator.url)
    first = run_backfill(engine, archive, ECOSYSTEMS, since=since, until=until)
    assert [f.status for f in first.files] == ["imported"] * 3
    again = run_backfill(engine, HubArchive(emulator.url), ECOSYSTEMS, since=since, until=until)
    assert [(f.status, f.reason) for f in again.files] == [("skipped", "already imported")] * 3
    assert len(archive_runs(engine)) == 3
    # A live snapshot a week after the last file: its deltas are against that file's figures.
    live_at = label_time(until) + 7 * 86_400
    emulator.set_now(live_at)
    with HubClient(emulator.url) as client:
        live = take_snapshot(
            engine, client, ECOSYSTEMS, strategy="scan", taken_at=datetime.fromtimestamp(live_at, UTC)
        )
    before = {(m.ecosystem, m.model_id): m.downloads_all_time for m in archive_truth(small, until).models}
    after = {
        (m.ecosystem, m.model_id): m.downloads_all_time
        for m in ground_truth(small, ECOSYSTEMS, live_at).models
    }
    with Session(engine) as session:
        deltas = {
            (m.ecosystem, m.model_id): m.downloads_delta
            for m in session.exec(select(RunMembership).where(RunMembership.run_id == live.run_id))
        }
    assert deltas == {k: (after[k] - before[k] if k in before else None) for k in after}
    assert any(v for v in deltas.values())
    # A file dated within 7 days of the live run is not imported: live runs stand.
    near = run_backfill(
        engine, HubArchive(emulator.url), ECOSYSTEMS, since=until, until=until + timedelta(days=7)
    )
    assert [f.status for f in near.files] == ["skipped", "skipped"]
    assert near.files[1].reason.startswith(f"live run {live.run_id} was taken")


def test_only_the_needed_columns_are_read(tmp_path: Path, emulator: HubEmulator) -> None:
    engine = open_store(f"sqlite:///{tmp_path / 't.db'}")
    try:
        day = ERAS[-1]
        emulator.reset_stats()
        (outcome,) = run_backfill(engine, HubArchive(emulator.url), ECOSYSTEMS, since=day, until=day).files
    finally:
        engine.dispose()
    served = emulator.stats()["archive"]
    path = f"models/{day}/models.parquet"
    assert served["bytes_served"][path] == outcome.bytes_read
    assert outcome.size == served["files"][path]
    assert outcome.bytes_read < 0.25 * outcome.size, "more than a quarter of the file was read"


@pytest.mark.slow
def test_files_sent_to_a_cdn_are_read_the_same(tmp_path: Path, small: Catalogue) -> None:
    """huggingface.co answers a large file's resolve URL with a 302 to its CDN: the ranges follow it."""
    day = ERAS[-1]
    engine = open_store(f"sqlite:///{tmp_path / 't.db'}")
    try:
        with HubEmulator(small, archive_redirects=True) as emu:
            (outcome,) = run_backfill(engine, HubArchive(emu.url), ECOSYSTEMS, since=day, until=day).files
            by_status = emu.stats()["archive"]["by_status"]
        assert outcome.status == "imported", outcome.reason
        assert by_status.get("302", 0) > 0
        assert_run_is_truth(engine, outcome.run_id, archive_truth(small, day))
        assert outcome.bytes_read < 0.25 * outcome.size
    finally:
        engine.dispose()


def test_a_local_folder_gives_the_same_runs(tmp_path: Path, emulator: HubEmulator, small: Catalogue) -> None:
    from huggingface_hub import hf_hub_download

    folder = tmp_path / "archive"
    days = ERAS[:2]
    for day in days:
        hf_hub_download(
            REPO,
            f"models/{day}/models.parquet",
            repo_type="dataset",
            endpoint=emulator.url,
            token=False,
            local_dir=folder,
        )
    (folder / "models" / "notes").mkdir()  # a folder not named by a date is not a week
    engine = open_store(f"sqlite:///{tmp_path / 't.db'}")
    try:
        archive = LocalArchive(folder)
        assert [f.day for f in archive.files()] == list(days)
        result = run_backfill(engine, archive, ECOSYSTEMS)
        for outcome in result.files:
            assert_run_is_truth(engine, outcome.run_id, archive_truth(small, outcome.day))
        runs = archive_runs(engine)
        assert runs[days[0]][0].source == f"{folder.resolve()}@local:models/{days[0]}/models.parquet"
    finally:
        engine.dispose()


@pytest.mark.subprocess
def test_killed_mid_file_then_backfilled_again(tmp_path: Path, small: Catalogue) -> None:
    url = f"sqlite:///{tmp_path / 't.db'}"
    day = ERAS[-1]
    with HubEmulator(small, plan=FaultPlan(latency_ms=60)) as emu:  # each range read takes 60 ms
        proc = spawn(
            "backfill",
            "--database",
            url,
            "--endpoint",
            emu.url,
            "--ecosystem",
            "llama",
            "--ecosystem",
            "qwen",
            "--since",
            str(day),
            "--until",
            str(day),
        )
        engine = open_store(url)
        try:
            deadline = time.monotonic() + 60
            served = 0
            while served < 5 and time.monotonic() < deadline and proc.poll() is None:
                time.sleep(0.05)
                served = emu.stats()["archive"]["requests"]
            assert proc.poll() is None, "the backfill ended before it could be killed"
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=10)
            with Session(engine) as session:
                assert [r.status for r in load_runs(session)] == ["running"]  # never complete
            emu.gate.configure(FaultPlan())
            result = run_backfill(engine, HubArchive(emu.url), ECOSYSTEMS, since=day, until=day)
            assert result.closed_runs == (1,)
            (outcome,) = result.files
            assert outcome.status == "imported"
            assert_run_is_truth(engine, outcome.run_id, archive_truth(small, day))
            with Session(engine) as session:
                assert [(r.status, r.error) for r in load_runs(session)] == [
                    ("complete", None),
                    ("failed", "interrupted"),
                ]
        finally:
            engine.dispose()


@pytest.mark.subprocess
def test_bad_input_is_one_line_and_keeps_what_was_stored(tmp_path: Path, emulator: HubEmulator) -> None:
    url = f"sqlite:///{tmp_path / 't.db'}"
    day = ERAS[-1]
    ok = tracker(
        "backfill", "--database", url, "--endpoint", emulator.url, "--since", str(day), "--until", str(day)
    )
    assert ok.returncode == 0, ok.stderr
    assert f"{day}: run 1 complete" in ok.stdout
    assert "backfill: 1 imported, 0 skipped, 0 failed" in ok.stdout

    def refused(*args: str, says: str) -> None:
        result = tracker("backfill", "--database", url, *args)
        assert result.returncode != 0, result.stdout
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, result.stderr
        assert says in lines[0], lines[0]

    refused("--endpoint", emulator.url, "--archive", "nobody/no_such_archive", says="no such dataset repo")
    refused("--endpoint", "http://127.0.0.1:9", says="cannot reach")
    refused("--from", str(tmp_path / "nowhere"), says="no such folder")
    (tmp_path / "empty").mkdir()
    refused("--from", str(tmp_path / "empty"), says="not an archive folder")
    refused(
        "--endpoint",
        emulator.url,
        "--since",
        "2020-01-01",
        "--until",
        "2020-12-31",
        says="the archive runs from",
    )
    refused(
        "--endpoint", emulator.url, "--since", "2026-10-28", "--until", "2026-01-01", says="is after --until"
    )
    refused("--endpoint", emulator.url, "--since", "last week", says="not a date")
    refused("--from", str(tmp_path), "--archive", "someone/else", says="not both")
    # A malformed file fails its date, with one line; the other dates still import.
    folder = tmp_path / "local"
    for name, content in (("2025-03-05", b"not parquet at all"), ("2025-03-12", None)):
        (folder / "models" / name).mkdir(parents=True)
        if content is not None:
            (folder / "models" / name / "models.parquet").write_bytes(content)
    good = folder / "models" / "2025-03-19"
    good.mkdir()
    from huggingface_hub import hf_hub_download

    hf_hub_download(
        REPO,
        "models/2025-03-19/models.parquet",
        repo_type="dataset",
        endpoint=emulator.url,
        token=False,
        local_dir=folder,
    )
    result = tracker("backfill", "--database", url, "--from", str(folder))
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if "failed" in line and "ERROR" not in line]
    assert any("2025-03-05" in e and "not a Parquet file" in e for e in errors), result.stderr
    assert any("2025-03-12" in e and "no such file" in e for e in errors), result.stderr
    assert "backfill: 1 imported, 0 skipped, 2 failed" in result.stdout
    engine = open_store(url)
    try:
        runs = archive_runs(engine)
        assert [r.status for r in runs[day]] == ["complete"]  # what was stored before stands
        assert [r.status for r in runs[date(2025, 3, 19)]] == ["complete"]
        assert [r.status for r in runs[date(2025, 3, 5)]] == ["failed"]
        with engine.connect() as connection:
            assert (
                connection.execute(text("SELECT count(*) FROM membership WHERE run_id = 1")).scalar_one() > 0
            )
    finally:
        engine.dispose()


@pytest.mark.slow
def test_the_dashboard_marks_archive_runs(
    tmp_path: Path, emulator: HubEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    from streamlit.testing.v1 import AppTest

    url = f"sqlite:///{tmp_path / 't.db'}"
    engine = open_store(url)
    try:
        run_backfill(engine, HubArchive(emulator.url), ECOSYSTEMS, since=date(2026, 10, 21), until=ERAS[-1])
        live_at = label_time(ERAS[-1]) + 7 * 86_400
        emulator.set_now(live_at)
        with HubClient(emulator.url) as client:
            take_snapshot(
                engine, client, ECOSYSTEMS, strategy="scan", taken_at=datetime.fromtimestamp(live_at, UTC)
            )
    finally:
        engine.dispose()
    monkeypatch.setenv("TRACKER_DATABASE_URL", url)
    app = AppTest.from_file(APP, default_timeout=60)
    app.run()
    assert not app.exception
    notes = [c.value for c in app.caption if "weekly archive" in c.value]
    assert notes, [c.value for c in app.caption]
    assert "ODbL-1.0" in notes[0], notes
    assert REPO in notes[0], notes
    assert "21 Oct 2026" in notes[0], notes
    specs = [chart.proto.spec for chart in app.get("vega_lite_chart")]
    assert any('"rect"' in spec and '"layer"' in spec for spec in specs)  # the band under the curves
    app.session_state["ov_chart"] = "New per run"  # the Overview's charts are tabs, one drawn at a time
    app.run()
    assert not app.exception
    specs = [chart.proto.spec for chart in app.get("vega_lite_chart")]
    assert any('"live snapshot"' in spec for spec in specs)  # paler bars for archive runs


def test_taken_at_of_a_file_is_its_date_at_midnight_utc() -> None:
    assert taken_at_of(date(2025, 3, 19)) == datetime(2025, 3, 19, tzinfo=UTC)


@pytest.mark.slow
def test_the_real_catalogue_s_archive_records_its_ground_truth(tmp_path: Path, real: Catalogue) -> None:
    """The real catalogue's weekly files (real ids and lineage: merges of up to 65 bases, weekly
    additions and deletions): the first and the last of its 16 weeks, every enabled ecosystem."""
    cat = real
    ecosystems = select_ecosystems(load_ecosystems(), None)
    labels = labels_for(cat)
    assert len(labels) == 16
    engine = open_store(f"sqlite:///{tmp_path / 't.db'}")
    try:
        with HubEmulator(cat) as emu:
            for day in (labels[0], labels[-1]):
                (outcome,) = run_backfill(engine, HubArchive(emu.url), ecosystems, since=day, until=day).files
                assert outcome.status == "imported", outcome.reason
                assert_run_is_truth(engine, outcome.run_id, archive_truth(cat, day, ecosystems))
                assert outcome.bytes_read < 0.25 * outcome.size
    finally:
        engine.dispose()


def test_other_shapes_the_archive_may_take(tmp_path: Path) -> None:
    """Shapes the evidence allows but the emulator does not write: large strings and lists, nanosecond
    timestamps without a zone, figures as floats (NaN for none), `baseModels` as JSON text, a `private`
    column. Private rows are not listed, so they break a path; lineage from the tags where `baseModels`
    is null."""
    import json

    import pyarrow as pa
    import pyarrow.parquet as pq

    root, child, hidden, grandchild, orphan = (
        "meta-llama/Llama-3.1-8B",
        "someone/llama-3.1-8b-chat",
        "someone/private-tune",
        "other/llama-3.1-8b-chat-GGUF",
        "other/under-the-private-one",
    )
    ns = 1_740_000_000_000_000_000
    rows = {
        "_id": ["a" * 24, "b" * 24, "c" * 24, "d" * 24, "e" * 24],
        "id": [root, child, hidden, grandchild, orphan],
        "createdAt": [ns, ns + 1, ns + 2, ns + 3, ns + 4],
        "downloads": [1000.0, 250.0, 5.0, float("nan"), 3.0],
        "likes": [10, 2, 0, 1, 0],
        "trendingScore": [3.0, 1.0, 0.0, 0.0, 0.0],
        "tags": [
            ["transformers", "license:llama3.1"],
            ["transformers", f"base_model:{root}", f"base_model:finetune:{root}"],
            ["peft", f"base_model:adapter:{root}"],
            ["gguf", f"base_model:quantized:{child}"],
            ["transformers", f"base_model:finetune:{hidden}"],
        ],
        "baseModels": [
            None,
            json.dumps({"relation": "finetune", "models": [{"_id": "a" * 24, "id": root}]}),
            json.dumps({"relation": "adapter", "models": [{"_id": "a" * 24, "id": root}]}),
            None,
            json.dumps({"relation": "finetune", "models": [{"_id": "c" * 24, "id": hidden}]}),
        ],
        "private": [False, False, True, False, False],
    }
    table = pa.table(
        {
            "_id": pa.array(rows["_id"], pa.large_string()),
            "id": pa.array(rows["id"], pa.large_string()),
            "createdAt": pa.array(rows["createdAt"], pa.timestamp("ns")),
            "downloads": pa.array(rows["downloads"], pa.float64()),
            "likes": pa.array(rows["likes"], pa.int32()),
            "trendingScore": pa.array(rows["trendingScore"], pa.float64()),
            "tags": pa.array(rows["tags"], pa.large_list(pa.large_string())),
            "baseModels": pa.array(rows["baseModels"], pa.string()),
            "private": pa.array(rows["private"], pa.bool_()),
        }
    )
    folder = tmp_path / "archive" / "models" / "2025-03-05"
    folder.mkdir(parents=True)
    pq.write_table(table, folder / "models.parquet", row_group_size=2)
    engine = open_store(f"sqlite:///{tmp_path / 't.db'}")
    llama = select_ecosystems(load_ecosystems(), ["llama"])
    try:
        (outcome,) = run_backfill(engine, LocalArchive(tmp_path / "archive"), llama).files
        assert outcome.status == "imported", outcome.reason
        got = {(r[1], r[3], r[4], r[5], r[6], r[7]) for r in recorded_rows(engine, outcome.run_id)}
        edges = recorded_edges(engine, outcome.run_id)
    finally:
        engine.dispose()
    assert got == {
        (root, 0, "base", 1000, None, 10),
        (child, 1, "finetune", 250, None, 2),
        (grandchild, 2, "quantized", None, None, 1),
    }
    assert edges == {(child, root, "finetune"), (grandchild, child, "quantized")}
