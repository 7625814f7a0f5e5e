"""What a running schedule tells people: after each complete run its digest (files in `--digest-dir`, the
summary and one notice per alert rule that fired, to every `--notify` URL); an alert when a run fails, is
skipped, or the snapshots are overdue.

Nothing here may fail or delay a run: the run is recorded before any of this starts, messages go out
from the notifier's own thread (`tracker.report.notify.Notifier`: retried with backoff, then logged), and any
error in making a digest is logged and swallowed. The URLs live in this process only: never in the
database, never in the scheduler's job store, never in clear in a log line.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session

from tracker.core.crontab import OVERDUE_SLACK, format_duration, format_when
from tracker.report.markdown_table import text
from tracker.report.notify import Message, Notifier, Target
from tracker.run.snapshot import error_text
from tracker.storage import loads

logger = logging.getLogger("tracker.notices")  # kept: operators filter on it


class Notices:
    """The schedule's messages and digest files. Every method returns normally, whatever happens.

    Args:
        engine: the tracker's database (read only here).
        targets: where to send (none: digests are still written to `digest_dir`).
        digest_dir: a folder for each run's digest files (Markdown, HTML, JSON), or None.
        rules: alert rules (`tracker.report.alerts`), checked on each run's digest.
        dashboard_url: linked from each summary.
        notifier: the sender (default: a `Notifier` over `targets`); tests pass one with short backoffs.
    """

    def __init__(
        self,
        engine: Engine,
        *,
        targets: Sequence[Target] = (),
        digest_dir: str | Path | None = None,
        rules: Sequence = (),
        dashboard_url: str | None = None,
        notifier: Notifier | None = None,
        labels: Mapping[str, str] | None = None,
        events_path: str | None = None,
    ) -> None:
        self.engine = engine
        self.events_path = events_path  # the user's events file, read again for each digest
        self.labels = dict(labels or {})
        self.digest_dir = Path(digest_dir) if digest_dir else None
        self.rules = tuple(rules)
        self.dashboard_url = dashboard_url
        self.notifier = notifier if notifier is not None else (Notifier(targets) if targets else None)
        self._overdue_for: int | None = None  # the last complete run an overdue alert was sent for
        self._period: timedelta | None = None

    @property
    def active(self) -> bool:
        """Whether there is anything to do after a run (somewhere to send, or a folder to write)."""
        return self.notifier is not None or self.digest_dir is not None

    def _events(self) -> tuple | None:
        """The shipped events and the user's file, read again (None: the shipped ones alone, also when the
        file has turned unreadable since the schedule started: logged, the digest still made)."""
        if not self.events_path:
            return None
        from tracker.core.events import EventsError, load_events  # with the digest: see run_complete

        try:
            return load_events(self.events_path)
        except EventsError as exc:
            logger.error("events file not read, the shipped events alone are used: %s", exc)
            return None

    def _post(self, message: Message) -> None:
        if self.notifier is not None:
            self.notifier.post(message)

    # --- after a run -------------------------------------------------------------------------------

    def run_complete(self, run_id: int) -> None:
        """The run's digest: written to the digest folder, its summary and fired rules sent."""
        if not self.active:
            return
        # The digest (pandas): loaded only when there is one to make, not by a schedule without --notify
        # or --digest-dir, which waits days between runs.
        from tracker.report import digest_render
        from tracker.report.digest import build

        try:
            digest = build(
                self.engine,
                run_id,
                rules=self.rules,
                dashboard_url=self.dashboard_url,
                labels=self.labels,
                hub_events=self._events(),
            )
        except Exception as exc:  # noqa: BLE001 - the run is recorded; a digest must not break the schedule
            logger.error("digest of run %d not made: %s", run_id, error_text(exc))
            return
        if self.digest_dir is not None:
            try:
                write_digest_files(digest, self.digest_dir)
            except Exception as exc:  # noqa: BLE001 - a full disk must not stop the notifications
                logger.error(
                    "digest of run %d not written to %s: %s", run_id, self.digest_dir, error_text(exc)
                )
        for alert in digest.data["alerts"]["fired"]:
            logger.warning("alert: %s", alert["line"])
        title, body = digest_render.summary(digest)
        self._post(Message(title, body, "info"))
        for title, body in digest_render.alert_notices(digest):
            self._post(Message(title, body, "warning"))

    def run_failed(self, tick: datetime | None, error: str, run_id: int | None) -> None:
        """A run that failed: its error, one line (as data: it may quote what a server answered)."""
        which = f"Run {run_id}" if run_id is not None else "The run"
        due = f" (due {format_when(tick)})" if tick is not None else ""
        self._post(
            Message(
                f"Snapshot failed: {which.lower()}",
                f"{which}{due} failed: {text(error)}. It is recorded as failed; the next scheduled run will "
                "try again.",
                "failure",
            )
        )
        self.check_overdue()

    def run_skipped(self, tick: datetime | None, reason: str) -> None:
        """A scheduled run not taken: another snapshot was running, a setting could not be read, or it was
        missed too long ago to catch up."""
        due = f"due {format_when(tick)} " if tick is not None else ""
        self._post(Message("Snapshot skipped", f"The snapshot {due}was skipped: {reason}.", "warning"))
        self.check_overdue()

    def check_overdue(self, *, now: datetime | None = None) -> None:
        """An alert, once per last complete run, when that run is older than the schedule's period and a
        day (as `tracker runs` says it; the period from `set_period`)."""
        if self.notifier is None or self._period is None:
            return
        now = now or datetime.now(UTC)
        try:
            with Session(self.engine) as session:
                last = loads.load_last_complete_run(session)
        except Exception as exc:  # noqa: BLE001 - an unreadable database is logged by the run itself
            logger.debug("overdue check skipped: %s", error_text(exc))
            return
        limit = self._period + OVERDUE_SLACK
        if last is None or now - last.taken_at <= limit or self._overdue_for == last.id:
            return
        self._overdue_for = last.id
        age = format_duration(now - last.taken_at)
        self._post(
            Message(
                "Snapshots overdue",
                f"The last complete run (run {last.id}, taken {format_when(last.taken_at)}) is {age} old, "
                "more than the schedule's period and a day. `tracker runs` lists the runs and their errors.",
                "failure",
            )
        )

    def set_period(self, period: timedelta) -> None:
        """The schedule's period (the longest time between two fire times), for the overdue check."""
        self._period = period

    def close(self, wait: float = 60.0) -> None:
        """Let queued messages go out (up to `wait` seconds), then stop the sender."""
        if self.notifier is not None:
            self.notifier.close(wait)


def digest_names(digest) -> dict[str, str]:  # noqa: ANN001 - a tracker.report.digest.Digest
    """The files of a run's digest, by format: dated, and named for the run (`2026-11-30-run-42.html`)."""
    from tracker.report.digest_render import SUFFIXES  # pandas: loaded only when a digest is written

    run = digest.data["run"]
    stem = f"{run['taken_at'][:10]}-run-{run['id']}"
    return {fmt: f"{stem}.{suffix}" for fmt, suffix in SUFFIXES.items()}


def write_digest_files(digest, directory: Path) -> list[Path]:  # noqa: ANN001 - a tracker.report.digest.Digest
    """The digest in every format into `directory` (made if missing). A file already there (an earlier
    week's, or this run's written before) is never overwritten: each is written aside, then linked into
    place, which fails if the name exists."""
    from tracker.report.digest_render import render  # pandas: loaded only when a digest is written

    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for fmt, name in digest_names(digest).items():
        path = directory / name
        if path.exists():
            logger.info("digest %s already written: kept", path)
            continue
        handle, temporary = tempfile.mkstemp(dir=directory, prefix=f".{name}.", suffix=".tmp")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(render(digest, fmt))
            try:
                os.link(temporary, path)
            except FileExistsError:
                logger.info("digest %s already written: kept", path)
                continue
        finally:
            os.unlink(temporary)
        written.append(path)
    if written:
        logger.info("digest of run %d written: %s", digest.run_id, ", ".join(str(p) for p in written))
    return written
