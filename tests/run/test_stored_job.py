"""A schedule stored before the code moved into packages by stage still loads and runs the same function.

Operators' databases hold the job `tracker schedule` stored, with its textual reference
`tracker.scheduler:run_scheduled_snapshot`; APScheduler resolves it at every start. The row here was
written by commit 2463396 (see tests/payloads/README.md).
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import Engine, insert

from tests.support.paths import PAYLOADS
from tracker.run.scheduled_job import JOB_FUNC, JOB_ID, JOBS_TABLE, SnapshotSettings, describe_schedule
from tracker.run.scheduler import run_scheduled_snapshot

STORED = json.loads((PAYLOADS / "apscheduler-job-2463396.json").read_text(encoding="utf-8"))


def store_the_old_row(engine: Engine) -> SQLAlchemyJobStore:
    """The job store on `engine`, holding the row the old code wrote, byte for byte."""
    store = SQLAlchemyJobStore(engine=engine, tablename=JOBS_TABLE)
    store.start(BackgroundScheduler(), "default")  # creates the table, as `tracker schedule` does
    with engine.begin() as connection:
        connection.execute(
            insert(store.jobs_t).values(
                id=STORED["id"],
                next_run_time=STORED["next_run_time"],
                job_state=base64.b64decode(STORED["job_state_base64"]),
            )
        )
    return store


def test_the_stored_reference_is_unchanged() -> None:
    assert JOB_FUNC == "tracker.scheduler:run_scheduled_snapshot"
    assert STORED["id"] == JOB_ID


def test_a_job_stored_by_the_old_code_resolves_to_todays_function(engine: Engine) -> None:
    store = store_the_old_row(engine)
    job = store.lookup_job(JOB_ID)
    assert job is not None
    assert job.func is run_scheduled_snapshot
    assert job.func_ref == JOB_FUNC
    assert SnapshotSettings.from_kwargs(job.kwargs) == SnapshotSettings(
        endpoint="http://127.0.0.1:9", ecosystems=("llama",)
    )
    assert str(job.trigger) == "cron[month='*', day='*', day_of_week='mon', hour='6', minute='0']"


def test_tracker_runs_lists_the_old_schedule(engine: Engine) -> None:
    store_the_old_row(engine)
    now = datetime(2026, 12, 7, 1, 48, tzinfo=UTC)  # when the row was written: the next run that day
    assert (
        describe_schedule(engine, now=now)[0] == "schedule: 0 6 * * mon (UTC), next run 2026-12-07 06:00 UTC"
    )
