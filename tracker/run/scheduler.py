"""`tracker schedule`: snapshots on a cron, from one job kept in the tracker's own database (the job and its
settings: `tracker.run.scheduled_job`; what each run does: `tracker.run.scheduled_run`).

Why it is built this way (measured facts: notes/tooling.md section 5; operating it: docs/operations.md):

- The job is stored in the database it fills (APScheduler's SQLAlchemyJobStore, table `apscheduler_jobs`),
  so a run missed while the process was down is caught up at the next start: coalesce=True folds the
  missed times into the latest, and the misfire grace (6 days for the weekly default, see `Schedule.grace`)
  lets that one run. APScheduler's default grace, 1 second, would silently skip it.
- The job is added only when absent, never re-added with replace_existing: that recomputes its next run
  time from now and drops a pending missed run without a word. A changed cron or setting is applied to
  the stored job in place, and a pending missed run stays due.
- Jobs run in the scheduler's own thread, the main one: SIGTERM and SIGINT interrupt a crawl exactly as
  they interrupt `tracker snapshot` (the run is recorded as failed, "interrupted"), and the stored next
  run time moves on only once a run has ended. A stop during a crawl keeps its scheduled time due, and so
  does a crawl killed outright: the next start takes it again.
- Before crawling, a run checks that no complete run of the same ecosystems was taken at or after its
  scheduled time, so no scheduled time is ever counted twice (a manual snapshot counts too).
- The stored job holds plain settings (strings and numbers): not the database URL, which may carry a
  password (the job runs on the database it is stored in), and never the token, read from HF_TOKEN at
  each run. Nor anything of the notifications (`tracker.run.notices`): their URLs carry secrets, and live in
  this process only.
- The database is not trusted with code: job states are read through an allow-list (`load_job_state`),
  never `pickle.loads`; a refused row stops the scheduler with one line and stays in place. Each run takes
  this process's settings, not the stored ones: a row changed behind our back redirects no token.
- What people hear of a run (its digest, alerts) comes after the run is recorded and goes out from the
  notifier's own thread: a notification can neither fail a run nor hold up the schedule.
"""

from __future__ import annotations

import logging
import signal
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.events import EVENT_JOB_MISSED, EVENT_SCHEDULER_STARTED, JobExecutionEvent, SchedulerEvent
from apscheduler.executors.debug import DebugExecutor
from apscheduler.job import Job
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.base import STATE_STOPPED
from apscheduler.schedulers.blocking import BlockingScheduler
from sqlalchemy import and_, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from tracker.core.crontab import (
    Schedule,
    ScheduleError,
    format_duration,
    format_when,
    same_trigger,
)
from tracker.core.errors import one_line
from tracker.run.notices import Notices
from tracker.run.scheduled_job import (
    JOB_FUNC,
    JOB_ID,
    JOBS_TABLE,
    SnapshotSettings,
    StoredJobRefused,
    load_job_state,
)
from tracker.run.scheduled_run import take_snapshot_due
from tracker.storage import database

logger = logging.getLogger("tracker.scheduler")  # kept: operators filter on it

NOTICES_WAIT = 30.0  # seconds a stopping scheduler gives queued notifications to go out


# --- the stored job's entry ------------------------------------------------------------------------------


_active: SnapshotScheduler | None = None
_active_lock = threading.Lock()


def run_scheduled_snapshot(**stored: Any) -> str:
    """The stored job: one snapshot inside the running `tracker schedule`, with that process's settings
    (the stored arguments are a record for `tracker runs`, which a row changed in the database cannot
    turn into a crawl of another endpoint)."""
    runner = _active
    if runner is None:
        raise RuntimeError("run_scheduled_snapshot runs only inside `tracker schedule`")
    return runner.take_scheduled_snapshot(runner.settings)


# --- the scheduler ----------------------------------------------------------------------------------------


class _JobStore(SQLAlchemyJobStore):
    """APScheduler's SQLAlchemy job store, reading job states through the allow-list and keeping the
    stored run time due when a stop interrupts its run."""

    def __init__(self, runner: SnapshotScheduler, **options: Any) -> None:
        super().__init__(**options)
        self._runner = runner

    def _reconstitute_job(self, job_state: bytes) -> Job:  # APScheduler's, with load_job_state
        state = load_job_state(bytes(job_state))
        state["jobstore"] = self
        job = Job.__new__(Job)
        job.__setstate__(state)
        job._scheduler = self._scheduler
        job._jobstore_alias = self._alias
        return job

    def lookup_job(self, job_id: str) -> Job | None:
        try:
            return super().lookup_job(job_id)
        except StoredJobRefused as exc:
            raise self._runner.refuse(job_id, exc) from None

    def _get_jobs(self, *conditions: Any) -> list[Job]:
        # APScheduler's own, but a row it cannot load is refused and left in place, not deleted.
        query = select(self.jobs_t.c.id, self.jobs_t.c.job_state).order_by(self.jobs_t.c.next_run_time)
        with self.engine.begin() as connection:
            rows = connection.execute(query.where(and_(*conditions)) if conditions else query).all()
        jobs = []
        for row in rows:
            try:
                jobs.append(self._reconstitute_job(row.job_state))
            except StoredJobRefused as exc:
                self._runner.refuse(row.id, exc)
        return jobs

    def update_job(self, job: Job) -> None:
        # APScheduler moves the next run time on after each run; a run a signal cut short stays due.
        if not (self._runner.interrupted and self._runner.outcome in (None, "interrupted")):
            super().update_job(job)


class _RunHereExecutor(DebugExecutor):
    """Runs each job in the scheduler's thread, telling the runner which scheduled time it serves."""

    def __init__(self, runner: SnapshotScheduler) -> None:
        super().__init__()
        self._runner = runner

    def _do_submit_job(self, job: Job, run_times: list[datetime]) -> None:
        self._runner.tick, self._runner.outcome = run_times[-1], None
        try:
            super()._do_submit_job(job, run_times)
        finally:
            self._runner.tick = None
            self._runner.ran = True


class _Scheduler(BlockingScheduler):
    """A BlockingScheduler that, once a stop is requested, looks at no more jobs and shuts down."""

    def __init__(self, runner: SnapshotScheduler, **options: Any) -> None:
        self._runner = runner
        super().__init__(**options)

    def _process_jobs(self) -> float | None:
        # Stopping from inside the loop: after a shutdown() from elsewhere, the base loop makes one more
        # pass over the jobs and would run or consume a due one (notes/tooling.md section 5).
        wait = None if self._runner.stopping else super()._process_jobs()
        if self._runner.stopping:
            if self.state != STATE_STOPPED:
                self.shutdown(wait=False)
            return None
        self._runner.after_pass()
        return wait


class SnapshotScheduler:
    """Takes a snapshot at each fire time of a schedule, with a job persisted in the database.

    `run()` blocks until `stop()` (from any thread), SIGTERM or SIGINT. Attributes: `scheduler` (the
    APScheduler BlockingScheduler), `outcomes` (what each run of this process did: complete, failed,
    busy, covered, interrupted or error).
    """

    def __init__(
        self,
        engine: Engine,
        schedule: Schedule,
        settings: SnapshotSettings,
        *,
        run_now: bool = False,
        notices: Notices | None = None,
    ) -> None:
        self.engine = engine
        self.notices = notices if notices is not None else Notices(engine)
        self.schedule = schedule
        self.settings = settings
        self.run_now = run_now
        self.outcomes: list[str] = []
        self.stopping = False
        self.tick: datetime | None = None  # the scheduled time of the run in progress
        self.outcome: str | None = None  # and what it did, once known
        self.ran = False
        self.interrupted = False
        self._error: ScheduleError | None = None
        self._jobstore = _JobStore(self, engine=engine, tablename=JOBS_TABLE)
        self.scheduler = _Scheduler(
            self,
            jobstores={"default": self._jobstore},
            executors={"default": _RunHereExecutor(self)},
            timezone=schedule.trigger.timezone,
        )
        self.scheduler.add_listener(self._on_started, EVENT_SCHEDULER_STARTED)
        self.scheduler.add_listener(self._on_missed, EVENT_JOB_MISSED)

    # --- running and stopping -----------------------------------------------------------------------

    def run(self) -> None:
        """Take snapshots on the schedule until stopped; a requested stop returns normally."""
        global _active
        with _active_lock:
            if _active is not None:
                raise ScheduleError("a scheduler is already running in this process")
            _active = self
        previous = self._handle_signals()
        try:
            self.scheduler.start()
        except KeyboardInterrupt:
            if not self.interrupted:
                raise
        except SQLAlchemyError as exc:
            raise ScheduleError(
                f"cannot use the job store in {database.mask_url(self.engine.url)}: {one_line(exc)}"
            ) from None
        finally:
            try:
                if self.scheduler.state != STATE_STOPPED:
                    self.scheduler.shutdown(wait=False)
            finally:
                for signum, handler in previous.items():
                    signal.signal(signum, signal.SIG_DFL if handler is None else handler)
                with _active_lock:
                    _active = None
                self.notices.close(NOTICES_WAIT)
        if self._error is not None:
            raise self._error
        logger.info("scheduler stopped")

    def stop(self) -> None:
        """Ask for a stop, from any thread: a run in progress ends first, then run() returns."""
        self.stopping = True
        if self.scheduler.running:
            self.scheduler.wakeup()

    def _handle_signals(self) -> dict[int, Any]:
        """SIGTERM and SIGINT stop the scheduler (signals reach only the main thread); the old handlers."""
        if threading.current_thread() is not threading.main_thread():
            return {}
        return {signum: signal.signal(signum, self._on_signal) for signum in (signal.SIGTERM, signal.SIGINT)}

    def _on_signal(self, signum: int, frame: object) -> None:
        name = signal.Signals(signum).name
        if self.stopping:
            logger.warning("%s: already stopping", name)
            return
        busy = "; the run in progress is recorded as failed and taken again at the next start"
        logger.info("%s: stopping%s", name, busy if self.tick is not None else "")
        self.stopping = self.interrupted = True
        # Like `tracker snapshot`: the crawl runs in this thread, and the interrupt unwinds it, recording
        # the run as failed ("interrupted"); when idle, it ends the scheduler's wait.
        raise KeyboardInterrupt

    # --- the stored job -----------------------------------------------------------------------------

    def refuse(self, job_id: str, exc: StoredJobRefused) -> ScheduleError:
        """A stored job the allow-list refused: stop, saying why (the first refusal is the one said)."""
        error = ScheduleError(
            f"refusing the stored job {one_line(repr(job_id), limit=80)} in {JOBS_TABLE}: {exc}; "
            "`tracker schedule` never stores such a job, so someone who can write to the database may "
            "have: look at the row, then delete it to store the schedule afresh"
        )
        self._error = self._error or error
        self.stop()
        return error

    def _on_started(self, event: SchedulerEvent) -> None:
        """Check every stored job, then add ours if absent, else bring it up to date in place; a failure
        stops the scheduler."""
        try:
            self._jobstore.get_all_jobs()  # a row the allow-list refuses stops us now, not once it is due
            if self._error is None:
                self._reconcile(datetime.now(UTC))
        except ScheduleError:
            return  # a refused row: `refuse` has recorded why and stopped the scheduler
        except Exception as exc:  # noqa: BLE001 - APScheduler would only log it: stop, and say why
            self._error = ScheduleError(
                f"cannot store the schedule in {database.mask_url(self.engine.url)}: {one_line(exc)}"
            )
            self.stop()

    def _reconcile(self, now: datetime) -> None:
        self.notices.set_period(self.schedule.period(now))
        options = {"coalesce": True, "max_instances": 1, "misfire_grace_time": self._grace_seconds(now)}
        logger.info(
            "scheduling snapshots: cron %s (%s), database %s, endpoint %s, ecosystems %s, catch-up grace %s",
            self.schedule.cron,
            self.schedule.timezone,
            database.mask_url(self.engine.url),
            self.settings.endpoint,
            ", ".join(self.settings.ecosystems) or "those enabled in the ecosystems file",
            format_duration(timedelta(seconds=options["misfire_grace_time"])),
        )
        kwargs = self.settings.job_kwargs(self.schedule)
        job = self.scheduler.get_job(JOB_ID)
        if job is None:
            first = {"next_run_time": now} if self.run_now else {}
            self.scheduler.add_job(
                JOB_FUNC,
                self.schedule.trigger,
                id=JOB_ID,
                name="tracker snapshot",
                kwargs=kwargs,
                **options,
                **first,
            )
            logger.info("stored the schedule in the database")
        else:
            due = job.next_run_time is not None and job.next_run_time <= now
            changes: dict[str, Any] = {k: v for k, v in options.items() if getattr(job, k) != v}
            if job.kwargs != kwargs:
                changes.update(kwargs=kwargs, func=JOB_FUNC)  # else APScheduler stores where it is defined
            if not same_trigger(job.trigger, self.schedule.trigger):
                logger.info(
                    "schedule changed from %s to %s", job.kwargs.get("cron", job.trigger), self.schedule.cron
                )
                changes["trigger"] = self.schedule.trigger
                # A pending missed run keeps its time (APScheduler then counts the missed runs on from it
                # with the new trigger); otherwise the next run is the new cron's.
                if not due:
                    changes["next_run_time"] = self.schedule.trigger.get_next_fire_time(None, now)
            if due:
                self._log_missed(job.next_run_time, now)
            elif self.run_now:
                changes["next_run_time"] = now
            if changes:
                self.scheduler.modify_job(JOB_ID, **changes)
        self._log_next_run()

    def _grace_seconds(self, now: datetime) -> int:
        return max(1, round(self.schedule.grace(now).total_seconds()))

    def _log_missed(self, since: datetime, now: datetime) -> None:
        # With the trigger the job runs on from now (a changed cron included), as APScheduler counts them.
        missed = list(self.schedule.times_between(since, now))
        latest, late, grace = missed[-1], now - missed[-1], self.schedule.grace(now)
        what = (
            f"{len(missed)} scheduled runs, from {format_when(missed[0])} to"
            if len(missed) > 1
            else "the run"
        )
        if late <= grace:
            logger.info("%s due %s missed while stopped: catching up once, now", what, format_when(latest))
        else:
            logger.warning(
                "%s due %s missed while stopped: %s late, more than the %s grace, so skipped (a snapshot "
                "now would come too close to the next)",
                what,
                format_when(latest),
                format_duration(late),
                format_duration(grace),
            )
            self.notices.run_skipped(
                latest,
                f"missed while the scheduler was stopped, {format_duration(late)} late, more than the "
                f"{format_duration(grace)} grace (a snapshot now would come too close to the next)",
            )

    def _log_next_run(self) -> None:
        job = self.scheduler.get_job(JOB_ID)
        if job is not None and job.next_run_time is not None:
            due = job.next_run_time <= datetime.now(UTC)
            logger.info("next run %s", "now" if due else format_when(job.next_run_time))

    def after_pass(self) -> None:
        """After a pass over the due jobs: say when the next run is, if one ran."""
        if self.ran:
            self.ran = False
            self._log_next_run()

    def _on_missed(self, event: JobExecutionEvent) -> None:
        if event.job_id == JOB_ID:  # APScheduler's own warning says by how much
            self.outcomes.append("missed")

    # --- one run ------------------------------------------------------------------------------------

    def take_scheduled_snapshot(self, settings: SnapshotSettings) -> str:
        """One scheduled run, as `tracker snapshot` would take it; returns (and records) its outcome."""
        try:
            self.outcome = take_snapshot_due(self, settings)
        except KeyboardInterrupt:
            if not self.interrupted:
                raise
            self.outcome = self.outcome or "interrupted"  # a signal after the run completed leaves it so
        self.outcomes.append(self.outcome)
        return self.outcome
