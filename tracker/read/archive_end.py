"""Where the weekly archive's new data ends and the live snapshots begin (`tracker runs`, `tracker
backfill`, the dashboard's archive caption).

The archive's real end is its last imported week of new data: files after it that repeat it
(`archive_week.repeats`, found by `tracker backfill`) hold no new week. The time between that week and the
first live snapshot after it has no data: the snapshot's deltas run from that week, and its weekly rates
are divided by the true number of weeks (docs/methodology.md, "Gaps between runs"); charts show that
time as a gap, never as a flat line.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.engine import Engine

from tracker.storage.handles import ARCHIVE_WEEKS, RUNS

SHOWN = 6  # repeated dates named in a line; more are counted


@dataclass(frozen=True)
class ArchiveEnd:
    """The archive's weeks as imported: the last of new data, the files that repeat one, the first live
    snapshot after it."""

    last_new: date | None  # the latest imported archive week (a complete archive run's date)
    repeats: tuple[tuple[date, date], ...] = ()  # (file's date, the week it repeats), by date
    first_live: datetime | None = None  # the first complete live snapshot after `last_new`

    @property
    def trailing(self) -> tuple[date, ...]:
        """The files after the last week of new data (all repeats of it, or of weeks before)."""
        if self.last_new is None:
            return ()
        return tuple(day for day, _ in self.repeats if day > self.last_new)

    @property
    def gap_days(self) -> int | None:
        """Days between the last week of new data and the first live snapshot after it."""
        if self.last_new is None or self.first_live is None:
            return None
        return (self.first_live.astimezone(UTC).date() - self.last_new).days

    def lines(self) -> list[str]:
        """What a reader of `tracker runs` should know, a sentence a line ([] without archive runs)."""
        if self.last_new is None:
            return []
        out = []
        inner = [(d, r) for d, r in self.repeats if d <= self.last_new]
        if inner:
            out.append(
                f"archive weeks not imported, repeating an earlier week: {_pairs(inner)} "
                "(their deltas are carried by the next week of new data)"
            )
        trailing = self.trailing
        end = f"the weekly archive's new data ends on {self.last_new}"
        if trailing:
            end += f"; its later files repeat it and were not imported: {_dates(trailing)}"
        out.append(end)
        if self.first_live is not None:
            weeks = (self.gap_days or 0) / 7
            out.append(
                f"live snapshots begin on {self.first_live.astimezone(UTC):%Y-%m-%d}, {weeks:.1f} weeks "
                f"after it: no data between (a gap, not zero growth); that snapshot's deltas run from "
                f"{self.last_new}, its weekly rates over those {weeks:.1f} weeks"
            )
        return out


def _dates(days: tuple[date, ...] | list[date]) -> str:
    shown = ", ".join(str(d) for d in days[:SHOWN])
    more = len(days) - SHOWN
    return shown + (f" and {more} more" if more > 0 else "")


def _pairs(pairs: list[tuple[date, date]]) -> str:
    shown = ", ".join(f"{d} (repeats {r})" for d, r in pairs[:SHOWN])
    more = len(pairs) - SHOWN
    return shown + (f" and {more} more" if more > 0 else "")


def load_archive_end(engine: Engine) -> ArchiveEnd:
    """The archive's end as the database records it."""
    complete = RUNS.c.status == "complete"
    with engine.connect() as conn:
        archived = [
            t for (t,) in conn.execute(select(RUNS.c.taken_at).where(complete, RUNS.c.strategy == "archive"))
        ]
        if not archived:
            return ArchiveEnd(None)
        last = max(_utc(t) for t in archived)
        repeats = conn.execute(
            select(ARCHIVE_WEEKS.c.day, ARCHIVE_WEEKS.c.repeats)
            .where(ARCHIVE_WEEKS.c.repeats.is_not(None))
            .order_by(ARCHIVE_WEEKS.c.day)
        ).all()
        first_live = conn.execute(
            select(RUNS.c.taken_at)
            .where(complete, RUNS.c.strategy != "archive", RUNS.c.taken_at > last)
            .order_by(RUNS.c.taken_at)
            .limit(1)
        ).scalar()
    return ArchiveEnd(
        last.date(),
        tuple((_day(d), _day(r)) for d, r in repeats),
        _utc(first_live) if first_live is not None else None,
    )


def _utc(t: datetime) -> datetime:
    """A stored instant as zone-aware UTC (Core selects bypass SQLModel's type on some back-ends)."""
    return t.replace(tzinfo=UTC) if t.tzinfo is None else t.astimezone(UTC)


def _day(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))
