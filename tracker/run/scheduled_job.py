"""The job `tracker schedule` keeps in the database: its id, its stored reference and table, the settings
each run crawls with (`SnapshotSettings`: plain strings and numbers, never the token nor the database
URL), and the stored schedule read back for `tracker runs` (`load_schedule`, `describe_schedule`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from sqlalchemy import inspect
from sqlalchemy.engine import Engine
from sqlmodel import Session

from tracker.core.crontab import Schedule, StoredSchedule, schedule_status
from tracker.core.errors import one_line
from tracker.storage import loads

JOB_ID = "tracker-snapshot"
# A textual reference, stored with the job: renaming the function would make APScheduler drop the job.
JOB_FUNC = "tracker.scheduler:run_scheduled_snapshot"
JOBS_TABLE = "apscheduler_jobs"


@dataclass(frozen=True)
class SnapshotSettings:
    """What each scheduled run crawls: the options of `tracker snapshot`, never the token.

    Fields:
        endpoint: the Hub endpoint URL.
        ecosystems_path: the ecosystems file (read again at each run), or None for the shipped one.
        ecosystems: the ecosystems to crawl; empty for those enabled in the file.
        strategy: `tree`, `scan` or `auto`.
        concurrency: requests in flight at once.
        timeout: seconds before an unanswered request is abandoned (and retried).
        retry_budget: seconds a request may keep failing before the run fails.
    """

    endpoint: str
    ecosystems_path: str | None = None
    ecosystems: tuple[str, ...] = ()
    strategy: str = "auto"
    concurrency: int = 4
    timeout: float = 30.0
    retry_budget: float = 900.0

    def job_kwargs(self, schedule: Schedule) -> dict[str, Any]:
        """The stored job's arguments: plain strings, numbers and lists, readable by any later version."""
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values["ecosystems"] = list(self.ecosystems)
        return {"cron": schedule.cron, "timezone": schedule.timezone, **values}

    @classmethod
    def from_kwargs(cls, kwargs: Mapping[str, Any]) -> SnapshotSettings:
        """Settings from stored arguments; unknown names ignored, missing ones defaulted."""
        known = {f.name for f in fields(cls)}
        values = {name: value for name, value in kwargs.items() if name in known}
        values["ecosystems"] = tuple(values.get("ecosystems") or ())
        return cls(**values)


# --- health at a glance (`tracker runs`) --------------------------------------------------------------


def load_schedule(engine: Engine, *, now: datetime) -> StoredSchedule | None:
    """The schedule stored in the database, or None when `tracker schedule` never ran on it."""
    if not inspect(engine).has_table(JOBS_TABLE):
        return None
    job = SQLAlchemyJobStore(engine=engine, tablename=JOBS_TABLE).lookup_job(JOB_ID)
    if job is None:
        return None
    timezone = str(job.trigger.timezone)
    schedule = Schedule(job.kwargs.get("cron") or str(job.trigger), timezone, job.trigger)
    return StoredSchedule(schedule.cron, timezone, job.next_run_time, schedule.period(now))


def describe_schedule(engine: Engine, *, now: datetime) -> list[str]:
    """The stored schedule and whether a run is overdue, as lines; none when no schedule is stored."""
    try:
        schedule = load_schedule(engine, now=now)
    except Exception as exc:  # noqa: BLE001 - a listing must not fail on an unreadable job
        return [f"schedule: cannot read the stored job ({one_line(exc)})"]
    if schedule is None:
        return []
    with Session(engine) as session:
        last = loads.load_last_complete_run(session)
        running = any(run.status == "running" for run in loads.load_runs(session, limit=5))
    return schedule_status(
        schedule, last_complete_at=last.taken_at if last else None, running=running, now=now
    )
