"""`tracker backfill`: history before the first snapshot, from the Hub's public weekly archive."""

from __future__ import annotations

import logging
import os
import sys
import time
from datetime import UTC, date, datetime

import click

from tracker.commands.options import (
    database_option,
    ecosystems_file_option,
    endpoint_option,
    open_database,
    organisations_file_option,
    stop_on_sigterm,
)
from tracker.core.archive_names import ARCHIVE_REPO
from tracker.core.organisations import Organisations

logger = logging.getLogger("tracker.progress")


def _day(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise click.BadParameter(f"not a date (YYYY-MM-DD): {text!r}", param_hint=option) from None


class _FileProgress:
    """Bytes read of the file's size, rows, members: live on a terminal, a log line every 30 s otherwise."""

    def __init__(self) -> None:
        self.live = sys.stderr.isatty()
        self._last = 0.0

    def __call__(self, file, progress) -> None:  # noqa: ANN001 - ArchiveFile, FileProgress
        share = f" ({100 * progress.bytes_read / progress.size:.1f}%)" if progress.size else ""
        line = (
            f"{file.day}: {progress.bytes_read:,} of {progress.size:,} bytes read{share}, "
            f"{progress.rows:,} rows, row group {progress.row_groups_done}/{progress.row_groups}, "
            f"{progress.members:,} members"
        )
        if self.live:
            sys.stderr.write("\r\033[K" + line)
            sys.stderr.flush()
        elif time.monotonic() - self._last > 30 or progress.row_groups_done == progress.row_groups:
            self._last = time.monotonic()
            logger.info("%s", line)

    def clear(self) -> None:
        if self.live:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()


@click.command()
@database_option
@ecosystems_file_option
@organisations_file_option
@endpoint_option
@click.option(
    "--archive",
    "repo",
    default=ARCHIVE_REPO,
    show_default=True,
    metavar="REPO",
    help="A dataset repo of the archive's layout (models/<YYYY-MM-DD>/models.parquet) on --endpoint.",
)
@click.option(
    "--from",
    "folder",
    default=None,
    metavar="PATH",
    help="A local folder of the same layout, instead of the Hub.",
)
@click.option("--since", "since_text", metavar="DATE", help="First file date to import (inclusive).")
@click.option("--until", "until_text", metavar="DATE", help="Last file date to import (inclusive).")
@click.option(
    "--ecosystem",
    "names",
    multiple=True,
    metavar="NAME",
    help="Import this ecosystem (repeatable); default: those enabled in the ecosystems file.",
)
def backfill(
    database_url: str,
    ecosystems_path: str | None,
    organisations: Organisations,
    endpoint: str,
    repo: str,
    folder: str | None,
    since_text: str | None,
    until_text: str | None,
    names: tuple[str, ...],
) -> None:
    """Import the Hub's weekly archive of itself: one complete run per dated file.

    Each file (the whole Hub's models at a date, from 2024-07-24) becomes a run at its date, with the
    same lineage rules as a snapshot. Dates already imported, and dates within 7 days of a live run,
    are skipped: safe to rerun, it picks up new weeks. A file that repeats an earlier week's data (the
    archive copies the last upstream dump before each date, so a week without one repeats the week
    before) is not imported: the output names it and the week it repeats. The archive's data is
    ODbL-1.0.
    """
    # The archive's reader and the database (huggingface_hub, pyarrow, SQLAlchemy, Alembic): loaded when the
    # command runs, so `tracker --help` and the other commands stay fast.
    from tracker.collect.archive import ArchiveError, HubArchive, LocalArchive
    from tracker.core.ecosystems import EcosystemsError, load_ecosystems, select_ecosystems
    from tracker.read.archive_end import load_archive_end
    from tracker.run.backfill import run_backfill
    from tracker.run.demo_progress import overall_line, time_left
    from tracker.run.snapshot import endpoint_key, missing_roots_text
    from tracker.storage.database import SnapshotBusy

    if folder is not None and repo != ARCHIVE_REPO:
        raise click.UsageError("give --from PATH or --archive REPO, not both")
    since, until = _day(since_text, "--since"), _day(until_text, "--until")
    try:
        ecosystems = select_ecosystems(load_ecosystems(ecosystems_path), list(names) or None)
    except EcosystemsError as exc:
        raise click.ClickException(str(exc)) from None
    try:
        if folder is not None:
            archive = LocalArchive(folder)
            key = None
        else:
            archive = HubArchive(endpoint, repo, token=os.environ.get("HF_TOKEN") or None)
            key = endpoint_key(endpoint)
    except ArchiveError as exc:
        raise click.ClickException(str(exc)) from None
    engine = open_database(database_url)
    stop_on_sigterm()
    progress = _FileProgress()
    import pyarrow

    # Arrow's default allocator (mimalloc) keeps what each row group frees, per thread: at 2.2 million
    # rows the import peaked about 60 MB higher with it than with the system's.
    pyarrow.set_memory_pool(pyarrow.system_memory_pool())

    began, kinds, took = time.perf_counter(), [], []

    def overall(outcome) -> None:  # noqa: ANN001 - FileOutcome
        """The whole range's progress, with an estimate of what is left (imports only cost time)."""
        kinds.append("import" if outcome.status in ("imported", "failed") else "other")
        took.append(outcome.seconds)
        left = time_left(kinds + ["import"] * (outcome.of - len(kinds)), took)
        line = overall_line(outcome.number, outcome.of, time.perf_counter() - began, left, datetime.now(UTC))
        logger.info("backfill: %s", line.replace("week ", "file ", 1))

    def done(outcome) -> None:  # noqa: ANN001 - FileOutcome
        overall(outcome)
        progress.clear()
        if outcome.status == "imported":
            share = 100 * outcome.bytes_read / outcome.size if outcome.size else 0
            missing = missing_roots_text(outcome.missing_roots, "in the file")
            click.echo(
                f"{outcome.day}: run {outcome.run_id} complete: {outcome.models:,} models of "
                f"{outcome.rows:,} rows, {outcome.bytes_read:,} of {outcome.size:,} bytes read "
                f"({share:.1f}%), {outcome.seconds:.1f} s{missing}"
            )
        elif outcome.status == "failed":
            click.echo(f"{outcome.day}: run {outcome.run_id} failed: {outcome.reason}", err=True)
        elif outcome.status == "repeat" and not outcome.quiet:
            click.echo(f"{outcome.day}: not imported: {outcome.reason}, no new data that week")

    try:
        result = run_backfill(
            engine,
            archive,
            ecosystems,
            since=since,
            until=until,
            endpoint=key,
            on_file=done,
            on_progress=progress,
            organisations=organisations,
        )
        end = load_archive_end(engine)  # where the archive's new data ends (`tracker runs` says it too)
    except (ArchiveError, SnapshotBusy) as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        progress.clear()
        engine.dispose()
    imported, skipped, failed = result.count("imported"), result.count("skipped"), result.count("failed")
    found = sum(1 for f in result.files if f.status == "repeat" and not f.quiet)
    skipped += sum(1 for f in result.files if f.quiet)
    repeated = f", {found} repeat{'s' if found != 1 else ''} of an earlier week" if found else ""
    click.echo(f"backfill: {imported} imported{repeated}, {skipped} skipped, {failed} failed")
    for line in end.lines() if end.trailing else ():
        click.echo(f"backfill: {line}")
    if failed:
        raise click.ClickException(f"{failed} archive file(s) could not be imported (see above)")
