"""The scheduler's stored job is data, never code: a row planted in `apscheduler_jobs` runs nothing.

APScheduler 3 keeps a job as a pickle in `apscheduler_jobs.job_state`. Anyone who can write to the
database (a shared PostgreSQL role, a group-writable SQLite file) could plant one that runs code when
unpickled, or name another callable to be run when due. `tracker runs` and `tracker schedule` read the
row through an allow-list of what the scheduler's own job holds; rows written by this code, and by the
code before it (tests/run/test_stored_job.py), still load and keep running. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import base64
import pickle
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import Engine, insert, select
from sqlmodel import Session

from tests.run.test_stored_job import STORED, store_the_old_row
from tests.support.scheduling import add_sentinel, llama_settings, run_until_idle
from tracker.cli import main
from tracker.core.crontab import ScheduleError, format_when, parse_schedule
from tracker.emulator.routes.server import HubEmulator
from tracker.run.scheduled_job import (
    JOB_FUNC,
    JOB_ID,
    JOBS_TABLE,
    SnapshotSettings,
    StoredJobRefused,
    describe_schedule,
    load_job_state,
)
from tracker.run.scheduler import SnapshotScheduler
from tracker.storage.lifecycle import begin_run, finish_run
from tracker.storage.loads import load_runs

NOWHERE = "http://127.0.0.1:9"


class _WritesAFile:
    """Unpickled, writes `target`: what a planted job state could do as the operator."""

    def __init__(self, target: Path) -> None:
        self.target = target

    def __reduce__(self) -> tuple[Any, ...]:
        return (Path.write_text, (self.target, "ran as the operator"))


def jobs_table(engine: Engine) -> SQLAlchemyJobStore:
    """APScheduler's job store on `engine`, its table created as `tracker schedule` creates it."""
    store = SQLAlchemyJobStore(engine=engine, tablename=JOBS_TABLE)
    store.start(BackgroundScheduler(), "default")
    return store


def plant(engine: Engine, job_id: str, state: bytes, next_run_time: datetime) -> None:
    store = jobs_table(engine)
    with engine.begin() as connection:
        connection.execute(
            insert(store.jobs_t).values(id=job_id, next_run_time=next_run_time.timestamp(), job_state=state)
        )


def stored_rows(engine: Engine) -> list[str]:
    store = jobs_table(engine)
    with engine.connect() as connection:
        return list(connection.execute(select(store.jobs_t.c.id)).scalars())


def a_failed_run(engine: Engine) -> int:
    now = datetime.now(UTC)
    with Session(engine) as session:
        run_id = begin_run(session, taken_at=now, started_at=now, ecosystems=["llama"], strategy="tree")
        finish_run(session, run_id, status="failed", finished_at=now, requests=3, retries=0, error="test run")
    return run_id


def job_state_calling(func: str, args: tuple[Any, ...], next_run_time: datetime) -> bytes:
    """A job state shaped like ours, made of allowed classes only, that names another callable."""
    return pickle.dumps(
        {
            "version": 1,
            "id": "other",
            "func": func,
            "trigger": parse_schedule("0 6 * * mon").trigger,
            "executor": "default",
            "args": args,
            "kwargs": {},
            "name": "other",
            "misfire_grace_time": None,
            "coalesce": True,
            "max_instances": 1,
            "next_run_time": next_run_time,
        }
    )


# --- `tracker runs` ---------------------------------------------------------------------------------


def test_tracker_runs_lists_the_runs_and_runs_no_planted_pickle(
    engine: Engine, migrated_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run_id = a_failed_run(engine)
    target = tmp_path / "pwned"
    plant(engine, JOB_ID, pickle.dumps(_WritesAFile(target)), datetime.now(UTC) + timedelta(days=1))
    with pytest.raises(SystemExit) as exit_:
        main(["runs", "--database", migrated_url])
    assert exit_.value.code == 0
    assert not target.exists()
    out = capsys.readouterr().out.strip().splitlines()
    assert any(line.split()[0] == str(run_id) for line in out[1:])
    assert out[-1].startswith("schedule: refusing the stored job 'tracker-snapshot': ")
    assert "pathlib" in out[-1]
    assert stored_rows(engine) == [JOB_ID]  # refused, not deleted


# --- `tracker schedule` -----------------------------------------------------------------------------


def test_tracker_schedule_refuses_a_planted_pickle_in_one_line(
    engine: Engine, migrated_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "pwned"
    plant(engine, JOB_ID, pickle.dumps(_WritesAFile(target)), datetime.now(UTC) - timedelta(minutes=1))
    with pytest.raises(SystemExit) as exit_:
        main(["--quiet", "schedule", "--database", migrated_url, "--endpoint", NOWHERE])
    assert exit_.value.code == 1
    assert not target.exists()
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("tracker: refusing the stored job 'tracker-snapshot' in apscheduler_jobs")
    assert "pathlib" in lines[0]
    assert stored_rows(engine) == [JOB_ID]  # left for the operator to look at


def test_a_stored_job_naming_another_callable_is_refused_and_not_run(engine: Engine, tmp_path: Path) -> None:
    made = tmp_path / "made-by-the-job"
    due = datetime.now(UTC) - timedelta(minutes=1)
    plant(engine, "other", job_state_calling("os:mkdir", (str(made),), due), due)
    runner = SnapshotScheduler(engine, parse_schedule("0 6 * * mon"), SnapshotSettings(endpoint=NOWHERE))
    with pytest.raises(ScheduleError, match="refusing the stored job 'other' in apscheduler_jobs") as refused:
        run_until_idle(runner)
    assert "'os:mkdir'" in str(refused.value)
    assert not made.exists()
    assert runner.outcomes == []
    assert stored_rows(engine) == ["other"]  # refused before ours was stored, and left for the operator


# --- what keeps loading ---------------------------------------------------------------------------------


def test_a_run_takes_the_settings_of_the_process_not_those_changed_in_the_database(
    engine: Engine, emulator: HubEmulator
) -> None:
    """Stored arguments are a record: a row changed behind the scheduler's back (another endpoint, which
    would receive HF_TOKEN) does not redirect the run."""
    runner = SnapshotScheduler(engine, parse_schedule("0 6 1 1 *"), llama_settings(emulator))

    def tamper() -> None:  # what a writer of the database could store, here through APScheduler itself
        stored = runner.scheduler.get_job(JOB_ID)
        assert stored is not None
        changed = {**stored.kwargs, "endpoint": NOWHERE, "retry_budget": 0.0}
        runner.scheduler.modify_job(JOB_ID, kwargs=changed, next_run_time=datetime.now(UTC))

    add_sentinel(runner, tamper, 0.2)
    assert run_until_idle(runner, after=0.5) == ["complete"]
    with Session(engine) as session:
        (run,) = load_runs(session)
    assert run.endpoint == emulator.url


def test_a_job_stored_by_this_code_loads_and_keeps_its_next_run_time(engine: Engine) -> None:
    now = datetime.now(UTC)
    schedule = parse_schedule("30 6 * * mon", "Europe/Paris")
    settings = SnapshotSettings(endpoint=NOWHERE, ecosystems=("llama",))
    assert run_until_idle(SnapshotScheduler(engine, schedule, settings)) == []
    (first,) = stored_rows(engine)
    expected = schedule.trigger.get_next_fire_time(None, now)
    assert run_until_idle(SnapshotScheduler(engine, schedule, settings)) == []
    store = jobs_table(engine)
    with engine.connect() as connection:
        (row,) = connection.execute(select(store.jobs_t)).all()
    assert row.id == first == JOB_ID
    assert row.next_run_time == expected.timestamp()
    state = load_job_state(bytes(row.job_state))
    assert state["func"] == JOB_FUNC
    assert state["next_run_time"] == expected
    assert describe_schedule(engine, now=now) == [
        f"schedule: 30 6 * * mon (Europe/Paris), next run {format_when(expected)}"
    ]


def test_the_row_the_old_code_stored_passes_the_allow_list() -> None:
    state = load_job_state(base64.b64decode(STORED["job_state_base64"]))
    assert state["func"] == JOB_FUNC
    assert state["kwargs"]["cron"] == "0 6 * * mon"
    assert state["next_run_time"] == datetime(2026, 12, 7, 6, tzinfo=UTC)


def test_the_row_the_old_code_stored_keeps_running(engine: Engine, emulator: HubEmulator) -> None:
    store_the_old_row(engine)
    due = datetime(2026, 12, 7, 6, tzinfo=UTC)
    now = datetime.now(UTC)
    runner = SnapshotScheduler(engine, parse_schedule("0 6 * * mon"), llama_settings(emulator))
    outcomes = run_until_idle(runner)
    # Due since that Monday: caught up within the six days' grace, skipped (and counted) after it.
    assert outcomes == (["complete"] if now - due <= timedelta(days=6) else ["missed"])
    state = load_job_state(bytes(_job_state(engine)))
    assert state["next_run_time"] > now
    assert state["kwargs"]["endpoint"] == emulator.url
    assert state["func"] == JOB_FUNC  # a change of arguments keeps the stored reference as it was


def _job_state(engine: Engine) -> bytes:
    store = jobs_table(engine)
    with engine.connect() as connection:
        return connection.execute(select(store.jobs_t.c.job_state)).scalar_one()


# --- the allow-list, pure ---------------------------------------------------------------------------


class _Reduces:
    def __init__(self, *reduced: Any) -> None:
        self.reduced = reduced

    def __reduce__(self) -> tuple[Any, ...]:
        return self.reduced


@pytest.mark.parametrize(
    ("payload", "needle"),
    [
        (pickle.dumps(_Reduces(eval, ("1",))), "builtins.eval"),
        (pickle.dumps(_Reduces(getattr, (datetime, "fromisoformat"))), "fromisoformat"),
        (pickle.dumps([1, 2]), "not a job"),
        (b"\x80\x05not a pickle", "cannot be read"),
        (job_state_calling("os:mkdir", ("x",), datetime(2026, 12, 7, tzinfo=UTC)), "'os:mkdir'"),
    ],
)
def test_the_allow_list_refuses_what_no_job_of_ours_holds(payload: bytes, needle: str) -> None:
    with pytest.raises(StoredJobRefused, match=needle):
        load_job_state(payload)
