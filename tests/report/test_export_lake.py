"""`tracker export --partitioned`: a Hive-partitioned Parquet dataset, read back by DuckDB as one table.

Real emulator snapshots on SQLite and PostgreSQL; the dataset must hold exactly the CSV export's rows,
and a rerun must write only what the folder lacks (or what changed since: a run slotted in between).
"""

from __future__ import annotations

import json
import logging
import socket
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from tests.report.test_export import read_csv, tracker
from tracker.collect.hub import HubClient
from tracker.collect.transport import HubError
from tracker.core.ecosystems import load_ecosystems, select_ecosystems
from tracker.emulator.builders.synthetic import build_synthetic
from tracker.emulator.catalogue import Catalogue
from tracker.emulator.routes.server import HubEmulator
from tracker.report.dictionary import TABLES
from tracker.report.export_lake import MANIFEST, week_of
from tracker.run.snapshot import take_snapshot
from tracker.storage.database import open_store

ECOSYSTEMS = select_ecosystems(load_ecosystems(), ["llama", "qwen"])
DAY = 86_400


@pytest.fixture(scope="module")
def small() -> Catalogue:
    """A small synthetic Hub: the runs here test the files, not the crawl."""
    return build_synthetic(seed=3, models=1500)


class Recorder:
    """Runs taken into one database at days after the emulator's clock."""

    def __init__(self, url: str, catalogue: Catalogue) -> None:
        self.url = url
        self.engine = open_store(url)
        self.emulator = HubEmulator(catalogue)
        self.emulator.start()
        self.t0 = self.emulator.now
        self.runs: dict[int, int] = {}  # days -> run id

    def take(self, days: int) -> int:
        self.emulator.set_now(self.t0 + days * DAY)
        at = datetime.fromtimestamp(self.emulator.now, UTC)
        with HubClient(self.emulator.url) as client:
            self.runs[days] = take_snapshot(
                self.engine, client, ECOSYSTEMS, strategy="scan", taken_at=at
            ).run_id
        return self.runs[days]

    def fail(self, days: int) -> None:
        with socket.socket() as s:  # a port where nothing listens
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        at = datetime.fromtimestamp(self.t0 + days * DAY, UTC)
        with HubClient(f"http://127.0.0.1:{port}", unreachable_after=0.5) as client, pytest.raises(HubError):
            take_snapshot(self.engine, client, ECOSYSTEMS, strategy="scan", taken_at=at)

    def close(self) -> None:
        self.emulator.stop()
        self.engine.dispose()


@pytest.fixture
def recorder(migrated_url: str, small: Catalogue) -> Iterator[Recorder]:
    rec = Recorder(migrated_url, small)
    try:
        yield rec
    finally:
        rec.close()


def lake_rows(folder: Path) -> list[dict[str, Any]]:
    """The folder read by DuckDB as one table (the week from the folder names)."""
    import duckdb

    with duckdb.connect() as db:
        db.execute("SET TimeZone = 'UTC'")
        result = db.execute(f"SELECT * FROM read_parquet('{folder}/**/*.parquet', hive_partitioning = true)")
        names = [d[0] for d in result.description]
        return [dict(zip(names, row, strict=True)) for row in result.fetchall()]


def csv_rows(capsysbinary, url: str, table: str, *args: str) -> list[dict[str, Any]]:
    code, out, err = tracker(capsysbinary, "export", table, "--database", url, "--format", "csv", *args)
    assert code == 0, err
    return read_csv(out, TABLES[table])


def same_as_csv(capsysbinary, url: str, table: str, folder: Path, *args: str) -> int:
    """The dataset's rows are the CSV export's (typed, in any order), each in its run's week; how many."""
    got = lake_rows(folder)
    want = csv_rows(capsysbinary, url, table, *args)
    assert want
    for row in got:
        assert row.pop("week") == week_of(row["taken_at"]), row
        assert list(row) == list(TABLES[table].names)  # the files' columns: the single file's, no week
    key = ("run_id", "ecosystem", "model_id") if table == "history" else ("run_id",)
    order = lambda rows: sorted(rows, key=lambda r: tuple(r[k] for k in key))  # noqa: E731
    assert order(got) == order(want)
    return len(got)


def files(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file under the folder (not the folders, whose mtimes move with their entries): (inode, mtime
    in ns)."""
    return {
        str(p.relative_to(folder)): (p.stat().st_ino, p.stat().st_mtime_ns)
        for p in folder.rglob("*")
        if p.is_file()
    }


def export(capsysbinary, url: str, table: str, folder: Path, *args: str) -> str:
    """`tracker export TABLE --partitioned -o FOLDER ARGS`; what it logged."""
    handler = _Lines()
    logger = logging.getLogger("tracker.commands.export")
    logger.addHandler(handler)
    level, logger.level = logger.level, logging.INFO
    try:
        code, out, err = tracker(
            capsysbinary, "export", table, "--database", url, "--partitioned", "-o", str(folder), *args
        )
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    assert (code, out) == (0, b""), err
    return "\n".join(handler.lines)


class _Lines(logging.Handler):
    """The messages logged, as the command line prints them."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def test_history_and_runs_partitioned_and_incremental(
    recorder: Recorder, tmp_path: Path, capsysbinary
) -> None:
    first, third = recorder.take(0), recorder.take(14)
    recorder.fail(15)  # the same week as the +14 run
    url, lake = recorder.url, tmp_path / "lake"

    err = export(capsysbinary, url, "history", lake)
    assert "wrote 2 weeks, 2 runs" in err
    assert "0 runs already there" in err
    week0, week2 = (
        week_of(datetime.fromtimestamp(recorder.t0, UTC)),
        week_of(datetime.fromtimestamp(recorder.t0 + 14 * DAY, UTC)),
    )
    written = [f"week={week0}/run-{first}.parquet", f"week={week2}/run-{third}.parquet"]
    assert sorted(files(lake)) == sorted([MANIFEST, *written])
    assert sorted(p.name for p in lake.iterdir()) == sorted([MANIFEST, f"week={week0}", f"week={week2}"])
    rows = same_as_csv(capsysbinary, url, "history", lake)
    assert f"{rows:,} rows of history" in err
    manifest = json.loads((lake / MANIFEST).read_text())
    assert manifest["table"] == "history"
    assert sorted(manifest["runs"]) == sorted([str(first), str(third)])

    # `runs` keeps the failed run, in the week of its taken_at.
    runs_lake = tmp_path / "runs"
    err = export(capsysbinary, url, "runs", runs_lake)
    assert "wrote 2 weeks, 3 runs" in err
    assert len(list((runs_lake / f"week={week2}").iterdir())) == 2
    assert same_as_csv(capsysbinary, url, "runs", runs_lake) == 3

    # A rerun writes nothing: every file (the manifest too) is the same file, untouched.
    before = files(lake)
    err = export(capsysbinary, url, "history", lake)
    assert "wrote 0 weeks, 0 runs, 0 rows" in err
    assert "2 runs already there" in err
    assert files(lake) == before

    # A file gone from the folder (deleted by hand, or never synced back) is written again, alone.
    (lake / written[0]).unlink()
    err = export(capsysbinary, url, "history", lake)
    assert "wrote 1 week, 1 run," in err
    assert f"run {first} written again" not in err  # it was missing, not changed
    after = files(lake)
    assert {n for n in after if after[n] != before[n]} == {MANIFEST, written[0]}
    before = after

    # A new run: only its file is written.
    fourth = recorder.take(21)
    err = export(capsysbinary, url, "history", lake)
    assert "wrote 1 week, 1 run," in err
    after = files(lake)
    new = {name for name in after if after[name] != before.get(name)}
    week3 = week_of(datetime.fromtimestamp(recorder.t0 + 21 * DAY, UTC))
    assert new == {MANIFEST, f"week={week3}/run-{fourth}.parquet"}
    same_as_csv(capsysbinary, url, "history", lake)

    # A run slotted in between the first two rewrites the next ones' deltas: those files are written again
    # (said so), with the new deltas; the first run's file is untouched.
    before = files(lake)
    second = recorder.take(7)
    err = export(capsysbinary, url, "history", lake)
    # The next run's deltas, and the roll-ups of the one after (its movers), were written again.
    assert f"run {third} written again" in err
    assert f"run {fourth} written again" in err
    assert f"run {first} written again" not in err
    after = files(lake)
    assert after[f"week={week0}/run-{first}.parquet"] == before[f"week={week0}/run-{first}.parquet"]
    assert after[f"week={week2}/run-{third}.parquet"] != before[f"week={week2}/run-{third}.parquet"]
    week1 = week_of(datetime.fromtimestamp(recorder.t0 + 7 * DAY, UTC))
    assert f"week={week1}/run-{second}.parquet" in after
    same_as_csv(capsysbinary, url, "history", lake)

    # A run rolled up again (its rolled_up_at moved): its file alone is written again.
    before = files(lake)
    with recorder.engine.begin() as connection:
        connection.execute(
            text("UPDATE snapshot_run SET rolled_up_at = :at WHERE id = :run"),
            {"at": datetime(2030, 1, 1, tzinfo=UTC), "run": first},
        )
    err = export(capsysbinary, url, "history", lake)
    assert f"run {first} written again" in err
    assert "wrote 1 week, 1 run," in err
    after = files(lake)
    assert {n for n in after if after[n] != before[n]} == {MANIFEST, f"week={week0}/run-{first}.parquet"}


def test_filters_apply_and_are_kept(recorder: Recorder, tmp_path: Path, capsysbinary) -> None:
    recorder.take(0)
    recorder.take(7)
    url, lake = recorder.url, tmp_path / "qwen"
    export(capsysbinary, url, "history", lake, "--ecosystem", "qwen", "--since", "2000-01-01")
    assert {r["ecosystem"] for r in lake_rows(lake)} == {"qwen"}
    same_as_csv(capsysbinary, url, "history", lake, "--ecosystem", "qwen", "--since", "2000-01-01")
    before = files(lake)
    code, _, err = tracker(
        capsysbinary, "export", "history", "--database", url, "--partitioned", "-o", str(lake)
    )
    assert code != 0
    assert len(err.strip().splitlines()) == 1
    assert "with other filters (ecosystems=qwen, since=2000-01-01T00:00:00+00:00)" in err
    assert files(lake) == before


def test_bad_input_is_one_line_and_writes_nothing(migrated_url: str, tmp_path: Path, capsysbinary) -> None:
    url = migrated_url
    a_file = tmp_path / "a.parquet"
    a_file.write_text("untouched\n")
    runs_lake = tmp_path / "runs"
    export(capsysbinary, url, "runs", runs_lake)  # an empty database: a folder with its manifest alone
    assert [p.name for p in runs_lake.iterdir()] == [MANIFEST]
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("mine\n")
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / MANIFEST).write_text('{"table": "history",\n oops}\n')
    lake = str(tmp_path / "lake")
    cases = [
        (["models", "-o", lake], "--partitioned does not apply to models"),
        (["edges", "-o", lake], "--partitioned does not apply to edges"),
        (["history", "--format", "csv", "-o", lake], "Parquet only, not csv"),
        (["history", "--format", "jsonl", "-o", lake], "Parquet only, not jsonl"),
        (["history"], "not stdout"),
        (["history", "-o", str(a_file)], "it is a file"),
        (["history", "-o", str(tmp_path / "missing" / "lake")], "does not exist"),
        (["history", "-o", str(runs_lake)], "holds an export of runs, not history"),
        (["runs", "--since", "2026-01-01", "-o", str(runs_lake)], "with other filters (none)"),
        (["history", "-o", str(other)], f"holds files but no {MANIFEST}"),
        (["history", "-o", str(broken)], f"{broken / MANIFEST}: line 2: not JSON"),
    ]
    tree = files(tmp_path)
    for args, needle in cases:
        code, out, err = tracker(capsysbinary, "export", *args, "--partitioned", "--database", url)
        lines = err.strip().splitlines()
        assert code != 0, args
        assert len(lines) == 1, err
        assert lines[0].startswith("tracker: "), lines[0]
        assert needle in lines[0], (args, lines[0])
        assert out == b""
    assert files(tmp_path) == tree
    assert a_file.read_text() == "untouched\n"


def test_the_week_is_the_monday_in_utc() -> None:
    assert week_of(datetime(2026, 11, 8, 23, 59, tzinfo=UTC)) == date(2026, 11, 2)  # a Sunday
    assert week_of(datetime(2026, 11, 9, 0, 0, tzinfo=UTC)) == date(2026, 11, 9)
    assert week_of(datetime.fromisoformat("2026-11-09T00:30:00+02:00")) == date(2026, 11, 2)  # 22:30 UTC
