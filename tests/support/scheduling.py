"""Driving a `SnapshotScheduler` in this process without waiting for real Mondays (tests/run/test_schedule.py
says how): crons relative to now, stored run times moved back, stops through a "sentinel" job."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from apscheduler.job import Job
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import Engine
from sqlmodel import Session

from tracker.core.crontab import Schedule
from tracker.core.ecosystems import load_ecosystems, select_ecosystems
from tracker.emulator.routes.server import HubEmulator
from tracker.emulator.truth import ground_truth
from tracker.run.scheduled_job import JOB_ID, JOBS_TABLE, SnapshotSettings
from tracker.run.scheduler import SnapshotScheduler
from tracker.storage.loads import load_runs

LLAMA = select_ecosystems(load_ecosystems(), ["llama"])
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def truth_size(emu: HubEmulator) -> int:
    return len({m.model_id for m in ground_truth(emu.catalogue, LLAMA, emu.now).models})


def llama_settings(emu: HubEmulator) -> SnapshotSettings:
    return SnapshotSettings(endpoint=emu.url, ecosystems=("llama",), strategy="tree")


def weekly_at(moment: datetime) -> str:
    """A weekly crontab (UTC) firing at this moment's weekday, hour and minute."""
    return f"{moment.minute} {moment.hour} * * {WEEKDAYS[moment.weekday()]}"


def to_the_minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


def every_second() -> Schedule:
    return Schedule("every second", "UTC", CronTrigger(second="*", timezone=UTC))


def add_sentinel(runner: SnapshotScheduler, action: Callable[[], object], after: float) -> None:
    """Run `action` in the scheduler's thread after `after` seconds, after any due snapshot of that pass."""
    if not any(job.name == "sentinel" for job in runner.scheduler.get_jobs()):
        runner.scheduler.add_jobstore(MemoryJobStore(), "memory")
    runner.scheduler.add_job(
        action,
        "date",
        name="sentinel",
        run_date=datetime.now(UTC) + timedelta(seconds=after),
        jobstore="memory",
        misfire_grace_time=None,  # it may be due while a crawl holds the thread: run it late, never skip it
    )


def run_until_idle(runner: SnapshotScheduler, after: float = 0.3) -> list[str]:
    """Start the scheduler, let it do what is due at start, stop it; the outcomes of its runs."""
    add_sentinel(runner, runner.stop, after)
    runner.run()
    return runner.outcomes


def stored_job(engine: Engine) -> Job:
    job = SQLAlchemyJobStore(engine=engine, tablename=JOBS_TABLE).lookup_job(JOB_ID)
    assert job is not None
    return job


def rewind(engine: Engine, schedule: Schedule, settings: SnapshotSettings, to: datetime) -> None:
    """Move the stored job's next run time back to `to`: the machine was down since then."""
    runner = SnapshotScheduler(engine, schedule, settings)

    def move_and_stop() -> None:
        runner.scheduler.modify_job(JOB_ID, next_run_time=to)
        runner.stop()  # before the next pass: the moved job is not run by this scheduler

    add_sentinel(runner, move_and_stop, 0.2)
    runner.run()
    assert stored_job(engine).next_run_time == to


def statuses(engine: Engine) -> list[tuple[str, str | None]]:
    with Session(engine) as session:
        return [(r.status, r.error) for r in load_runs(session)]
