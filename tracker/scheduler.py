"""The scheduled job's stored reference, kept where databases already hold it.

`tracker schedule` stores its job in the database as the text `tracker.scheduler:run_scheduled_snapshot`
(APScheduler resolves it at each start). Databases written before the code moved to `tracker.run` hold
that text, and new jobs store it too, so this name must keep resolving. (Where a start changed the job's
arguments, APScheduler stored `tracker.run.scheduler:run_scheduled_snapshot` instead: both names are the
only callables a stored job may name, see `tracker.run.scheduled_job.JOB_FUNCS`.)
"""

from __future__ import annotations

from tracker.run.scheduler import run_scheduled_snapshot

__all__ = ["run_scheduled_snapshot"]
