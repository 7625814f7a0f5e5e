"""`tracker demo`: the emulator's real catalogue, weekly snapshots while its clock moves, one database."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.support.dashboard_db import build_database
from tracker.cli import cli
from tracker.read import metrics
from tracker.storage.database import make_engine

DURATION = r"\d+ s|\d+ min( \d+ s)?"


@pytest.mark.slow
def test_demo_builds_weekly_runs_that_grow(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # the default database is demo.db in the working folder
    result = CliRunner().invoke(cli, ["-q", "demo", "--no-dashboard", "--weeks", "3"])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if line.startswith("week ")]
    assert [line.split(":")[0] for line in lines] == [
        "week  1/3 2025-03-19",
        "week  2/3 2025-03-26",
        "week  3/3 2025-04-02",
    ]
    engine = make_engine(f"sqlite:///{tmp_path / 'demo.db'}")
    try:
        runs = metrics.load_runs(engine)
        history = metrics.load_history(engine)
        indexed = _indexed_runs(engine)
    finally:
        engine.dispose()
    assert len(runs) == 3
    assert indexed == set(runs["run_id"].iloc[1:])  # the lineage index of the last two runs, as always
    assert list(runs["taken_at"].diff().dropna()) == [timedelta(days=7)] * 2
    # The six ecosystems the shipped file enables; the five of 2025 with members from the first week on
    # (Muse, of 2026, postdates the real catalogue's weeks: the catalogue decides whether it is there).
    assert set(runs["ecosystems"]) == {"llama;qwen;mistral;gemma;deepseek;muse"}
    first = history[history["run_id"] == runs["run_id"].iloc[0]]
    assert set(first["ecosystem"]) - {"muse"} == {"llama", "qwen", "mistral", "gemma", "deepseek"}
    counts = metrics.compute_counts(history).groupby("run_id")["derivatives"].sum().tolist()
    assert counts[0] < counts[1] < counts[2]
    weekly = metrics.compute_downloads(history)["weekly_downloads"].dropna()
    assert (weekly > 0).all()

    again = CliRunner().invoke(cli, ["-q", "demo", "--no-dashboard", "--weeks", "1"])
    assert again.exit_code == 0, again.output  # the demo's own file is replaced, not appended to
    engine = make_engine(f"sqlite:///{tmp_path / 'demo.db'}")
    try:
        assert len(metrics.load_runs(engine)) == 1
    finally:
        engine.dispose()


def _indexed_runs(engine) -> set[int]:  # noqa: ANN001 - an Engine
    with engine.connect() as connection:
        return set(connection.exec_driver_sql("SELECT DISTINCT run_id FROM lineage_node").scalars())


@pytest.mark.slow
def test_a_short_demo_says_each_week_and_what_is_left(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'short.db'}"
    result = CliRunner().invoke(cli, ["-q", "demo", "--no-dashboard", "--weeks", "2", "--database", url])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if line.startswith(("week ", "demo: "))][1:]
    expected = [
        r"week  1/2 2025-03-19: archive, [\d,]+ models, [\d.]+ of [\d.]+ MB read from the archive, [\d.]+ s",
        rf"demo: week 1 of 2, ({DURATION}) elapsed, about ({DURATION}) left \(done about \d\d:\d\d UTC\)",
        r"week  2/2 2025-03-26: snapshot, [\d,]+ models \(\+[\d,]+\), [\d,]+ requests \(scan\), [\d.]+ s",
        rf"demo: week 2 of 2, ({DURATION}) elapsed",
        rf"demo: 2 weekly runs in ({DURATION})",
    ]
    assert len(lines) == len(expected), lines
    for line, pattern in zip(lines, expected, strict=True):
        assert re.fullmatch(pattern, line), (line, pattern)
    engine = make_engine(url)
    try:
        assert _indexed_runs(engine) == {1, 2}  # both are among the last two: both keep their index
    finally:
        engine.dispose()


def test_demo_refuses_a_database_with_runs(tmp_path: Path) -> None:
    url = build_database(tmp_path / "mine.db", weeks=1)  # a database that holds a run of its own
    before = tmp_path.joinpath("mine.db").read_bytes()
    second = CliRunner().invoke(cli, ["-q", "demo", "--no-dashboard", "--weeks", "1", "--database", url])
    assert second.exit_code != 0
    assert "already holds runs" in second.output
    assert tmp_path.joinpath("mine.db").read_bytes() == before  # nothing written
