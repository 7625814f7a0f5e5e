"""Which files of the weekly archive repeat an earlier week (DESIGN.md, "History before the first snapshot").

Each dated file copies the last upstream dump made before its date, so a week without a new dump repeats
the one before: the same file, or the same rows written again (another order, another compression). Such
a file is not a week of data and is not imported. Data is compared, never names, cheapest test first:

1. the content hash (`ArchiveSource.content_hash`: the Hub gives it without a byte of the file read): the
   same bytes as an earlier week of new data;
2. else the rows the footer gives: a file of a row count no earlier week has holds other data (the Hub
   grows every day), and is imported at once;
3. else the rows' digest (`tracker.core.week_digest`), reading only its columns, against the digests of the
   earlier weeks of that row count: the same rows written again.

An imported file's facts are recorded (`archive_week`) with its run; a repeat's with the week it repeats,
so a later backfill skips it again without reading it (its content hash unchanged). Weeks imported
before these records existed are described on first need (hash and footer; their digest only when a
file of their row count comes).

May import: `tracker.collect`, `tracker.core`, `tracker.storage`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlmodel import Session

from tracker.collect.archive import ArchiveFile, ArchiveSource, CountingFile, error_line, unreadable
from tracker.collect.archive_file import ArchiveFileReader
from tracker.storage import archive_weeks
from tracker.storage.tables.archive import ArchiveWeek

logger = logging.getLogger("tracker.backfill")  # kept: operators filter on it

SAME_BYTES = "the same file"
SAME_ROWS = "the same rows written again"


@dataclass(frozen=True)
class Facts:
    """What a file is, as far as it was read: its hash, its footer's rows, its rows' digest (None: not
    computed: no earlier week has its row count)."""

    content_hash: str | None
    rows: int | None = None
    digest: str | None = None
    bytes_read: int = 0  # what the comparison read of the archive (footers, digests' columns)
    reads: int = 0


@dataclass(frozen=True)
class Verdict:
    """A file's comparison with the earlier weeks: `repeats` the week whose data it repeats (None: new
    data), `how` (`SAME_BYTES`, `SAME_ROWS`), `known` when an earlier backfill found it already."""

    facts: Facts
    repeats: date | None = None
    how: str = ""
    known: bool = False


class Repeats:
    """Compares each file of one backfill with the weeks of new data recorded before it."""

    def __init__(
        self, session: Session, archive: ArchiveSource, listed: list[ArchiveFile], now: Callable[[], datetime]
    ) -> None:
        self.session, self.archive, self.now = session, archive, now
        self.weeks = archive_weeks.load_weeks(session)
        self._listed = {f.day: f for f in listed}
        self._described = False
        self._bytes = self._reads = 0  # read since the last check began

    def check(self, file: ArchiveFile) -> Verdict:
        """Whether `file` repeats an earlier week of new data. A file that cannot be read here is not a
        repeat: its import says what is wrong with it. The facts count what was read to decide."""
        self._bytes = self._reads = 0
        verdict = self._check(file)
        return replace(verdict, facts=replace(verdict.facts, bytes_read=self._bytes, reads=self._reads))

    def _check(self, file: ArchiveFile) -> Verdict:
        content_hash = self.archive.content_hash(file)
        known = self.weeks.get(file.day)
        if known is not None and known.repeats is not None and known.content_hash == content_hash:
            return Verdict(Facts(content_hash, known.rows, known.digest), known.repeats, "", known=True)
        self._describe_imported()
        earlier = [w for w in self.weeks.values() if w.day < file.day and w.repeats is None]
        if not earlier:
            return Verdict(Facts(content_hash))
        if content_hash is not None:
            for week in earlier:
                if week.content_hash == content_hash:
                    return self._found(file, Facts(content_hash, week.rows, week.digest), week, SAME_BYTES)
        try:
            with _Opened(self, file) as reader:
                rows = reader.footer_rows
                peers = [w for w in earlier if w.rows == rows]
                if not peers:
                    return Verdict(Facts(content_hash, rows))
                digest = reader.read_digest().text
        except Exception as exc:
            if not unreadable(exc):
                raise
            logger.debug("%s: not compared (%s)", file.day, error_line(exc))
            return Verdict(Facts(content_hash))
        for week in peers:
            if self._digest_of(week) == digest:
                return self._found(file, Facts(content_hash, rows, digest), week, SAME_ROWS)
        return Verdict(Facts(content_hash, rows, digest))

    def imported(self, file: ArchiveFile, facts: Facts, rows: int, digest: str) -> None:
        """Record an imported file as a week of new data (with its run, not committed)."""
        self._record(file, facts.content_hash, rows, digest, None)

    def _record(
        self, file: ArchiveFile, content_hash: str | None, rows: int, digest: str | None, repeats: date | None
    ) -> None:
        """What `file` is, stored (not committed) and kept for the files after it."""
        self.weeks[file.day] = archive_weeks.save_week(
            self.session,
            file.day,
            source=self.archive.source(file),
            content_hash=content_hash,
            rows=rows,
            digest=digest,
            repeats=repeats,
            checked_at=self.now(),
        )

    # --- inside -----------------------------------------------------------------------------------

    def _found(self, file: ArchiveFile, facts: Facts, week: ArchiveWeek, how: str) -> Verdict:
        """Record `file` as a repeat of `week` (committed: nothing else of it is stored)."""
        rows = facts.rows if facts.rows is not None else week.rows
        self._record(file, facts.content_hash, rows, facts.digest, week.day)
        self.session.commit()
        return Verdict(facts, week.day, how)

    def count(self, opened: CountingFile) -> None:
        self._bytes += opened.bytes_read
        self._reads += opened.reads

    def _describe_imported(self) -> None:
        """Weeks imported before `archive_week` existed: their hash and footer, once per backfill."""
        if self._described:
            return
        self._described = True
        days = sorted(d for d in archive_weeks.imported_days(self.session) if d not in self.weeks)
        if days:
            logger.info("describing %s week(s) imported before repeats were looked for", len(days))
        for day in days:
            file = self._listed.get(day)
            if file is None:
                continue
            try:
                with _Opened(self, file) as reader:
                    rows = reader.footer_rows
            except Exception as exc:
                if not unreadable(exc):
                    raise
                logger.info("%s: cannot be described (%s)", day, error_line(exc))
                continue
            self._record(file, self.archive.content_hash(file), rows, None, None)
        self.session.commit()

    def _digest_of(self, week: ArchiveWeek) -> str | None:
        """An earlier week's digest: as recorded, else computed from its file now (and recorded)."""
        if week.digest is not None:
            return week.digest
        file = self._listed.get(week.day)
        if file is None:
            return None
        try:
            with _Opened(self, file) as reader:
                week.digest = reader.read_digest().text
        except Exception as exc:
            if not unreadable(exc):
                raise
            logger.info("%s: no digest (%s)", week.day, error_line(exc))
            return None
        self.session.add(week)
        self.session.commit()
        return week.digest


class _Opened:
    """A file opened with its footer read (no column chunk yet), closed on leaving."""

    def __init__(self, repeats: Repeats, file: ArchiveFile) -> None:
        self.repeats, self.file = repeats, file
        self._opened: CountingFile | None = None

    def __enter__(self) -> ArchiveFileReader:
        self._opened = self.repeats.archive.open(self.file)
        return ArchiveFileReader(self._opened, ())

    def __exit__(self, *exc: object) -> None:
        if self._opened is not None:
            self.repeats.count(self._opened)
            self._opened.close()
