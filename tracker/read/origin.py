"""Where a database's runs came from: the Hub, or the Hub emulator on this machine (the demo's).

The rule, from columns every run has (no schema change): a database was recorded from the emulator
when it holds complete runs and every one of them records an endpoint on a loopback address
(`127.0.0.0/8`, `::1`, `localhost`; `snapshot_run.endpoint`). The demo's snapshots record the
emulator's `http://127.0.0.1:<port>`, and so do its imports of the emulated weekly archive (their
`source` names the archive file); the real Hub is never on a loopback address. A run recording no
endpoint (an older run, an import of a local archive folder) is not known to be the emulator's, so one
such run, or one run from elsewhere, makes the database not an emulator's.

Its ids and lineage are real when every complete run lies in the weeks of real Hub lineage the
emulator's real catalogue replays (`REAL_LINEAGE`: `tracker.emulator.builders.real_lineage`'s first
week to its default clock), as the demo's do; the emulator's other catalogues (synthetic, for tests and
development) make them up, and their clocks lie elsewhere.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from tracker.storage.handles import RUNS

# The weeks of real lineage the emulator's real catalogue replays (REAL_FIRST_WEEK to REAL_DEFAULT_NOW).
REAL_LINEAGE = (datetime(2025, 3, 12, tzinfo=UTC), datetime(2025, 7, 2, tzinfo=UTC))


@dataclass(frozen=True)
class Origin:
    """What a database's complete runs say of where they came from.

    Fields:
        runs: complete runs.
        emulated: every one of them crawled the emulator (a loopback endpoint): see the module's rule.
        real_lineage: emulated, and all within the weeks of real lineage the demo replays.
        first: the first complete run's `taken_at` (zone-aware UTC), None without runs.
    """

    runs: int
    emulated: bool
    real_lineage: bool
    first: datetime | None


def is_loopback(endpoint: str | None) -> bool:
    """Whether an endpoint (`scheme://host[:port]/path`) names this machine by a loopback address."""
    if not endpoint:
        return False
    host = urlsplit(endpoint if "//" in endpoint else f"//{endpoint}").hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _utc(value: datetime | str | None) -> datetime | None:
    """A stored timestamp as zone-aware UTC (SQLite gives naive text or datetimes, read as UTC)."""
    if value is None:
        return None
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def load_origin(engine: Engine) -> Origin:
    """Where the database's complete runs came from (one small query: runs grouped by endpoint)."""
    query = (
        select(RUNS.c.endpoint, func.count(), func.min(RUNS.c.taken_at), func.max(RUNS.c.taken_at))
        .where(RUNS.c.status == "complete")
        .group_by(RUNS.c.endpoint)
    )
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    runs = sum(int(row[1]) for row in rows)
    firsts = [t for t in (_utc(row[2]) for row in rows) if t is not None]
    lasts = [t for t in (_utc(row[3]) for row in rows) if t is not None]
    first = min(firsts) if firsts else None
    emulated = runs > 0 and all(is_loopback(row[0]) for row in rows)
    real = emulated and first is not None and REAL_LINEAGE[0] <= first and max(lasts) <= REAL_LINEAGE[1]
    return Origin(runs=runs, emulated=emulated, real_lineage=real, first=first)


def line(found: Origin) -> str | None:
    """The one line (Markdown) that says so, for a database recorded from the emulator; None otherwise.

    What it says: ids and lineage real (the demo's weeks) or made up (any other emulated catalogue),
    figures synthetic either way, and where the history starts: part-way through the Hub's life, so its
    first run already holds every model made before it and growth multiples count from there."""
    if not found.emulated or found.first is None:
        return None
    start = f"{found.first:%d %b %Y}".lstrip("0")
    what = (
        "model ids and lineage are real Hub data; downloads, likes and trending scores are synthetic"
        if found.real_lineage
        else "model ids, lineage, downloads, likes and trending scores are all synthetic"
    )
    return (
        f"**Demo data** from the Hub emulator: {what}. The history starts on {start}, mid-way through "
        "the Hub's life: its first run already holds every model made before it."
    )
