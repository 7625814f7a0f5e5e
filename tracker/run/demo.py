"""The offline demo: the Hub emulator on the real catalogue, one run per real week, into a database.

The real catalogue holds 16 weeks of real Hub lineage (additions in the weeks ending 2025-03-19 to
2025-07-02). As a new user would, the demo first imports the history before its first snapshot from
the Hub's weekly archive (the emulated `hfmlsoc/hub_weekly_snapshots`, read as `tracker backfill`
reads it): the first half of the weeks. Then it moves the emulator's clock to the end of each later
week in turn and records a snapshot there (`taken_at` is that instant), so the weekly figures are
real weeks and the dashboard shows both kinds of run. It tracks the ecosystems the shipped file
enables: Llama and its four rivals (36,451 models in the last week). The emulator applies the real
Hub's rules, and each snapshot takes the strategy a user's would (`auto`): with the archive's runs in
the database, the scan (about 120 to 140 requests: the pages of 1,000 and the roots' lookups) against a
tree of one listing per member (about 35,000).

Two things spare time and change nothing stored: the emulator's weekly archive files (the real Hub
has them already; the emulator writes each when first asked: a quarter of the demo's work) are
written ahead by forked processes while the weeks before are imported; and only the last `LINEAGE_RUNS`
runs get the lineage explorer's index, which each run would otherwise write for the next two to delete.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import TextIO

from sqlalchemy.engine import Engine

from tracker.collect.archive import ArchiveFile, CountingFile, HubArchive
from tracker.collect.archive_file import FileProgress
from tracker.collect.hub import HubClient
from tracker.collect.progress import LiveLine
from tracker.core.ecosystems import Ecosystem
from tracker.core.hub_view import OrganisationsLike
from tracker.core.organisations import load_organisations
from tracker.emulator import load_catalogue
from tracker.emulator.archive.repository import Archive
from tracker.emulator.builders.real_lineage import REAL_DEFAULT_NOW, REAL_FIRST_WEEK
from tracker.emulator.catalogue import Catalogue
from tracker.emulator.routes.server import HubEmulator
from tracker.run.backfill import run_backfill, taken_at_of
from tracker.run.demo_progress import time_left
from tracker.run.snapshot import endpoint_key, take_snapshot
from tracker.storage.rollups import LINEAGE_RUNS

logger = logging.getLogger("tracker.demo")  # kept: operators filter on it
WEEK_SECONDS = 7 * 86_400


def demo_instants(weeks: int | None = None) -> list[int]:
    """The end of each real week of the catalogue (epoch seconds), the first `weeks` of them."""
    total = (REAL_DEFAULT_NOW - REAL_FIRST_WEEK) // WEEK_SECONDS
    count = total if weeks is None else max(1, min(weeks, total))
    return [REAL_FIRST_WEEK + (i + 1) * WEEK_SECONDS for i in range(count)]


@dataclass(frozen=True)
class DemoWeek:
    """One demo week: which, from where (the emulated weekly archive or a snapshot), what it recorded.

    `seconds`: the run's own time; `wall`: the week's, from the end of the week before (or the catalogue
    loaded) to its end, waits included; `left`: the estimate of the weeks left (`time_left`), None on
    the last."""

    index: int
    weeks: int
    taken_at: datetime
    source: str  # "archive" or "snapshot"
    models: int
    seconds: float
    cost: str  # what it read: requests of a snapshot, bytes of an archive file
    wall: float = 0.0
    left: float | None = None


def archive_weeks(weeks: int) -> int:
    """How many of the demo's first weeks come from the emulated archive: the first half."""
    return weeks // 2


def week_kinds(weeks: int) -> list[str]:
    """Each week's kind, in order: "archive" for the first half, "snapshot" for the rest."""
    return ["archive"] * archive_weeks(weeks) + ["snapshot"] * (weeks - archive_weeks(weeks))


# --- the archive's files, written ahead ------------------------------------------------------------


def _write_files(catalogue: Catalogue, labels: list[date], folder: str, done: Connection) -> None:
    """In a forked writer: each weekly file into `folder`, as the emulator writes it, in order."""
    archive = Archive(catalogue, cache_dir=folder)
    for label in labels:
        archive.weekly(label)
        done.send(label)
    done.close()


@dataclass
class _Writer:
    """One forked writer: its process, the pipe it says each file on, the files it writes."""

    process: BaseProcess
    said: Connection | None
    labels: list[date]


class _FilesAhead:
    """The archive weeks' files, written by forked processes into the emulator's archive folder while the
    demo imports the weeks before (the emulator would write each when first asked, the demo waiting).
    Same catalogue, same bytes: the emulator finds them in its folder and serves them as its own.

    `WRITERS` writers, each every other file: writing a file costs about twice importing it."""

    WRITERS = 2

    def __init__(self, catalogue: Catalogue, labels: list[date], folder: str) -> None:
        self._done: set[date] = set()
        self._writers: list[_Writer] = []
        if not labels or "fork" not in mp.get_all_start_methods():
            return
        context = mp.get_context("fork")  # the children read the catalogue from the memory they inherit
        try:
            for n in range(min(self.WRITERS, len(labels))):
                mine = labels[n :: self.WRITERS]
                said, child = context.Pipe(duplex=False)
                process = context.Process(
                    target=_write_files,
                    args=(catalogue, mine, folder, child),
                    name=f"demo-archive-{n}",
                    daemon=True,
                )
                process.start()
                child.close()
                self._writers.append(_Writer(process, said, mine))
        except BaseException:
            self.stop()
            raise

    def wait(self, label: date) -> None:
        """Until the file of `label` is written; at once if its writer stopped (the emulator writes it)."""
        writer = next((w for w in self._writers if label in w.labels), None)
        while writer is not None and writer.said is not None and label not in self._done:
            try:
                self._done.add(writer.said.recv())
            except (EOFError, OSError):
                writer.said = None
                logger.info("an archive writer stopped; the emulator writes its files itself")

    def stop(self) -> None:
        for writer in self._writers:
            if writer.process.is_alive():
                writer.process.terminate()
            writer.process.join(timeout=10)
            if writer.said is not None:
                writer.said.close()
        self._writers = []


class _DemoArchive:
    """The emulated archive, each file opened once its writer has written it."""

    def __init__(self, archive: HubArchive, ahead: _FilesAhead, status: _Status) -> None:
        self.archive, self.ahead, self.status = archive, ahead, status

    def files(self) -> list[ArchiveFile]:
        return self.archive.files()

    def open(self, file: ArchiveFile) -> CountingFile:
        self.status.step(f"waiting for the emulator's archive file of {file.day}")
        self.ahead.wait(file.day)
        self.status.step("reading the archive file")
        return self.archive.open(file)

    def source(self, file: ArchiveFile) -> str:
        return self.archive.source(file)

    def content_hash(self, file: ArchiveFile) -> str | None:
        """The Hub's hash of the file, once its writer has written it (the emulator would otherwise write
        it itself, to hash it)."""
        self.status.step(f"waiting for the emulator's archive file of {file.day}")
        self.ahead.wait(file.day)
        return self.archive.content_hash(file)


# --- where the demo is -----------------------------------------------------------------------------


@dataclass
class _Status:
    """What the live line says: the week, its step, and a snapshot's requests so far."""

    weeks: int
    week: str = "loading the real catalogue"
    text: str = ""
    client: HubClient | None = None
    began: float = field(default_factory=time.monotonic)

    def start(self, index: int, kind: str, day: date) -> None:
        self.week, self.text, self.client = f"week {index}/{self.weeks} ({kind} {day})", "", None
        self.began = time.monotonic()

    def step(self, text: str) -> None:
        self.text = text

    def file_read(self, file: ArchiveFile, progress: FileProgress) -> None:
        if progress.row_groups_done < progress.row_groups:
            self.text = (
                f"reading the archive file: row group {progress.row_groups_done}/{progress.row_groups}"
            )
        else:
            read = f"{progress.bytes_read / 1e6:,.1f} of {progress.size / 1e6:,.1f} MB"
            self.text = f"archive file read ({read}, {progress.rows:,} rows); storing and rolling up"

    def line(self) -> str:
        where = self.text
        if self.client is not None:
            c = self.client.counters
            where = f"{where}, " if where else ""
            where += f"{c.requests:,} requests, {c.retries:,} retries"
        return f"demo: {self.week}{': ' if where else ''}{where}, {time.monotonic() - self.began:.0f} s"


def run_demo(
    engine: Engine,
    ecosystems: Sequence[Ecosystem],
    *,
    weeks: int | None = None,
    strategy: str = "auto",
    on_week: Callable[[DemoWeek], None] | None = None,
    stream: TextIO | None = None,
    organisations: OrganisationsLike | None = None,
) -> list[DemoWeek]:
    """Start the emulator (real catalogue) on a free port; import the first half of the weeks from its
    weekly archive (`tracker backfill`), then record one live snapshot per week for the rest. Every run
    records the whole-Hub view (`organisations`: the shipped file when None).

    Where a week is: a line on `stream` (stderr by default) rewritten each second on a terminal, logged
    every 30 s elsewhere."""
    instants = demo_instants(weeks)
    kinds = week_kinds(len(instants))
    days = [datetime.fromtimestamp(instant, UTC).date() for instant in instants]
    started = time.perf_counter()
    catalogue = load_catalogue("real")
    logger.info("real catalogue loaded in %.1f s", time.perf_counter() - started)
    folder = tempfile.mkdtemp(prefix="tracker-demo-archive-")
    ahead: _FilesAhead | None = None
    emulator: HubEmulator | None = None
    try:
        # Forked first, while this process runs no other thread (the emulator's, the live line's).
        ahead = _FilesAhead(catalogue, days[: kinds.count("archive")], folder)
        emulator = HubEmulator(catalogue, now=instants[0], archive_cache=folder)
        emulator.start()
        status = _Status(len(instants))
        with LiveLine(status.line, stream=stream) as live:
            return _weeks(
                engine,
                ecosystems,
                emulator,
                ahead,
                instants,
                kinds,
                strategy,
                status,
                live,
                on_week,
                organisations if organisations is not None else load_organisations(),
            )
    finally:
        if ahead is not None:
            ahead.stop()
        if emulator is not None:
            emulator.stop()
        shutil.rmtree(Path(folder), ignore_errors=True)


def _weeks(
    engine: Engine,
    ecosystems: Sequence[Ecosystem],
    emulator: HubEmulator,
    ahead: _FilesAhead,
    instants: list[int],
    kinds: list[str],
    strategy: str,
    status: _Status,
    live: LiveLine,
    on_week: Callable[[DemoWeek], None] | None,
    organisations: OrganisationsLike,
) -> list[DemoWeek]:
    """The demo's weeks: the archive's, then the snapshots."""
    days = [datetime.fromtimestamp(instant, UTC).date() for instant in instants]
    from_archive = kinds.count("archive")
    done: list[DemoWeek] = []
    walls: list[float] = []
    last = time.perf_counter()

    def record(week: DemoWeek) -> None:
        nonlocal last
        now = time.perf_counter()
        walls.append(now - last)
        last = now
        week = replace(
            week, wall=walls[-1], left=time_left(kinds, walls) if len(walls) < len(kinds) else None
        )
        done.append(week)
        if len(done) < len(kinds):
            status.start(len(done) + 1, kinds[len(done)], days[len(done)])
        if on_week is not None:
            with live.held():
                on_week(week)

    # Only the last LINEAGE_RUNS runs keep a lineage index: the runs before would write one for nothing.
    def indexed(i: int) -> bool:
        return i >= len(instants) - LINEAGE_RUNS

    status.start(1, kinds[0], days[0])
    if from_archive:

        def imported(outcome) -> None:  # noqa: ANN001 - a FileOutcome
            if outcome.status != "imported":
                raise RuntimeError(
                    f"the demo's archive week {outcome.day} was {outcome.status}: {outcome.reason}"
                )
            cost = f"{outcome.bytes_read / 1e6:,.1f} of {outcome.size / 1e6:,.1f} MB read from the archive"
            taken = taken_at_of(outcome.day)
            record(
                DemoWeek(
                    len(done) + 1, len(instants), taken, "archive", outcome.models, outcome.seconds, cost
                )
            )

        run_backfill(
            engine,
            _DemoArchive(HubArchive(emulator.url), ahead, status),
            ecosystems,
            since=days[0],
            until=days[from_archive - 1],
            endpoint=endpoint_key(emulator.url),
            on_file=imported,
            on_progress=status.file_read,
            lineage=indexed(from_archive - 1),  # the files before the last are never among the last runs
            organisations=organisations,
        )
    ahead.stop()
    for i in range(from_archive, len(instants)):
        emulator.set_now(instants[i])
        taken_at = datetime.fromtimestamp(instants[i], UTC)
        with HubClient(emulator.url) as client:  # a client per run: its counters are the run's
            status.client = client
            status.step("scanning the emulated Hub")
            result = take_snapshot(
                engine,
                client,
                ecosystems,
                strategy=strategy,
                taken_at=taken_at,
                on_progress=lambda p: status.step(f"{p.ecosystem} depth {p.depth}: {p.models:,} models"),
                lineage=indexed(i),
                organisations=organisations,
            )
        cost = f"{result.requests:,} requests ({result.strategy})"
        record(
            DemoWeek(len(done) + 1, len(instants), taken_at, "snapshot", result.models, result.seconds, cost)
        )
    return done
