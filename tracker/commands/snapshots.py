"""`tracker snapshot`, `tracker runs` and `tracker schedule`."""

from __future__ import annotations

import logging
import os
from datetime import UTC, datetime
from pathlib import Path

import click

from tracker.commands.digest import (
    alerts_option,
    dashboard_url_option,
    describe_targets,
    load_alert_rules,
    load_targets,
    notify_option,
)
from tracker.commands.options import (
    database_option,
    ecosystems_file_option,
    endpoint_option,
    events_file_option,
    open_database,
    organisations_file_option,
    parse_instant,
    stop_on_sigterm,
)
from tracker.core.organisations import Organisations, default_organisations_path

# --- snapshots -------------------------------------------------------------------------------------

logger = logging.getLogger("tracker.commands.snapshots")


@click.command()
@database_option
@ecosystems_file_option
@organisations_file_option
@endpoint_option
@click.option(
    "--ecosystem",
    "names",
    multiple=True,
    metavar="NAME",
    help="Crawl this ecosystem (repeatable); default: those enabled in the ecosystems file.",
)
@click.option(
    "--strategy",
    type=click.Choice(["auto", "tree", "scan"]),
    default="auto",
    show_default=True,
    envvar="TRACKER_STRATEGY",
    help="tree: list the children of each member (the real Hub gives no child counts on listings); "
    "scan: read every model of the Hub once; auto: the cheaper, estimated from the previous run's "
    "forest and this Hub's previous scan, else from the roots' child counts and the real Hub's size.",
)
@click.option(
    "--taken-at",
    "taken_at_text",
    metavar="ISO8601",
    help="Record the run at this instant (replays, backfills); default: now. Always a new run.",
)
@click.option(
    "--concurrency",
    type=click.IntRange(1, 32),
    default=4,
    show_default=True,
    envvar="TRACKER_CONCURRENCY",
    help="Requests in flight at once (tree strategy).",
)
@click.option(
    "--timeout",
    type=click.FloatRange(0.1),
    default=30.0,
    show_default=True,
    help="Seconds before a request without an answer is abandoned (and retried).",
)
@click.option(
    "--retry-budget",
    type=click.FloatRange(0),
    default=900.0,
    show_default=True,
    help="Seconds a request may keep failing (429, 5xx, timeouts, bad JSON) before the run fails.",
)
def snapshot(
    database_url: str,
    ecosystems_path: str | None,
    organisations: Organisations,
    endpoint: str,
    names: tuple[str, ...],
    strategy: str,
    taken_at_text: str | None,
    concurrency: int,
    timeout: float,
    retry_budget: float,
) -> None:
    """Crawl the ecosystems now and record one snapshot run.

    Finds every model derived from the roots (finetunes, adapters, quantizations, merges and
    their derivatives in turn) with its figures, and stores them under a new run, which ends
    complete or failed. A run left running by a crash is closed as failed first.
    """
    # The crawl and the database (huggingface_hub, SQLAlchemy, Alembic): loaded when the command runs, so
    # `tracker --help` and the other commands stay fast.
    from tracker.collect.hub import HubClient
    from tracker.collect.progress import ProgressReporter
    from tracker.collect.transport import HubError
    from tracker.core.ecosystems import EcosystemsError, load_ecosystems, select_ecosystems
    from tracker.run.snapshot import missing_roots_text, take_snapshot
    from tracker.storage.database import SnapshotBusy

    taken_at = parse_instant(taken_at_text, "--taken-at") if taken_at_text else None
    try:
        ecosystems = select_ecosystems(load_ecosystems(ecosystems_path), list(names) or None)
    except EcosystemsError as exc:
        raise click.ClickException(str(exc)) from None
    try:
        client = HubClient(
            endpoint, token=os.environ.get("HF_TOKEN") or None, timeout=timeout, retry_budget=retry_budget
        )
    except HubError as exc:
        raise click.ClickException(str(exc)) from None
    engine = open_database(database_url)
    stop_on_sigterm()
    try:
        with client, ProgressReporter(client) as progress:
            result = take_snapshot(
                engine,
                client,
                ecosystems,
                strategy=strategy,
                taken_at=taken_at,
                concurrency=concurrency,
                on_progress=progress.update,
                organisations=organisations,
            )
    except SnapshotBusy as exc:
        raise click.ClickException(str(exc)) from None
    except HubError as exc:
        raise click.ClickException(f"snapshot failed (run recorded as failed): {exc}") from None
    finally:
        engine.dispose()
    missing = missing_roots_text(result.missing_roots)  # one line, however many: the log names each
    click.echo(
        f"run {result.run_id} complete: {result.models:,} models, {result.requests:,} requests "
        f"({result.retries:,} retries), {result.strategy} strategy, {result.seconds:.1f} s{missing}"
    )


@click.command()
@database_option
@click.option("--limit", type=click.IntRange(1), default=20, show_default=True, help="Newest runs to show.")
def runs(database_url: str, limit: int) -> None:
    """List snapshot runs, newest first: id, taken at, status, strategy, models, requests, duration.

    With runs from the weekly archive, a line says where its new data ends (later files that repeat it
    are not imported) and where the live snapshots begin. When `tracker schedule` runs on the database,
    the last lines give its schedule, its next run,
    and whether a snapshot is overdue (the last complete one older than the schedule's period plus
    a day, or a scheduled run not taken). It only reads: a database that is not there is refused,
    never created.
    """
    from sqlmodel import Session

    # The schedule's job and the database (APScheduler, SQLAlchemy, Alembic): loaded when the command
    # runs, so `tracker --help` and the other commands stay fast.
    from tracker.read.archive_end import load_archive_end
    from tracker.run.scheduled_job import describe_schedule
    from tracker.storage.loads import load_runs

    engine = open_database(database_url, create=False)
    try:
        with Session(engine) as session:
            rows = load_runs(session, limit=limit)
        archive_lines = load_archive_end(engine).lines()
        schedule_lines = describe_schedule(engine, now=datetime.now(UTC))
    finally:
        engine.dispose()
    if not rows:
        click.echo("\n".join(["no runs yet: take one with `tracker snapshot`", *schedule_lines]))
        return
    header = ("id", "taken at (UTC)", "status", "strategy", "models", "requests", "duration")
    click.echo("{:>5}  {:<19} {:<9} {:<8} {:>9} {:>9} {:>9}  error".format(*header))
    for run in rows:
        duration = f"{(run.finished_at - run.started_at).total_seconds():.0f} s" if run.finished_at else "-"
        click.echo(
            f"{run.id:>5}  {run.taken_at.astimezone(UTC):%Y-%m-%d %H:%M:%S} {run.status:<9} "
            f"{run.strategy:<8} {run.models:>9,} {run.requests:>9,} {duration:>9}  {run.error or ''}"
        )
    for line in archive_lines:
        click.echo(line)
    for line in schedule_lines:
        click.echo(line)


# --- the schedule ----------------------------------------------------------------------------------


@click.command()
@database_option
@ecosystems_file_option
@organisations_file_option
@endpoint_option
@click.option(
    "--cron",
    envvar="TRACKER_SCHEDULE",
    default="0 6 * * mon",
    show_default=True,
    metavar="CRONTAB",
    help="When to snapshot: a five-field crontab, minute hour day month weekday [env TRACKER_SCHEDULE].",
)
@click.option(
    "--timezone",
    "timezone_name",
    envvar="TRACKER_TIMEZONE",
    default="UTC",
    show_default=True,
    metavar="ZONE",
    help="IANA time zone the crontab is read in, e.g. Europe/Paris [env TRACKER_TIMEZONE].",
)
@click.option(
    "--run-now", is_flag=True, help="Also take a snapshot at start (unless a missed one is due then)."
)
@notify_option(envvar="TRACKER_NOTIFY")
@click.option(
    "--digest-dir",
    envvar="TRACKER_DIGEST_DIR",
    metavar="DIR",
    help="Write each run's digest there (Markdown, HTML, JSON; dated names, never overwritten) "
    "[env TRACKER_DIGEST_DIR].",
)
@alerts_option
@dashboard_url_option
@events_file_option
def schedule(
    database_url: str,
    ecosystems_path: str | None,
    organisations: Organisations,
    endpoint: str,
    cron: str,
    timezone_name: str,
    run_now: bool,
    notify_urls: tuple[str, ...],
    digest_dir: str | None,
    alerts_path: str | None,
    dashboard_url: str | None,
    events_path: str | None,
    names: tuple[str, ...],
    strategy: str,
    concurrency: int,
    timeout: float,
    retry_budget: float,
) -> None:
    """Take snapshots on a cron schedule until stopped (SIGTERM or Ctrl-C; exit status 0).

    Each run is what `tracker snapshot` with the same options takes. The schedule is kept in the
    database itself, so a run missed while the scheduler was down is caught up once at the next start
    (when less than 6/7 of a period late: 6 days for the weekly default). One run at a time, also
    against a manual `tracker snapshot`: a run that finds another going waits for the next scheduled
    time. A stop during a run records it as failed (interrupted); the next start takes it again.
    HF_TOKEN is read at each run, never stored. After each run, --notify sends its digest's summary
    (and one notice per --alerts rule that fired) to each URL, and an alert when a run fails, is
    skipped, or the snapshots are overdue; --digest-dir keeps each run's digest. A notification that
    fails is retried, then logged: it never fails the run. Operating it as a service:
    docs/operations.md.
    """

    # The crawl, the scheduler and the database (huggingface_hub, APScheduler, Apprise, SQLAlchemy): loaded
    # when the command runs, so `tracker --help` and the other commands stay fast.
    from tracker.collect.hub import HubClient
    from tracker.collect.transport import HubError
    from tracker.core.crontab import ScheduleError, parse_schedule
    from tracker.core.ecosystems import EcosystemsError, labels_of, load_ecosystems, select_ecosystems
    from tracker.run.notices import Notices
    from tracker.run.scheduled_job import SnapshotSettings
    from tracker.run.scheduler import SnapshotScheduler

    try:
        plan = parse_schedule(cron, timezone_name)
    except ScheduleError as exc:
        raise click.ClickException(str(exc)) from None
    # Checked now, as `tracker snapshot` would: a typo must fail at start, not at the first run a week on.
    try:
        known = load_ecosystems(ecosystems_path)
        tracked = select_ecosystems(known, list(names) or None)
        HubClient(endpoint, timeout=timeout, retry_budget=retry_budget).close()
    except (EcosystemsError, HubError) as exc:
        raise click.ClickException(str(exc)) from None
    targets = load_targets(notify_urls)
    rules = load_alert_rules(alerts_path, tracked)
    folder = Path(digest_dir).resolve() if digest_dir else None
    if folder is not None:
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            reason = exc.strerror or exc
            raise click.ClickException(f"cannot use --digest-dir {digest_dir}: {reason}") from None
        if not os.access(folder, os.W_OK):
            raise click.ClickException(f"cannot use --digest-dir {digest_dir}: not writable")
    settings = SnapshotSettings(
        endpoint=endpoint,
        ecosystems_path=str(Path(ecosystems_path).resolve()) if ecosystems_path else None,
        ecosystems=tuple(names),
        strategy=strategy,
        concurrency=concurrency,
        timeout=timeout,
        retry_budget=retry_budget,
        # The file's path, read again at each run (checked now): None for the shipped one.
        organisations_path=None
        if organisations.source == str(default_organisations_path())
        else str(Path(organisations.source).resolve()),
    )
    if not logging.getLogger().isEnabledFor(logging.DEBUG):
        logging.getLogger("apscheduler").setLevel(logging.WARNING)  # our own lines say what it does
    engine = open_database(database_url)
    if targets:
        logger.info("notifying %d: %s", len(targets), describe_targets(targets))
    if rules:
        logger.info("alert rules: %d, from %s", len(rules), alerts_path)
    notices = Notices(
        engine,
        targets=targets,
        digest_dir=folder,
        rules=rules,
        dashboard_url=dashboard_url,
        labels=labels_of(known),
        events_path=str(Path(events_path).resolve()) if events_path else None,
    )
    try:
        SnapshotScheduler(engine, plan, settings, run_now=run_now, notices=notices).run()
    except ScheduleError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        engine.dispose()


# The crawl options are `snapshot`'s own objects: the two commands cannot drift apart.
schedule.params.extend(
    p for p in snapshot.params if p.name in ("names", "strategy", "concurrency", "timeout", "retry_budget")
)
