"""`tracker dashboard` and `tracker demo`."""

from __future__ import annotations

import importlib.util
import logging
import os
import signal
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import click

from tracker.commands.options import (
    EVENTS_ENV,
    database_option,
    events_file_option,
    open_database,
    organisations_file_option,
    port_option,
    release_dates_file_option,
    require_database,
)
from tracker.commands.serving import Serving, check_serving, private_folder, warnings, write_private
from tracker.core.login import ALLOW_ENV, ENV_PREFIX, LOGIN_ENV, REQUIRED_ENV, TENANT_ENV, TRUST_ENV
from tracker.core.organisations import Organisations
from tracker.core.release_dates import RELEASE_DATES_ENV, ReleaseDates

# --- dashboard and demo ----------------------------------------------------------------------------

DEMO_DATABASE_URL = "sqlite:///demo.db"


def _dashboard_app() -> Path:
    """The dashboard's entry script, found where Python would import `dashboard` from, never imported:
    the tracker does not import the dashboard, Streamlit runs it in its own process."""
    spec = importlib.util.find_spec("dashboard")
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError("No module named 'dashboard'", name="dashboard")
    return Path(spec.origin).resolve().parent / "app.py"


def streamlit_options(*, developer: bool = False) -> list[str]:
    """How `tracker dashboard` runs Streamlit, beyond where it serves (`./dev bench pages` serves its empty
    baseline page with the same options).

    Readers do not edit the code, so, unless `developer`, no file watcher: Streamlit would otherwise watch
    every module the dashboard imports and walk them all after each run, on the thread that sends the page
    its last messages. And no full garbage collection after each run (`runner.postScriptGC`): it holds the
    interpreter while those messages wait; Python's own collection still runs. A page that fails shows
    readers the error's type only (`client.showErrorDetails`), never its message or traceback, which can
    hold SQL and paths; the log has all of it."""
    return [
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--client.toolbarMode",
        "developer" if developer else "viewer",
        "--client.showErrorDetails",
        "full" if developer else "type",
        "--runner.postScriptGC",
        "false",
        *([] if developer else ["--server.fileWatcherType", "none"]),
    ]


def _serve_dashboard(
    database_url: str,
    serving: Serving,
    *,
    developer: bool = False,
    events_path: str | None = None,
    release_dates: ReleaseDates | None = None,
) -> None:
    """Run `streamlit run dashboard/app.py` until interrupted; the URL and the readers go by env.

    Streamlit's toolbar in viewer mode (print, theme; no Deploy button, rerun or clear-cache) unless
    `developer`: the people reading the dashboard are not its developers. Streamlit reads only the secrets
    file written here (the login's `[auth]` settings, mode 0600 in a private folder of the runtime or
    state folder, `serving.private_folder`, removed at stop), never a `.streamlit/secrets.toml` lying
    about."""
    with private_folder(os.environ) as private:
        secrets = private / "secrets.toml"
        _run_streamlit(
            database_url,
            serving,
            secrets,
            developer=developer,
            events=events_path,
            release_dates=release_dates,
        )


def release_dates_env(release_dates: ReleaseDates | None) -> dict[str, str]:
    """What tells the dashboard's process the user's release-dates file the option named (by its absolute
    path: the process reads it itself); nothing for the shipped one alone."""
    if release_dates is None or release_dates.user_path is None:
        return {}
    return {RELEASE_DATES_ENV: str(Path(release_dates.user_path).resolve())}


def _run_streamlit(
    database_url: str,
    serving: Serving,
    secrets: Path,
    *,
    developer: bool,
    events: str | None = None,
    release_dates: ReleaseDates | None = None,
) -> None:
    import subprocess

    app = _dashboard_app()
    if serving.login is not None:
        write_private(secrets, serving.login.secrets_toml())
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(app),
        "--server.address",
        serving.host,
        "--server.port",
        str(serving.port),
        "--server.baseUrlPath",
        serving.base_path,
        "--secrets.files",
        str(secrets),
        *streamlit_options(developer=developer),
    ]
    env = {name: value for name, value in os.environ.items() if not name.startswith(ENV_PREFIX)}
    for name in (ALLOW_ENV, REQUIRED_ENV, TRUST_ENV, TENANT_ENV):
        env.pop(name, None)
    env["TRACKER_DATABASE_URL"] = database_url
    env.pop(EVENTS_ENV, None)  # the dashboard reads the events file the option named, and only that one
    if events:
        env[EVENTS_ENV] = str(Path(events).resolve())
    env.pop(RELEASE_DATES_ENV, None)  # the file the option named and checked, and only that one
    env.update(release_dates_env(release_dates))
    if serving.login is not None:
        env[REQUIRED_ENV] = "1"
        env[ALLOW_ENV] = " ".join(serving.allow.entries())
        env[TRUST_ENV] = "1" if serving.rules.trust_unverified_email else "0"
        env[TENANT_ENV] = serving.rules.tenant
    for line in warnings(serving):
        click.echo(line, err=True)
    if serving.login is not None:
        click.echo(
            f"{serving.login.describe()}; readers: {serving.allow.describe()}{serving.rules.describe()}"
        )
    click.echo(f"dashboard at {serving.url} (Ctrl-C stops it)")
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
    "--host",
    default="127.0.0.1",
    show_default=True,
    envvar="TRACKER_DASHBOARD_HOST",
    metavar="ADDR",
    help="Address to bind (env TRACKER_DASHBOARD_HOST); 0.0.0.0 for every interface. Beyond loopback "
    "without a login, it warns that anyone who reaches it can read the dashboard.",
)
@click.option(
    "--base-path",
    default="",
    envvar="TRACKER_DASHBOARD_BASE_PATH",
    metavar="PATH",
    help="Serve under this path, behind a reverse proxy: /tracker/ for https://intranet.example/tracker/ "
    "(env TRACKER_DASHBOARD_BASE_PATH).",
)
@click.option(
    "--login",
    "login_file",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar=LOGIN_ENV,
    metavar="FILE",
    help="An OpenID Connect login: a TOML file with Streamlit's [auth] table (server_metadata_url, "
    f"client_id, client_secret, cookie_secret, redirect_uri; env {LOGIN_ENV}). Each key may come from "
    f"{ENV_PREFIX}<KEY> instead, which wins. Then every page needs a login.",
)
@click.option(
    "--allow",
    multiple=True,
    envvar=ALLOW_ENV,
    metavar="WHO",
    help="Who may read, with a login: an address (alice@example.com), a domain (@example.com), or * "
    f"for everyone the provider logs in; repeatable (env {ALLOW_ENV}, separated by spaces).",
)
@click.option(
    "--trust-unverified-email",
    is_flag=True,
    envvar=TRUST_ENV,
    help="With a login whose provider never sends email_verified (Microsoft Entra ID): admit an address it "
    "says nothing about, as if verified (an explicit no still refuses). The provider then vouches for "
    f"nothing: with Entra ID, --tenant is required (env {TRUST_ENV}=1).",
)
@click.option(
    "--tenant",
    envvar=TENANT_ENV,
    metavar="ID",
    help="Microsoft Entra ID only: admit only accounts of this tenant (directory id, a GUID: the tid "
    f"claim), whatever the list says (env {TENANT_ENV}).",
)
@click.option(
    "--developer",
    is_flag=True,
    help="Streamlit's developer toolbar and menu (Deploy, rerun, clear cache), its watch of the "
    "source files (rerun on save), and a failing page's whole traceback; default: the viewer's, no "
    "watch, the error's type only.",
)
@events_file_option
@release_dates_file_option
def dashboard(
    database_url: str,
    port: int,
    host: str,
    base_path: str,
    login_file: Path | None,
    allow: tuple[str, ...],
    trust_unverified_email: bool,
    tenant: str | None,
    developer: bool,
    events_path: str | None,
    release_dates: ReleaseDates,
) -> None:
    """Serve the Streamlit dashboard on the database (read-only), on http://127.0.0.1:PORT by default.

    A database that is not there is refused at start, never created. To serve it to a team: --host,
    --base-path behind a reverse proxy, and a login (--login, --allow); see docs/operations.md, "Serving
    the dashboard to a team"."""
    serving = check_serving(
        host, port, base_path, login_file, allow, trust_unverified_email=trust_unverified_email, tenant=tenant
    )
    require_database(database_url)
    _serve_dashboard(
        database_url, serving, developer=developer, events_path=events_path, release_dates=release_dates
    )


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
@organisations_file_option
@port_option
@events_file_option
@release_dates_file_option
def demo(
    database_url: str,
    weeks: int | None,
    no_dashboard: bool,
    organisations: Organisations,
    port: int,
    events_path: str | None,
    release_dates: ReleaseDates,
) -> None:
    """The offline demo: the Hub emulator with 16 real weeks, a run each week, then the dashboard.

    Starts the emulator on a free port with the real catalogue (real model ids and lineage from
    2025-03 to 2025-07), imports the first half of the weeks from its emulated weekly archive (as
    `tracker backfill` does), then moves its clock to the end of each later week and records a
    snapshot there, then serves the dashboard on that database.
    """

    from sqlmodel import Session

    # The emulator, the crawl and the database (pyarrow, huggingface_hub, SQLAlchemy): loaded when the demo
    # runs, so `tracker --help` and the other commands stay fast.
    from tracker.core.ecosystems import load_ecosystems, select_ecosystems
    from tracker.run.demo import run_demo
    from tracker.run.demo_progress import duration_text, overall_line
    from tracker.storage.loads import load_runs

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
            elapsed = time.perf_counter() - started
            click.echo("demo: " + overall_line(week.index, week.weeks, elapsed, week.left, datetime.now(UTC)))

        click.echo(
            "demo: loading the real catalogue (16 weeks of Hub lineage) into the emulator; the first "
            "weeks come from its weekly archive (as `tracker backfill` imports it), the rest are snapshots"
        )
        run_demo(
            engine,
            select_ecosystems(load_ecosystems(), None),
            weeks=weeks,
            on_week=report,
            organisations=organisations,
        )
    finally:
        engine.dispose()
    click.echo(f"demo: {len(previous)} weekly runs in {duration_text(time.perf_counter() - started)}")
    if not no_dashboard:
        _serve_dashboard(
            database_url, Serving(port=port), events_path=events_path, release_dates=release_dates
        )
