"""`tracker backfill`: the Hub's weekly archive of itself, one complete run per dated file.

Each file becomes a run under the snapshot's rules and lifecycle: the database's snapshot lock, dead
runs closed first, a `running` run committed level by level, `complete` or `failed` at the end (a file
interrupted half-way leaves a failed run, never a complete one, and the next backfill imports it
again). The run's `taken_at` is the file's date at 00:00 UTC, its `strategy` `archive`, its `source`
the file (`repo@revision:path`). Dates are skipped, with a log line, when:

- a complete live run (`source` = `hub`) was taken within 7 days of them: live runs stand;
- a complete archive run at that date already holds every asked ecosystem (a rerun imports only
  new weeks, or the ecosystems an earlier backfill did not ask for);
- the file repeats an earlier week's data, the same bytes or the same rows written again
  (`tracker.run.repeats`): status `repeat`, naming that week; a later backfill skips it again, quietly.

A file that cannot be read (missing, not Parquet, a column of a wrong type, the Hub failing, over one of
the budgets of `tracker.collect.archive_budget`, or any error of its reading or parsing) fails its date
with one line; the other dates still import. Only an error of the store, or a stop, ends the backfill.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from tracker.collect.archive import (
    ArchiveError,
    ArchiveFile,
    ArchiveSource,
    CountingFile,
    error_line,
    unreadable,
)
from tracker.collect.archive_file import ArchiveFileReader, FileProgress
from tracker.collect.memory import give_back
from tracker.core.ecosystems import Ecosystem
from tracker.core.hub_view import OrganisationsLike
from tracker.core.organisations import load_organisations
from tracker.run.repeats import Repeats, Verdict
from tracker.run.snapshot import RunEnd, error_text, tidy, utcnow
from tracker.storage import database, hub_view, lifecycle, loads, saves
from tracker.storage.tables.runs import SnapshotRun

logger = logging.getLogger("tracker.backfill")  # kept: operators filter on it
LIVE_RUNS_STAND = timedelta(days=7)  # an archive date this close to a live run is not imported


def taken_at_of(day: date) -> datetime:
    """A file's run instant: its date at 00:00 UTC."""
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


@dataclass(frozen=True)
class FileOutcome:
    """What the backfill did with one dated file."""

    day: date
    status: str  # imported, skipped, repeat or failed
    reason: str = ""
    run_id: int | None = None
    models: int = 0
    rows: int = 0
    bytes_read: int = 0
    size: int = 0
    seconds: float = 0.0
    missing_roots: tuple[str, ...] = ()
    repeats: date | None = None  # a repeat's: the week whose data it repeats
    quiet: bool = False  # a repeat an earlier backfill found: not named again
    number: int = 0  # its place among the files in range (1 for the first), and how many they are
    of: int = 0


@dataclass
class BackfillResult:
    """Every dated file in range, in date order, and the dead runs closed first."""

    files: list[FileOutcome] = field(default_factory=list)
    closed_runs: tuple[int, ...] = ()

    def count(self, status: str) -> int:
        return sum(1 for f in self.files if f.status == status)


def in_range(files: Sequence[ArchiveFile], since: date | None, until: date | None) -> list[ArchiveFile]:
    """The files dated within [since, until]; ArchiveError when none is (one line saying the range)."""
    if since and until and since > until:
        raise ArchiveError(f"--since {since} is after --until {until}")
    if not files:
        raise ArchiveError("the archive holds no dated file")
    chosen = [f for f in files if (since is None or f.day >= since) and (until is None or f.day <= until)]
    if not chosen:
        span = f"{files[0].day} to {files[-1].day}"
        asked = f"{since or files[0].day} to {until or files[-1].day}"
        raise ArchiveError(f"no archive file dated {asked}: the archive runs from {span}")
    return chosen


def _skip_reason(session: Session, day: date, ecosystems: Sequence[str]) -> tuple[str, list[str]]:
    """Why this date is not imported ("" when it is), and the ecosystems left to import."""
    at = taken_at_of(day)
    complete = select(SnapshotRun).where(SnapshotRun.status == "complete")
    near = session.exec(
        complete.where(
            SnapshotRun.source == "hub",
            col(SnapshotRun.taken_at) > at - LIVE_RUNS_STAND,
            col(SnapshotRun.taken_at) < at + LIVE_RUNS_STAND,
        ).order_by(col(SnapshotRun.taken_at))
    ).first()
    if near is not None:
        return f"live run {near.id} was taken {near.taken_at:%Y-%m-%d %H:%M} UTC, within 7 days", []
    held: set[str] = set()
    for run in session.exec(complete.where(SnapshotRun.strategy == "archive", SnapshotRun.taken_at == at)):
        held.update(filter(None, run.ecosystems.split(";")))
    todo = [e for e in ecosystems if e not in held]
    if not todo:
        return "already imported", []
    return "", todo


def run_backfill(
    engine: Engine,
    archive: ArchiveSource,
    ecosystems: Sequence[Ecosystem],
    *,
    since: date | None = None,
    until: date | None = None,
    endpoint: str | None = None,
    on_file: Callable[[FileOutcome], None] | None = None,
    on_progress: Callable[[ArchiveFile, FileProgress], None] | None = None,
    now: Callable[[], datetime] = utcnow,
    lineage: bool = True,
    organisations: OrganisationsLike | None = None,
) -> BackfillResult:
    """Import each dated file of `archive` in range as one run; ArchiveError before any import when the
    archive or the range is wrong, SnapshotBusy when a snapshot holds the database.

    `lineage`: False leaves the runs' lineage index out, for a caller that records newer runs next (see
    `tracker.storage.rollups.refresh`). True writes it for the range's last `LINEAGE_RUNS` files only (each
    earlier file's would be deleted as the later ones complete), then for the latest runs if they still lack
    it (`tracker.storage.latest_lineage`: the last files were repeats or failed). Each file's run records
    the whole-Hub view too (`organisations`: the namespaces' organisations and regions, the shipped file
    when None), unless a run at its date already has one (a later import of more ecosystems at the same
    date)."""
    from tracker.storage import latest_lineage  # pandas, as every completed run loads it: not at start-up
    from tracker.storage.rollups import LINEAGE_RUNS  # pandas too: as above

    listed = archive.files()
    files = in_range(listed, since, until)
    organisations = organisations if organisations is not None else load_organisations()
    result = BackfillResult()
    with database.snapshot_lock(engine), Session(engine) as session:
        result.closed_runs = tuple(tidy(engine, session, now()))
        names = [e.name for e in ecosystems]
        repeats = Repeats(session, archive, listed, now)
        for number, file in enumerate(files, 1):
            reason, todo = _skip_reason(session, file.day, names)
            verdict = None if reason else repeats.check(file)
            if verdict is None:
                logger.info("%s: skipped (%s)", file.day, reason)
                outcome = FileOutcome(file.day, "skipped", reason)
            elif verdict.repeats is not None:
                outcome = _repeat(file, verdict)
            else:
                chosen = [e for e in ecosystems if e.name in todo]
                viewed = _has_view(session, file.day)
                outcome = _import(
                    session,
                    archive,
                    file,
                    chosen,
                    endpoint,
                    on_progress,
                    now,
                    lineage and number > len(files) - LINEAGE_RUNS,  # the others' would be deleted
                    None if viewed else organisations,
                    repeats,
                    verdict,
                )
            outcome = replace(outcome, number=number, of=len(files))
            result.files.append(outcome)
            if on_file is not None:
                on_file(outcome)
    if lineage and result.count("imported"):
        latest_lineage.write_missing(engine)
    return result


def _repeat(file: ArchiveFile, verdict: Verdict) -> FileOutcome:
    """A file that repeats an earlier week: not imported; named in the log the first time it is found."""
    assert verdict.repeats is not None
    if verdict.known:
        logger.debug("%s: repeats %s (found before), not imported", file.day, verdict.repeats)
        reason = f"repeats {verdict.repeats}"
        return FileOutcome(file.day, "repeat", reason, repeats=verdict.repeats, quiet=True)
    reason = f"repeats {verdict.repeats} ({verdict.how})"
    logger.info("%s: not imported: %s, no new data", file.day, reason)
    return FileOutcome(file.day, "repeat", reason, repeats=verdict.repeats)


def _has_view(session: Session, day: date) -> bool:
    """Whether a complete run at this date already holds the whole-Hub view."""
    query = select(SnapshotRun.id).where(
        SnapshotRun.status == "complete",
        SnapshotRun.taken_at == taken_at_of(day),
        col(SnapshotRun.hub_models).is_not(None),
    )
    return session.exec(query).first() is not None


def _open(archive: ArchiveSource, file: ArchiveFile) -> CountingFile:
    """The file, opened. Whatever the opening raises is the file's (an ArchiveError): its date fails, the
    backfill goes on; only a stop (KeyboardInterrupt, SystemExit) goes through."""
    try:
        return archive.open(file)
    except Exception as exc:
        if unreadable(exc):
            raise
        raise ArchiveError(f"cannot be opened ({type(exc).__name__}: {error_line(exc)})") from exc


def _import(
    session: Session,
    archive: ArchiveSource,
    file: ArchiveFile,
    ecosystems: Sequence[Ecosystem],
    endpoint: str | None,
    on_progress: Callable[[ArchiveFile, FileProgress], None] | None,
    now: Callable[[], datetime],
    lineage: bool = True,
    organisations: OrganisationsLike | None = None,
    repeats: Repeats | None = None,
    verdict: Verdict | None = None,
) -> FileOutcome:
    """One file as one run, recorded as a week of new data (`repeats`); a file that cannot be read fails its
    run, with one line."""
    began = time.monotonic()
    taken_at = taken_at_of(file.day)
    run_id = lifecycle.begin_run(
        session,
        taken_at=taken_at,
        started_at=now(),
        ecosystems=[e.name for e in ecosystems],
        strategy="archive",
        endpoint=endpoint,
        source=archive.source(file),
    )
    reader: ArchiveFileReader | None = None
    opened: CountingFile | None = None

    checked = verdict.facts if verdict is not None else None  # what deciding it was no repeat read

    def finish(status: RunEnd, error: str | None) -> None:
        reads = (opened.reads if opened is not None else 0) + (checked.reads if checked else 0)
        lifecycle.finish_run(
            session,
            run_id,
            status=status,
            finished_at=now(),
            requests=reads,
            retries=0,
            error=error,
            lineage=lineage,
        )

    try:
        opened = _open(archive, file)
        reader = ArchiveFileReader(
            opened,
            ecosystems,
            on_progress=(lambda p: on_progress(file, p)) if on_progress else None,
            organisations=organisations,
        )
        logger.info(
            "%s: reading %s (%s bytes, %s row groups)%s",
            file.day,
            file.path,
            f"{opened.size:,}",
            reader.row_groups,
            f"; the file has no {', '.join(reader.lacks)}" if reader.lacks else "",
        )
        for batch in reader.batches():
            saves.save_observations(session, run_id, batch.observations, taken_at=taken_at)
            saves.save_memberships(session, run_id, batch.memberships)
            saves.save_edges(session, run_id, batch.edges)
            session.commit()
        if reader.hub_view is not None:
            hub_view.save_view(session, run_id, reader.hub_view)
            reader.hub_view = None
            hub_view.refresh_new(session, run_id)  # before the roll-ups: at the run's lowest memory
            session.commit()
            give_back()  # the roll-ups start from what the crawl and the view leave
    except BaseException as exc:
        session.rollback()
        if not unreadable(exc):  # a fault of ours, or a stop: the run fails and the error goes on
            finish("failed", error_text(exc))
            raise
        error = f"{file.path}: {error_line(exc)}"
        finish("failed", error)
        logger.error("%s: failed: %s", file.day, error)
        if exc.__cause__ is not None:  # an unexpected error, made the file's: its traceback, for --verbose
            logger.debug("%s: what failed", file.day, exc_info=exc.__cause__)
        return FileOutcome(file.day, "failed", error, run_id, seconds=time.monotonic() - began)
    finally:
        if opened is not None:
            opened.close()
    assert reader is not None
    if repeats is not None and verdict is not None:
        repeats.imported(file, verdict.facts, reader.footer_rows, reader.digest.text)
    finish("complete", None)
    run = loads.load_run(session, run_id)
    return FileOutcome(
        file.day,
        "imported",
        "",
        run_id,
        run.models,
        reader.rows,
        reader.bytes_read + (checked.bytes_read if checked else 0),
        reader.size,
        time.monotonic() - began,
        tuple(reader.missing_roots),
    )
