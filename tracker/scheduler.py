"""The scheduled job's stored reference, kept where databases already hold it.

`tracker schedule` stores its job in the database as the text `tracker.scheduler:run_scheduled_snapshot`
(APScheduler resolves it at each start). Databases written before the code moved to `tracker.run` hold
that text, and new jobs store it too, so this name must keep resolving.
"""

from __future__ import annotations

from tracker.run.scheduler import run_scheduled_snapshot

__all__ = ["run_scheduled_snapshot"]
