"""The weekly archive's files as `tracker backfill` found them (`tracker.storage.archive_weeks` writes
them): what each file's data is, and whether it repeats an earlier week's (DESIGN.md, "History before the
first snapshot"). A repeated week has no run: this row is all that records it.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Field, SQLModel

import tracker.storage.tables.naming  # noqa: F401 - names the constraints of the tables below


class ArchiveWeek(SQLModel, table=True):
    """One dated file of the Hub's weekly archive.

    Columns:
        day: the file's date (its folder's name).
        source: the file as last read, `repo@revision:path` (as a run's `source`).
        content_hash: the file's bytes' hash: `sha256:<hex>` (the Hub's LFS object id, or computed from a
            local file), `xet:<hex>` or `git:<hex>` where the Hub gives only those; None when not known.
        rows: the rows its footer gives.
        digest: its rows' digest (`tracker.core.week_digest`: the same rows give the same digest in any
            order and compression); None until computed.
        repeats: the date of the earlier week whose data the file repeats (it is not imported); None for a
            week of new data.
        checked_at: when a backfill last compared it (zone-aware UTC).
    """

    __tablename__ = "archive_week"

    day: date = Field(primary_key=True)
    source: str
    content_hash: str | None = Field(default=None, index=True)
    rows: int
    digest: str | None = None
    repeats: date | None = None
    checked_at: datetime
