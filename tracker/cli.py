"""The `tracker` command line: parse, call, report. Errors are one line on stderr and a non-zero exit."""

from __future__ import annotations

import logging
import os
import signal
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

import click

logger = logging.getLogger("tracker")


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("-v", "--verbose", count=True, help="More log output (repeat for debug).")
@click.option("-q", "--quiet", is_flag=True, help="Only warnings and errors.")
def cli(verbose: int, quiet: bool) -> None:
    """Track how the open-model ecosystem around Meta's Llama grows on the Hugging Face Hub."""
    level = logging.WARNING if quiet else logging.DEBUG if verbose > 1 else logging.INFO
    logging.basicConfig(
        level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )
    logging.Formatter.converter = time.gmtime  # log timestamps in UTC, like every other time here
    if verbose < 2:
        for noisy in ("httpx", "httpx2", "httpcore", "httpcore2", "huggingface_hub", "alembic"):
            logging.getLogger(noisy).setLevel(logging.WARNING)


# --- shared options (flags, then environment, then defaults) ---------------------------------------

DEFAULT_DATABASE_URL = "sqlite:///tracker.db"
DEFAULT_ENDPOINT = "https://huggingface.co"


def database_option(f: Callable) -> Callable:
    return click.option(
        "--database",
        "database_url",
        envvar="TRACKER_DATABASE_URL",
        default=DEFAULT_DATABASE_URL,
        show_default=True,
        metavar="URL",
        help="Database URL: sqlite:///PATH or postgresql+psycopg://USER@HOST/DB [env TRACKER_DATABASE_URL].",
    )(f)


def ecosystems_file_option(f: Callable) -> Callable:
    return click.option(
        "--ecosystems",
        "ecosystems_path",
        envvar="TRACKER_ECOSYSTEMS",
        default=None,
        metavar="PATH",
        help="Ecosystems file (TOML) [env TRACKER_ECOSYSTEMS; default: the one shipped with the package].",
    )(f)


def endpoint_option(f: Callable) -> Callable:
    return click.option(
        "--endpoint",
        envvar="HF_ENDPOINT",
        default=DEFAULT_ENDPOINT,
        show_default=True,
        metavar="URL",
        help="Hub endpoint [env HF_ENDPOINT]. The token comes from HF_TOKEN only, and is never shown.",
    )(f)


def parse_instant(text: str, option: str) -> datetime:
    """An ISO 8601 instant (offset or Z; naive read as UTC) as a zone-aware UTC datetime."""
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise click.BadParameter(f"not an ISO 8601 timestamp: {text!r}", param_hint=option) from None
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC)


def open_database(url: str):  # noqa: ANN201 - an Engine; sqlalchemy is imported lazily
    from tracker.store import StoreError, open_store

    try:
        return open_store(url)
    except StoreError as exc:
        raise click.ClickException(str(exc)) from None


# --- snapshots -------------------------------------------------------------------------------------


@cli.command()
@database_option
@ecosystems_file_option
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
    help="tree: list the children of each model that has any; scan: read every model of the Hub "
    "once; auto: the cheaper, by the previous run's request count or an estimate.",
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
    from tracker.ecosystems import EcosystemsError, load_ecosystems, select_ecosystems
    from tracker.hub import HubClient, HubError
    from tracker.progress import ProgressReporter
    from tracker.snapshot import take_snapshot
    from tracker.store import SnapshotBusy

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
    _stop_on_sigterm()
    try:
        with client, ProgressReporter(client.counters) as progress:
            result = take_snapshot(
                engine,
                client,
                ecosystems,
                strategy=strategy,
                taken_at=taken_at,
                concurrency=concurrency,
                on_progress=progress.update,
            )
    except SnapshotBusy as exc:
        raise click.ClickException(str(exc)) from None
    except HubError as exc:
        raise click.ClickException(f"snapshot failed (run recorded as failed): {exc}") from None
    finally:
        engine.dispose()
    missing = f"; roots not on the Hub: {', '.join(result.missing_roots)}" if result.missing_roots else ""
    click.echo(
        f"run {result.run_id} complete: {result.models:,} models, {result.requests:,} requests "
        f"({result.retries:,} retries), {result.strategy} strategy, {result.seconds:.1f} s{missing}"
    )


@cli.command()
@database_option
@click.option("--limit", type=click.IntRange(1), default=20, show_default=True, help="Newest runs to show.")
def runs(database_url: str, limit: int) -> None:
    """List snapshot runs, newest first: id, taken at, status, models, requests, duration.

    When `tracker schedule` runs on the database, the last lines give its schedule, its next run,
    and whether a snapshot is overdue (the last complete one older than the schedule's period plus
    a day, or a scheduled run not taken).
    """
    from sqlmodel import Session

    from tracker.scheduler import describe_schedule
    from tracker.store import load_runs

    engine = open_database(database_url)
    try:
        with Session(engine) as session:
            rows = load_runs(session, limit=limit)
        schedule_lines = describe_schedule(engine, now=datetime.now(UTC))
    finally:
        engine.dispose()
    if not rows:
        click.echo("\n".join(["no runs yet: take one with `tracker snapshot`", *schedule_lines]))
        return
    header = ("id", "taken at (UTC)", "status", "models", "requests", "duration")
    click.echo("{:>5}  {:<19} {:<9} {:>9} {:>9} {:>9}  error".format(*header))
    for run in rows:
        duration = f"{(run.finished_at - run.started_at).total_seconds():.0f} s" if run.finished_at else "-"
        click.echo(
            f"{run.id:>5}  {run.taken_at.astimezone(UTC):%Y-%m-%d %H:%M:%S} {run.status:<9} {run.models:>9,} "
            f"{run.requests:>9,} {duration:>9}  {run.error or ''}"
        )
    for line in schedule_lines:
        click.echo(line)


# --- the schedule ----------------------------------------------------------------------------------


@cli.command()
@database_option
@ecosystems_file_option
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
def schedule(
    database_url: str,
    ecosystems_path: str | None,
    endpoint: str,
    cron: str,
    timezone_name: str,
    run_now: bool,
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
    HF_TOKEN is read at each run, never stored. Operating it as a service: docs/operations.md.
    """
    from pathlib import Path

    from tracker.crontab import ScheduleError, parse_schedule
    from tracker.ecosystems import EcosystemsError, load_ecosystems, select_ecosystems
    from tracker.hub import HubClient, HubError
    from tracker.scheduler import SnapshotScheduler, SnapshotSettings

    try:
        plan = parse_schedule(cron, timezone_name)
    except ScheduleError as exc:
        raise click.ClickException(str(exc)) from None
    # Checked now, as `tracker snapshot` would: a typo must fail at start, not at the first run a week on.
    try:
        select_ecosystems(load_ecosystems(ecosystems_path), list(names) or None)
        HubClient(endpoint, timeout=timeout, retry_budget=retry_budget).close()
    except (EcosystemsError, HubError) as exc:
        raise click.ClickException(str(exc)) from None
    settings = SnapshotSettings(
        endpoint=endpoint,
        ecosystems_path=str(Path(ecosystems_path).resolve()) if ecosystems_path else None,
        ecosystems=tuple(names),
        strategy=strategy,
        concurrency=concurrency,
        timeout=timeout,
        retry_budget=retry_budget,
    )
    if not logging.getLogger().isEnabledFor(logging.DEBUG):
        logging.getLogger("apscheduler").setLevel(logging.WARNING)  # our own lines say what it does
    engine = open_database(database_url)
    try:
        SnapshotScheduler(engine, plan, settings, run_now=run_now).run()
    except ScheduleError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        engine.dispose()


# The crawl options are `snapshot`'s own objects: the two commands cannot drift apart.
schedule.params.extend(
    p for p in snapshot.params if p.name in ("names", "strategy", "concurrency", "timeout", "retry_budget")
)


# --- exports ---------------------------------------------------------------------------------------


def _export_epilog() -> str:
    """The columns of each table, from the data dictionary (the one source for docs and help)."""
    from tracker.dictionary import TABLES

    lines = [f"{t.name}: {', '.join(t.names)}." for t in TABLES.values()]
    return "\n\n".join(["Columns (their meanings: --describe, or docs/data-dictionary.md):", *lines])


def _table_names() -> list[str]:
    from tracker.dictionary import TABLES  # light: no database or Arrow imports

    return list(TABLES)


@cli.command(epilog=_export_epilog())
@database_option
@click.argument("table", metavar="TABLE", type=click.Choice(_table_names()))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "parquet", "jsonl"]),
    default=None,
    help="Output format  [default: from the --output suffix (.csv, .parquet, .jsonl), else csv].",
)
@click.option(
    "--output",
    "-o",
    default="-",
    show_default=True,
    metavar="PATH",
    help="File to write (replaced whole, only once complete); - is stdout (csv and jsonl only).",
)
@click.option(
    "--ecosystem", "ecosystems", multiple=True, metavar="NAME", help="Keep this ecosystem (repeatable)."
)
@click.option(
    "--family",
    "families",
    multiple=True,
    metavar="NAME",
    help="Keep this family (repeatable; history and models only).",
)
@click.option(
    "--since",
    "since_text",
    metavar="ISO8601",
    help="Keep rows from this instant on, inclusive (taken_at for history and runs, last_seen_at for "
    "models and edges; naive means UTC; a date alone is its midnight).",
)
@click.option("--until", "until_text", metavar="ISO8601", help="Keep rows up to this instant, inclusive.")
@click.option("--describe", is_flag=True, help="Print the table's data dictionary instead of exporting.")
def export(
    database_url: str,
    table: str,
    fmt: str | None,
    output: str,
    ecosystems: tuple[str, ...],
    families: tuple[str, ...],
    since_text: str | None,
    until_text: str | None,
    describe: bool,
) -> None:
    """Export a table of the recorded history as CSV, Parquet or JSON Lines.

    TABLE is history (one row per model per ecosystem per complete run, with the all-time downloads'
    delta since the previous run), models, edges (declared parent links) or runs (every run). Rows
    stream from the database in chunks, so memory stays flat however long the history.
    """
    from tracker.dictionary import render_table
    from tracker.export import (
        ExportError,
        ExportFilters,
        check_destination,
        check_filters,
        export_table,
        export_to,
        format_for,
        table_spec,
    )

    spec = table_spec(table)
    if describe:
        click.echo(render_table(spec, level=1), nl=False)
        return
    filters = ExportFilters(
        ecosystems=ecosystems,
        families=families,
        since=parse_instant(since_text, "--since") if since_text else None,
        until=parse_instant(until_text, "--until") if until_text else None,
    )
    try:
        fmt = format_for(output, fmt)
        check_filters(spec, filters)
        path = check_destination(output, fmt)
    except ExportError as exc:
        raise click.ClickException(str(exc)) from None
    engine = open_database(database_url)
    try:
        if path is not None:
            rows = export_to(engine, spec, fmt, path, filters)
            logger.info("wrote %s rows of %s to %s (%s)", f"{rows:,}", table, path, fmt)
        else:
            stdout = sys.stdout.buffer
            try:
                rows = export_table(engine, spec, fmt, stdout, filters)
                stdout.flush()
            except BrokenPipeError:
                # The reader went away (`| head`): what it read is what it wanted. Point stdout at
                # /dev/null so the interpreter's own flush at exit does not fail again.
                os.dup2(os.open(os.devnull, os.O_WRONLY), stdout.fileno())
                return
    except ExportError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        engine.dispose()
    if rows == 0 and (ecosystems or families or since_text or until_text):
        logger.warning("no %s rows match the filters (names are case-sensitive)", table)


def _stop_on_sigterm() -> None:
    """SIGTERM stops a snapshot like Ctrl-C: the run is recorded as failed ("interrupted")."""

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)


# --- the emulator ------------------------------------------------------------------------------------


@cli.group()
def hub() -> None:
    """The bundled Hub emulator, for tests, the demo and benchmarks (offline)."""


@hub.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    default=8765,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="Port to listen on (0: any free port; the URL is printed).",
)
@click.option(
    "--catalogue",
    type=click.Choice(["synthetic", "real"]),
    default="synthetic",
    show_default=True,
    help="synthetic: seeded ecosystem with every trap; real: 16 weeks of real Hub lineage "
    "(119,010 real ids, 2025-03 to 2025-07) with synthetic figures.",
)
@click.option("--seed", default=0, show_default=True, type=int, help="Seed: same seed, same bytes.")
@click.option(
    "--models",
    default=None,
    type=click.IntRange(100, 5_000_000),
    help="Size of the synthetic catalogue  [default: 20000].",
)
@click.option(
    "--now",
    "now_text",
    default=None,
    metavar="ISO8601",
    help="Initial clock (default: the catalogue's own, 2026-11-02T06:00Z or 2025-07-02 for real).",
)
@click.option("--quota", default=None, type=click.IntRange(1), help="API requests allowed per window.")
@click.option("--window", default=None, type=click.IntRange(1), help="Rate-limit window in seconds.")
@click.option(
    "--fault",
    "faults",
    multiple=True,
    metavar="KIND:EVERY",
    help="Fault on every EVERY-th API request; KIND is 429, 500, 502, 503, 504, truncate or drop. "
    "Repeatable, e.g. --fault 429:7 --fault 503:11.",
)
@click.option(
    "--latency-ms", default=0.0, type=click.FloatRange(0), help="Delay added to every API response."
)
@click.option(
    "--strict-listings",
    is_flag=True,
    help="Listings refuse expand=baseModels and childrenModelCount (400), as the real Hub may: whether "
    "it accepts them there is unverified.",
)
def hub_serve(
    host: str,
    port: int,
    catalogue: str,
    seed: int,
    models: int | None,
    now_text: str | None,
    quota: int | None,
    window: int | None,
    faults: Sequence[str],
    latency_ms: float,
    strict_listings: bool,
) -> None:
    """Serve the emulated Hub over HTTP until interrupted.

    The real Hub's routes (GET /api/models, GET /api/models/{id}) with its payloads, pagination,
    redirects, errors and RateLimit headers; admin routes under /_emulator/ move the clock, set
    faults, read counters and give the ground truth (see tracker/emulator/server.py).
    """
    from tracker.emulator.catalogue import parse_time
    from tracker.emulator.faults import DEFAULT_QUOTA, DEFAULT_WINDOW, Fault, FaultPlan
    from tracker.emulator.server import HubEmulator, attach, bind

    try:
        now = parse_time(now_text) if now_text else None
    except ValueError:
        raise click.BadParameter(f"not an ISO 8601 timestamp: {now_text!r}", param_hint="--now") from None
    try:
        plan = FaultPlan(
            quota or DEFAULT_QUOTA,
            window or DEFAULT_WINDOW,
            tuple(Fault.parse(f) for f in faults),
            latency_ms,
        )
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--fault") from None
    if catalogue == "real" and models is not None:
        raise click.UsageError("--models applies to the synthetic catalogue only")
    from tracker.emulator import load_catalogue
    from tracker.emulator.catalogue import iso

    started = time.perf_counter()
    try:
        server = bind(host, port)  # before the catalogue: a busy port fails at once
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    cat = load_catalogue(catalogue, seed=seed, models=models)
    refused = ("baseModels", "childrenModelCount") if strict_listings else ()
    emulator = HubEmulator(cat, now=now, plan=plan, listing_refuses=refused)
    attach(server, emulator)

    bound_host, bound_port = server.server_address[:2]
    click.echo(
        f"Hub emulator at http://{bound_host}:{bound_port} ({cat.name} catalogue, seed {seed}, "
        f"{len(cat):,} models, clock {iso(emulator.now)}, ready in {time.perf_counter() - started:.1f} s)"
    )
    sys.stdout.flush()

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        logger.info("stopping the Hub emulator")
    finally:
        server.server_close()


# --- dashboard and demo ----------------------------------------------------------------------------

DEMO_DATABASE_URL = "sqlite:///demo.db"


def _serve_dashboard(database_url: str, port: int) -> None:
    """Run `streamlit run dashboard/app.py` on 127.0.0.1:PORT until interrupted; the URL goes by env."""
    import subprocess
    from pathlib import Path

    import dashboard

    app = Path(dashboard.__file__).resolve().parent / "app.py"
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(app),
        "--server.headless",
        "true",
        "--server.address",
        "127.0.0.1",
        "--server.port",
        str(port),
        "--browser.gatherUsageStats",
        "false",
    ]
    env = {**os.environ, "TRACKER_DATABASE_URL": database_url}
    click.echo(f"dashboard at http://127.0.0.1:{port} (Ctrl-C stops it)")
    sys.stdout.flush()
    process = subprocess.Popen(command, env=env)

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    try:
        code = process.wait()
    except KeyboardInterrupt:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        return
    if code:
        raise click.ClickException(f"the dashboard stopped with status {code}")


def port_option(f: Callable) -> Callable:
    return click.option(
        "--port",
        default=8501,
        show_default=True,
        type=click.IntRange(1, 65535),
        help="Port of the dashboard on 127.0.0.1.",
    )(f)


@cli.command()
@database_option
@port_option
def dashboard(database_url: str, port: int) -> None:
    """Serve the Streamlit dashboard on the database (read-only), on http://127.0.0.1:PORT."""
    _serve_dashboard(database_url, port)


@cli.command()
@click.option(
    "--database",
    "database_url",
    default=DEMO_DATABASE_URL,
    show_default=True,
    metavar="URL",
    help="Where the demo's snapshots go (the default file is replaced on each demo; another database "
    "must hold no runs yet).",
)
@click.option(
    "--weeks",
    type=click.IntRange(1, 16),
    default=None,
    help="Snapshot only the first N of the catalogue's 16 weeks  [default: all].",
)
@click.option("--no-dashboard", is_flag=True, help="Stop after the snapshots.")
@port_option
def demo(database_url: str, weeks: int | None, no_dashboard: bool, port: int) -> None:
    """The offline demo: the Hub emulator with 16 real weeks, a snapshot each week, then the dashboard.

    Starts the emulator on a free port with the real catalogue (real model ids and lineage from
    2025-03 to 2025-07), moves its clock to the end of each week and records a snapshot there,
    then serves the dashboard on that database.
    """
    from pathlib import Path

    from sqlmodel import Session

    from tracker.demo import run_demo
    from tracker.ecosystems import load_ecosystems, select_ecosystems
    from tracker.store import load_runs

    started = time.perf_counter()
    if database_url == DEMO_DATABASE_URL:
        for suffix in ("", "-wal", "-shm", ".lock"):
            Path(f"demo.db{suffix}").unlink(missing_ok=True)
    engine = open_database(database_url)
    try:
        with Session(engine) as session:
            if load_runs(session, limit=1):
                raise click.ClickException(
                    f"{database_url} already holds runs; the demo needs an empty database"
                )
        logging.getLogger("tracker.crawl").setLevel(logging.ERROR)  # Llama 4 roots before their release
        previous: list[int] = []

        def report(week) -> None:  # noqa: ANN001 - a DemoWeek
            r = week.result
            grown = f" (+{r.models - previous[-1]:,})" if previous else ""
            previous.append(r.models)
            click.echo(
                f"week {week.index:>2}/{week.weeks} {week.taken_at:%Y-%m-%d}: {r.models:,} models{grown}, "
                f"{r.requests:,} requests, {r.seconds:.1f} s"
            )

        click.echo("demo: loading the real catalogue (16 weeks of Hub lineage) into the emulator")
        run_demo(engine, select_ecosystems(load_ecosystems(), None), weeks=weeks, on_week=report)
    finally:
        engine.dispose()
    click.echo(f"demo: {len(previous)} weekly snapshots in {time.perf_counter() - started:.0f} s")
    if not no_dashboard:
        _serve_dashboard(database_url, port)


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of the `tracker` console script."""
    try:
        code = cli.main(
            args=list(argv) if argv is not None else None, prog_name="tracker", standalone_mode=False
        )
    except (click.exceptions.Abort, KeyboardInterrupt):
        click.echo("tracker: interrupted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        click.echo(f"tracker: {exc.format_message()}".replace("\n", " "), err=True)
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    sys.exit(code if isinstance(code, int) else 0)
