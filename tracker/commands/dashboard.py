"""`tracker dashboard` and `tracker demo`."""

from __future__ import annotations

import logging
import os
import signal
import sys
import time
from pathlib import Path

import click

from tracker.commands.options import (
    database_option,
    open_database,
    port_option,
)

# --- dashboard and demo ----------------------------------------------------------------------------

DEMO_DATABASE_URL = "sqlite:///demo.db"


def _serve_dashboard(database_url: str, port: int, *, developer: bool = False) -> None:
    """Run `streamlit run dashboard/app.py` on 127.0.0.1:PORT until interrupted; the URL goes by env.

    Streamlit's toolbar in viewer mode (print, theme; no Deploy button, rerun or clear-cache) unless
    `developer`: the people reading the dashboard are not its developers."""
    import subprocess

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
        "--client.toolbarMode",
        "developer" if developer else "viewer",
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


@click.command()
@database_option
@port_option
@click.option(
    "--developer",
    is_flag=True,
    help="Streamlit's developer toolbar and menu (Deploy, rerun, clear cache); default: the viewer's.",
)
def dashboard(database_url: str, port: int, developer: bool) -> None:
    """Serve the Streamlit dashboard on the database (read-only), on http://127.0.0.1:PORT."""
    _serve_dashboard(database_url, port, developer=developer)


@click.command()
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
    """The offline demo: the Hub emulator with 16 real weeks, a run each week, then the dashboard.

    Starts the emulator on a free port with the real catalogue (real model ids and lineage from
    2025-03 to 2025-07), imports the first half of the weeks from its emulated weekly archive (as
    `tracker backfill` does), then moves its clock to the end of each later week and records a
    snapshot there, then serves the dashboard on that database.
    """

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
        # Roots the real catalogue lacks in its early weeks (Llama 4 before its release), one line each
        # per run otherwise: the crawl's and the archive's.
        logging.getLogger("tracker.crawl").setLevel(logging.ERROR)
        logging.getLogger("tracker.archive_file").setLevel(logging.WARNING)
        previous: list[int] = []

        def report(week) -> None:  # noqa: ANN001 - a DemoWeek
            grown = f" (+{week.models - previous[-1]:,})" if previous else ""
            previous.append(week.models)
            click.echo(
                f"week {week.index:>2}/{week.weeks} {week.taken_at:%Y-%m-%d}: {week.source}, "
                f"{week.models:,} models{grown}, {week.cost}, {week.seconds:.1f} s"
            )

        click.echo(
            "demo: loading the real catalogue (16 weeks of Hub lineage) into the emulator; the first "
            "weeks come from its weekly archive (as `tracker backfill` imports it), the rest are snapshots"
        )
        run_demo(engine, select_ecosystems(load_ecosystems(), None), weeks=weeks, on_week=report)
    finally:
        engine.dispose()
    click.echo(f"demo: {len(previous)} weekly runs in {time.perf_counter() - started:.0f} s")
    if not no_dashboard:
        _serve_dashboard(database_url, port)
