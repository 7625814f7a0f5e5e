"""The weekly archive's files as backfills found them (`archive_week`): read them all, write one.

May import: `tracker.storage`.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Session, col, select

from tracker.storage.tables.archive import ArchiveWeek
from tracker.storage.tables.runs import SnapshotRun


def load_weeks(session: Session) -> dict[date, ArchiveWeek]:
    """Every file found so far, by date."""
    return {w.day: w for w in session.exec(select(ArchiveWeek).order_by(col(ArchiveWeek.day)))}


def save_week(
    session: Session,
    day: date,
    *,
    source: str,
    content_hash: str | None,
    rows: int,
    digest: str | None,
    repeats: date | None,
    checked_at: datetime,
) -> ArchiveWeek:
    """Record what a file is (replacing what an earlier backfill recorded of its date); not committed."""
    week = session.get(ArchiveWeek, day) or ArchiveWeek(
        day=day, source=source, rows=rows, checked_at=checked_at
    )
    week.source, week.content_hash, week.rows = source, content_hash, rows
    week.digest, week.repeats, week.checked_at = digest, repeats, checked_at
    session.add(week)
    return week


def imported_days(session: Session) -> set[date]:
    """The dates of the complete runs imported from the archive."""
    query = select(SnapshotRun.taken_at).where(
        SnapshotRun.status == "complete", SnapshotRun.strategy == "archive"
    )
    return {t.date() for t in session.exec(query)}
