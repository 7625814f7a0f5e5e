"""`tracker schedule` against the emulator over real HTTP, on SQLite and the real PostgreSQL.

Time is driven without waiting for real Mondays: the stored job's next run time is moved through
APScheduler's own API (`scheduler.modify_job`, as notes/tooling.md section 5 did), crons are chosen
relative to now, and the few end-to-end ticks use a trigger of seconds. A scheduler in this process
stops through a "sentinel" job in a memory job store, run after the pass that matters.
"""

from __future__ import annotations

import logging
import os
import pickle
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from apscheduler.events import EVENT_JOB_EXECUTED
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlmodel import Session

from tests.support.commands import tracker
from tests.support.scheduling import (
    LLAMA,
    add_sentinel,
    every_second,
    llama_settings,
    rewind,
    run_until_idle,
    statuses,
    stored_job,
    to_the_minute,
    truth_size,
    weekly_at,
)
from tracker.cli import main
from tracker.collect.hub import HubClient
from tracker.core.crontab import (
    ScheduleError,
    StoredSchedule,
    crontab_day_of_week,
    format_when,
    parse_schedule,
    same_trigger,
    schedule_status,
)
from tracker.emulator.builders.synthetic import build_synthetic
from tracker.emulator.catalogue import Catalogue
from tracker.emulator.routes.faults import FaultPlan
from tracker.emulator.routes.server import HubEmulator
from tracker.run.scheduled_job import JOB_FUNC, JOBS_TABLE, describe_schedule
from tracker.run.scheduler import SnapshotScheduler
from tracker.run.snapshot import take_snapshot
from tracker.storage.database import open_store, snapshot_lock
from tracker.storage.loads import load_runs

TOKEN = "hf_SCHEDULEsecretTOKEN0123456789abcdef"
SATURDAY_NOON = datetime(2026, 11, 28, 12, tzinfo=UTC)


@pytest.fixture(scope="module")
def small() -> Catalogue:
    """A small synthetic Hub (1,500 models): a llama crawl takes a fraction of a second."""
    return build_synthetic(seed=3, models=1500)


# --- the schedule, pure ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cron", "zone", "after", "expected"),
    [
        ("0 6 * * mon", "UTC", SATURDAY_NOON, ["2026-11-30 06:00", "2026-12-07 06:00"]),
        # crontab numbers weekdays from Sunday (APScheduler from Monday: `1` would be a Tuesday there)
        ("0 6 * * 1", "UTC", SATURDAY_NOON, ["2026-11-30 06:00", "2026-12-07 06:00"]),
        ("0 6 * * 0", "UTC", SATURDAY_NOON, ["2026-11-29 06:00", "2026-12-06 06:00"]),
        ("0 6 * * 7", "UTC", SATURDAY_NOON, ["2026-11-29 06:00", "2026-12-06 06:00"]),
        ("0 6 * * 1-5/2", "UTC", SATURDAY_NOON, ["2026-11-30 06:00", "2026-12-02 06:00"]),
        ("*/15 * * * *", "UTC", SATURDAY_NOON, ["2026-11-28 12:00", "2026-11-28 12:15"]),
        ("30 6 * * mon", "Europe/Paris", SATURDAY_NOON, ["2026-11-30 05:30", "2026-12-07 05:30"]),
        ("0 6 * * MON", "America/New_York", SATURDAY_NOON, ["2026-11-30 11:00", "2026-12-07 11:00"]),
        # Paris moves to summer time on Sunday 2026-03-29: 06:00 local is 05:00Z, then 04:00Z.
        (
            "0 6 * * sun",
            "Europe/Paris",
            datetime(2026, 3, 21, tzinfo=UTC),
            ["2026-03-22 05:00", "2026-03-29 04:00"],
        ),
    ],
)
def test_next_fire_times_are_what_the_cron_says_in_its_zone(
    cron: str, zone: str, after: datetime, expected: list[str]
) -> None:
    schedule = parse_schedule(cron, zone, now=after)
    got = [f"{t:%Y-%m-%d %H:%M}" for t in schedule.fire_times(after, 2)]
    assert got == expected


@pytest.mark.parametrize(
    ("field", "names"),
    [
        ("mon", "mon"),
        ("1-5", "mon,tue,wed,thu,fri"),
        ("*/2", "tue,thu,sat,sun"),
        ("0-6", "*"),
        ("0-7", "*"),
        ("fri-sun", "fri,sat,sun"),
        ("5-7", "fri,sat,sun"),
        ("sun,sat", "sat,sun"),
    ],
)
def test_crontab_weekdays_become_apscheduler_names(field: str, names: str) -> None:
    assert crontab_day_of_week(field) == names


def test_period_and_grace() -> None:
    weekly = parse_schedule("0 6 * * mon")
    assert weekly.period(SATURDAY_NOON) == timedelta(days=7)
    assert weekly.grace(SATURDAY_NOON) == timedelta(days=6)
    assert parse_schedule("0 6 * * mon,thu").period(SATURDAY_NOON) == timedelta(days=4)
    assert parse_schedule("0 6 1 * *").period(SATURDAY_NOON) == timedelta(days=31)
    assert same_trigger(parse_schedule("0 6 * * 1").trigger, weekly.trigger)
    assert not same_trigger(parse_schedule("0 6 * * mon", "Europe/Paris").trigger, weekly.trigger)


@pytest.mark.parametrize(
    ("cron", "zone", "needle"),
    [
        ("61 * * * *", "UTC", "higher than the maximum value (59)"),
        ("0 6 * *", "UTC", "expected 5 fields"),
        ("0 6 * * * *", "UTC", "expected 5 fields"),
        ("0 6 * * funday", "UTC", "bad day of week 'funday'"),
        ("0 6 * * 8", "UTC", "bad day of week '8'"),
        ("0 6 30 2 *", "UTC", "never fires"),
        ("0 6 1 * mon", "UTC", "not both"),
        ("@weekly", "UTC", "expected 5 fields"),
        ("0 6 * * mon", "Mars/Olympus_Mons", "unknown time zone 'Mars/Olympus_Mons'"),
        ("0 6 * * mon", "", "unknown time zone"),
    ],
)
def test_bad_schedules_are_refused(cron: str, zone: str, needle: str) -> None:
    with pytest.raises(ScheduleError, match=needle.replace("(", r"\(").replace(")", r"\)")):
        parse_schedule(cron, zone)


def test_schedule_status_lines() -> None:
    now = SATURDAY_NOON
    stored = StoredSchedule("0 6 * * mon", "UTC", datetime(2026, 11, 30, 6, tzinfo=UTC), timedelta(days=7))
    head = "schedule: 0 6 * * mon (UTC), next run 2026-11-30 06:00 UTC"
    assert schedule_status(stored, last_complete_at=now - timedelta(days=5), running=False, now=now) == [head]
    assert schedule_status(stored, last_complete_at=now - timedelta(days=9), running=False, now=now) == [
        head,
        "overdue: the last complete run is 9 days old",
    ]
    assert schedule_status(stored, last_complete_at=None, running=False, now=now) == [head]
    late = StoredSchedule("0 6 * * mon", "UTC", datetime(2026, 11, 23, 6, tzinfo=UTC), timedelta(days=7))
    assert schedule_status(late, last_complete_at=now - timedelta(days=12), running=False, now=now) == [
        "schedule: 0 6 * * mon (UTC), next run 2026-11-23 06:00 UTC",
        "overdue: the run due 2026-11-23 06:00 UTC has not been taken (is `tracker schedule` running?)",
        "overdue: the last complete run is 12 days old",
    ]
    assert schedule_status(late, last_complete_at=None, running=True, now=now)[1] == "a run is in progress"


# --- the scheduler in this process ---------------------------------------------------------------------


@pytest.mark.slow
def test_missed_runs_are_caught_up_exactly_once(
    database_url: str, emulator: HubEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="tracker")
    now = datetime.now(UTC)
    tick = to_the_minute(now - timedelta(days=1))
    schedule = parse_schedule(weekly_at(tick))  # last fired a day ago
    settings = llama_settings(emulator)
    engine = open_store(database_url)
    try:
        # First start: the job is stored, nothing is due.
        assert run_until_idle(SnapshotScheduler(engine, schedule, settings)) == []
        assert stored_job(engine).next_run_time == tick + timedelta(days=7)
        # Down for four scheduled runs: the stored next run time is three weeks before the latest one.
        rewind(engine, schedule, settings, tick - timedelta(days=21))
        caplog.clear()
        assert run_until_idle(SnapshotScheduler(engine, schedule, settings)) == ["complete"]
        assert "4 scheduled runs, from " in caplog.text
        assert "missed while stopped: catching up once" in caplog.text
        assert statuses(engine) == [("complete", None)]
        with Session(engine) as session:
            (run,) = load_runs(session)
        assert run.models == truth_size(emulator)
        job = stored_job(engine)
        assert job.next_run_time == tick + timedelta(days=7)
        # The settings persisted with the job: catch up once, within six days.
        assert (job.coalesce, job.max_instances, job.misfire_grace_time) == (True, 1, 6 * 86_400)
        # A further restart takes nothing more.
        assert run_until_idle(SnapshotScheduler(engine, schedule, settings)) == []
        assert len(statuses(engine)) == 1
        assert describe_schedule(engine, now=datetime.now(UTC)) == [
            f"schedule: {schedule.cron} (UTC), next run {format_when(tick + timedelta(days=7))}"
        ]
    finally:
        engine.dispose()


def test_a_missed_run_later_than_the_grace_is_skipped(
    tmp_path: Path, emulator: HubEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="tracker")
    now = datetime.now(UTC)
    # Last fired six and a half days ago: catching it up would put two snapshots half a day apart.
    tick = to_the_minute(now - timedelta(days=6, hours=12))
    schedule = parse_schedule(weekly_at(tick))
    settings = llama_settings(emulator)
    engine = open_store(f"sqlite:///{tmp_path / 'late.db'}")
    try:
        rewind(engine, schedule, settings, tick)
        assert run_until_idle(SnapshotScheduler(engine, schedule, settings)) == ["missed"]
        assert "more than the 6 days grace, so skipped" in caplog.text
        assert statuses(engine) == []
        assert stored_job(engine).next_run_time == tick + timedelta(days=7)
    finally:
        engine.dispose()


def test_a_missed_run_already_covered_by_a_manual_snapshot_is_not_taken_again(
    tmp_path: Path, emulator: HubEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    """A snapshot taken after a missed scheduled time (by hand, or by a run the scheduler could not
    record as done before it was killed) stands for it: the catch-up is not a second snapshot."""
    caplog.set_level(logging.INFO, logger="tracker")
    now = datetime.now(UTC)
    tick = to_the_minute(now - timedelta(days=1))
    schedule = parse_schedule(weekly_at(tick))
    settings = llama_settings(emulator)
    engine = open_store(f"sqlite:///{tmp_path / 'covered.db'}")
    try:
        rewind(engine, schedule, settings, tick)
        with HubClient(emulator.url) as client:
            manual = take_snapshot(engine, client, LLAMA)
        assert run_until_idle(SnapshotScheduler(engine, schedule, settings)) == ["covered"]
        assert f"not needed: run {manual.run_id}" in caplog.text
        assert statuses(engine) == [("complete", None)]
        assert stored_job(engine).next_run_time == tick + timedelta(days=7)
    finally:
        engine.dispose()


def test_a_changed_cron_keeps_a_missed_run_due(tmp_path: Path, emulator: HubEmulator) -> None:
    now = datetime.now(UTC)
    weekly = parse_schedule(weekly_at(now - timedelta(days=1)))
    daily = parse_schedule(f"{(now - timedelta(hours=2)).minute} {(now - timedelta(hours=2)).hour} * * *")
    settings = llama_settings(emulator)
    engine = open_store(f"sqlite:///{tmp_path / 'changed.db'}")
    try:
        rewind(engine, weekly, settings, to_the_minute(now - timedelta(days=15)))
        # Restarted with another cron while a missed run is pending: it is still caught up, once.
        assert run_until_idle(SnapshotScheduler(engine, daily, settings)) == ["complete"]
        job = stored_job(engine)
        assert same_trigger(job.trigger, daily.trigger)
        assert job.kwargs["cron"] == daily.cron
        assert job.next_run_time == daily.fire_times(datetime.now(UTC), 1)[0]
        assert job.misfire_grace_time == round(timedelta(days=1).total_seconds() * 6 / 7)
        # Back to the weekly cron, nothing pending: no run, the next is the weekly one.
        assert run_until_idle(SnapshotScheduler(engine, weekly, settings)) == []
        assert stored_job(engine).next_run_time == weekly.fire_times(datetime.now(UTC), 1)[0]
        assert len(statuses(engine)) == 1
    finally:
        engine.dispose()


@pytest.mark.slow
def test_a_run_while_another_snapshot_runs_is_skipped(
    database_url: str, emulator: HubEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    """A manual `tracker snapshot` holds the lock: ticks are skipped, and the scheduler goes on."""
    caplog.set_level(logging.INFO, logger="tracker")
    engine = open_store(database_url)
    try:
        with ExitStack() as held:
            held.enter_context(snapshot_lock(engine))
            runner = SnapshotScheduler(engine, every_second(), llama_settings(emulator), run_now=True)
            add_sentinel(runner, held.close, 1.2)  # the manual snapshot ends
            add_sentinel(runner, runner.stop, 30)  # a safety net: this test never waits longer

            def stop_once_complete(event: object) -> None:
                if getattr(event, "retval", None) == "complete":
                    runner.stop()

            runner.scheduler.add_listener(stop_once_complete, EVENT_JOB_EXECUTED)
            runner.run()
        assert runner.outcomes[0] == "busy"
        assert set(runner.outcomes[:-1]) == {"busy"}
        assert runner.outcomes[-1] == "complete"
        assert "another snapshot is running on this database" in caplog.text
        assert "the next scheduled run will try again" in caplog.text
        assert statuses(engine) == [("complete", None)]  # a skipped tick records nothing
    finally:
        engine.dispose()


@pytest.mark.slow
def test_consecutive_runs_on_a_schedule_of_seconds(tmp_path: Path, emulator: HubEmulator) -> None:
    engine = open_store(f"sqlite:///{tmp_path / 'seconds.db'}")
    try:
        runner = SnapshotScheduler(engine, every_second(), llama_settings(emulator))
        add_sentinel(runner, runner.stop, 30)

        def stop_after_two(event: object) -> None:
            if runner.outcomes.count("complete") == 2:
                runner.stop()

        runner.scheduler.add_listener(stop_after_two, EVENT_JOB_EXECUTED)
        runner.run()
        assert runner.outcomes.count("complete") == 2
        assert "failed" not in runner.outcomes
        with Session(engine) as session:
            runs = load_runs(session)
        assert [r.status for r in runs] == ["complete", "complete"]
        assert {r.models for r in runs} == {truth_size(emulator)}
        assert runs[0].started_at > runs[1].finished_at  # one after the other
    finally:
        engine.dispose()


# --- the command, in a subprocess ------------------------------------------------------------------


def start_schedule(*args: str, env: dict | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tracker", "schedule", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        env={**os.environ, **(env or {})},
    )


def wait_for(condition: Callable[[], bool], proc: subprocess.Popen[str], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if proc.poll() is not None:
            pytest.fail(f"tracker schedule exited early ({proc.returncode}): {proc.communicate()[1]}")
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"timed out; stderr: {proc.communicate()[1]}")
        time.sleep(0.1)


def stop(proc: subprocess.Popen[str], signum: int = signal.SIGTERM) -> tuple[int, str]:
    proc.send_signal(signum)
    try:
        _, stderr = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        pytest.fail(f"no exit after {signal.Signals(signum).name}: {proc.communicate()[1]}")
    return proc.returncode, stderr


def with_password(url: str) -> str:
    """The URL with a password (ignored by the trust-auth test server) that must never be shown."""
    parsed = make_url(url)
    return parsed.set(password="hunter2").render_as_string(hide_password=False) if parsed.username else url


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--cron", "0 6 * *"], "expected 5 fields"),
        (["--timezone", "Mars/Olympus_Mons"], "unknown time zone"),
    ],
)
def test_a_bad_cron_or_time_zone_is_one_line_and_stores_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], needle: str
) -> None:
    db = tmp_path / "never.db"
    with pytest.raises(SystemExit) as exit_:  # the console script's own entry point, in this process
        main(["schedule", "--database", f"sqlite:///{db}", "--endpoint", "http://127.0.0.1:9", *args])
    assert exit_.value.code == 1
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("tracker: ")
    assert needle in lines[0]
    assert not db.exists()


@pytest.mark.subprocess
def test_run_now_then_waits_for_the_schedule(database_url: str, emulator: HubEmulator) -> None:
    url = with_password(database_url)
    engine = open_store(database_url)
    proc = start_schedule(
        "--database",
        url,
        "--endpoint",
        emulator.url,
        "--ecosystem",
        "llama",
        "--run-now",
        env={"HF_TOKEN": TOKEN},
    )
    try:
        wait_for(lambda: statuses(engine) == [("complete", None)], proc)
        next_monday = parse_schedule("0 6 * * mon").fire_times(datetime.now(UTC), 1)[0]
        wait_for(lambda: stored_job(engine).next_run_time == next_monday, proc, timeout=10)
        listing = tracker("runs", "--database", database_url)
        code, stderr = stop(proc)
        assert code == 0, stderr
        with Session(engine) as session:
            (run,) = load_runs(session)
        assert run.models == truth_size(emulator)
        assert "scheduling snapshots: cron 0 6 * * mon (UTC)" in stderr
        assert f"run {run.id} complete: {run.models:,} models" in stderr
        assert f"next run {format_when(next_monday)}" in stderr
        assert "scheduler stopped" in stderr
        assert "Traceback" not in stderr
        assert "hunter2" not in stderr
        if url != database_url:
            assert ":***@" in stderr
        assert listing.stdout.strip().splitlines()[-1] == (
            f"schedule: 0 6 * * mon (UTC), next run {format_when(next_monday)}"
        )
        # The job store holds plain settings: no token, no database URL, nothing but plain values.
        with engine.connect() as connection:
            (state,) = connection.execute(text(f"SELECT job_state FROM {JOBS_TABLE}")).scalars().all()
        assert TOKEN.encode() not in bytes(state)
        assert b"hunter2" not in bytes(state)
        stored = pickle.loads(state)
        assert stored["func"] == JOB_FUNC
        assert all(isinstance(v, str | int | float | list | type(None)) for v in stored["kwargs"].values())
        assert stored["kwargs"]["ecosystems"] == ["llama"]
        assert TOKEN not in stderr
    finally:
        if proc.poll() is None:
            proc.kill()
        engine.dispose()


@pytest.mark.subprocess
def test_sigterm_during_a_crawl_then_the_next_start_takes_it_again(tmp_path: Path, small: Catalogue) -> None:
    emu = HubEmulator(small, plan=FaultPlan(latency_ms=20))
    emu.start()
    db = f"sqlite:///{tmp_path / 'sigterm.db'}"
    engine = open_store(db)
    args = ("--database", db, "--endpoint", emu.url, "--ecosystem", "llama", "--strategy", "tree")
    try:
        proc = start_schedule(*args, "--concurrency", "1", "--run-now")

        def crawling() -> bool:
            with engine.connect() as connection:
                return connection.execute(text("SELECT count(*) FROM membership")).scalar_one() > 0

        wait_for(crawling, proc)
        code, stderr = stop(proc)
        assert code == 0, stderr
        assert "Traceback" not in stderr
        assert "run interrupted after" in stderr
        assert statuses(engine) == [("failed", "interrupted")]  # never shown as complete
        assert stored_job(engine).next_run_time <= datetime.now(UTC)  # still due: taken at the next start
        # The next start (no --run-now) takes the interrupted run again, once.
        emu.gate.configure(FaultPlan())
        proc = start_schedule(*args)
        wait_for(lambda: stored_job(engine).next_run_time > datetime.now(UTC), proc)  # taken, and moved on
        code, stderr = stop(proc, signal.SIGINT)
        assert code == 0, stderr
        assert "catching up once" in stderr
        assert statuses(engine) == [("complete", None), ("failed", "interrupted")]
        with Session(engine) as session:
            assert load_runs(session)[0].models == truth_size(emu)
    finally:
        if proc.poll() is None:
            proc.kill()
        engine.dispose()
        emu.stop()
