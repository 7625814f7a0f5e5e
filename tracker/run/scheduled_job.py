"""The job `tracker schedule` keeps in the database: its id, its stored reference and table, the settings
each run crawls with (`SnapshotSettings`: plain strings and numbers, never the token nor the database
URL), its stored state read as data (`load_job_state`), and the stored schedule read back for `tracker
runs` (`load_schedule`, `describe_schedule`).

APScheduler 3 keeps a job as a pickle (`apscheduler_jobs.job_state`), and unpickling runs whatever the
bytes name: anyone who can write to the database (a shared PostgreSQL role, a group-writable SQLite
file) would run code as the operator. So the state is never read with `pickle.loads`: `load_job_state`
admits only the classes our own job's state is made of (its cron trigger, its fields and expressions,
datetimes and zones), and only our own callable. A restricted unpickler rather than a store of plain
data: the rows operators' databases hold today, and any older tracker reading them, keep working as
they are (tests/run/test_job_state.py, tests/run/test_stored_job.py).
"""

from __future__ import annotations

import io
import pickle
from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.triggers.cron import CronTrigger
from apscheduler.util import utc_timestamp_to_datetime
from sqlalchemy import inspect, select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from tracker.core.crontab import Schedule, StoredSchedule, schedule_status
from tracker.core.errors import one_line
from tracker.storage import loads

JOB_ID = "tracker-snapshot"
# A textual reference, stored with the job: renaming the function would make APScheduler drop the job.
JOB_FUNC = "tracker.scheduler:run_scheduled_snapshot"
# The same function by where it is defined: what APScheduler stored when a start changed the job's
# arguments (before the reference was passed again), so operators' databases hold it too.
JOB_FUNCS = (JOB_FUNC, "tracker.run.scheduler:run_scheduled_snapshot")
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
        organisations_path: the organisations file (read again at each run), or None for the shipped one.
    """

    endpoint: str
    ecosystems_path: str | None = None
    ecosystems: tuple[str, ...] = ()
    strategy: str = "auto"
    concurrency: int = 4
    timeout: float = 30.0
    retry_budget: float = 900.0
    organisations_path: str | None = None

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


# --- the stored state, as data --------------------------------------------------------------------------

# Every global a state written by APScheduler 3.11 for our job names (cron fields and expressions of any
# crontab `parse_schedule` admits; zones as ZoneInfo, or datetime.timezone for a fixed offset).
_ALLOWED = {
    ("apscheduler.triggers.cron", "CronTrigger"),
    *(
        ("apscheduler.triggers.cron.fields", name)
        for name in ("BaseField", "WeekField", "DayOfMonthField", "DayOfWeekField", "MonthField")
    ),
    *(
        ("apscheduler.triggers.cron.expressions", name)
        for name in (
            "AllExpression",
            "RangeExpression",
            "MonthRangeExpression",
            "WeekdayRangeExpression",
            "WeekdayPositionExpression",
            "LastDayOfMonthExpression",
        )
    ),
    ("datetime", "datetime"),
    ("datetime", "timedelta"),
    ("datetime", "timezone"),
    ("zoneinfo", "ZoneInfo"),
}
_PLAIN = (str, int, float, bool, type(None))


class StoredJobRefused(ValueError):
    """A stored job state this code will not load: it names what no job of ours holds, or is unreadable.
    The message is the reason, on one line."""

    def __init__(self, reason: str) -> None:
        super().__init__(one_line(reason, limit=300))


def _zone_getattr(owner: object, name: str) -> Any:
    """The one `getattr` a job state holds: a ZoneInfo pickles as `getattr(ZoneInfo, "_unpickle")(key, 1)`."""
    if owner is ZoneInfo and name == "_unpickle":
        return ZoneInfo._unpickle
    raise StoredJobRefused(f"its state asks for {name!r} of {getattr(owner, '__qualname__', type(owner))!r}")


class _JobStateUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) == ("builtins", "getattr"):
            return _zone_getattr
        if (module, name) in _ALLOWED:
            return super().find_class(module, name)
        raise StoredJobRefused(
            f"its state names {f'{module}.{name}'!r}, which no job of `tracker schedule` holds"
        )


def _is_plain(value: object) -> bool:
    return isinstance(value, _PLAIN) or (
        isinstance(value, list) and all(isinstance(v, _PLAIN) for v in value)
    )


def load_job_state(data: bytes) -> dict[str, Any]:
    """The state APScheduler stored for our job (the dict `Job.__setstate__` takes), read without running
    anything it names; StoredJobRefused unless it is our job: our callable, no positional arguments, plain
    keyword arguments, a cron trigger."""
    try:
        state = _JobStateUnpickler(io.BytesIO(data)).load()
    except StoredJobRefused:
        raise
    except Exception as exc:  # noqa: BLE001 - whatever the bytes break, they are refused, never half-read
        raise StoredJobRefused(f"its state cannot be read ({one_line(exc, limit=120)})") from None
    if not isinstance(state, dict) or state.get("version") != 1:
        raise StoredJobRefused("its state is not a job of `tracker schedule`")
    if state.get("func") not in JOB_FUNCS:
        raise StoredJobRefused(f"it runs {one_line(repr(state.get('func')), limit=120)}, not {JOB_FUNC}")
    kwargs = state.get("kwargs")
    if (
        state.get("args") not in ((), [])
        or not isinstance(kwargs, dict)
        or not all(isinstance(k, str) and _is_plain(v) for k, v in kwargs.items())
        or not isinstance(state.get("trigger"), CronTrigger)
        or not isinstance(state.get("next_run_time"), datetime | None)
    ):
        raise StoredJobRefused("its state is not a job of `tracker schedule` (arguments or trigger)")
    return state


# --- health at a glance (`tracker runs`) --------------------------------------------------------------


def load_schedule(engine: Engine, *, now: datetime) -> StoredSchedule | None:
    """The schedule stored in the database, or None when `tracker schedule` never ran on it;
    StoredJobRefused when its state is not our job's.

    The next run time is the row's own column; the cron and zone come from the state through
    `load_job_state`: the job is never built, nor its callable imported."""
    if not inspect(engine).has_table(JOBS_TABLE):
        return None
    table = SQLAlchemyJobStore(engine=engine, tablename=JOBS_TABLE).jobs_t  # the table's shape, no I/O
    with engine.connect() as connection:
        row = connection.execute(
            select(table.c.next_run_time, table.c.job_state).where(table.c.id == JOB_ID)
        ).first()
    if row is None:
        return None
    state = load_job_state(bytes(row.job_state))
    trigger = state["trigger"]
    timezone = str(trigger.timezone)
    schedule = Schedule(str(state["kwargs"].get("cron") or trigger), timezone, trigger)
    next_run_time = utc_timestamp_to_datetime(row.next_run_time)
    return StoredSchedule(schedule.cron, timezone, next_run_time, schedule.period(now))


def describe_schedule(engine: Engine, *, now: datetime) -> list[str]:
    """The stored schedule and whether a run is overdue, as lines; none when no schedule is stored."""
    try:
        schedule = load_schedule(engine, now=now)
    except StoredJobRefused as exc:
        return [f"schedule: refusing the stored job {JOB_ID!r}: {exc}"]
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
