"""`tracker dashboard` and `tracker demo`."""

from __future__ import annotations

import importlib.util
import logging
import os
import signal
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import click

from tracker.commands.options import (
    database_option,
    open_database,
    port_option,
    require_database,
)
from tracker.core.login import (
    ALLOW_ENV,
    ENV_PREFIX,
    LOGIN_ENV,
    REQUIRED_ENV,
    AllowList,
    Login,
    LoginError,
    base_path,
    insecure_callback,
    is_loopback,
    load_login,
    parse_allow,
    read_login_file,
)

# --- dashboard and demo ----------------------------------------------------------------------------

DEMO_DATABASE_URL = "sqlite:///demo.db"
METADATA_TIMEOUT_S = 10
TEAM_SECTION = 'docs/operations.md, "Serving the dashboard to a team"'


@dataclass(frozen=True)
class Serving:
    """Where and to whom `tracker dashboard` serves: checked before Streamlit starts."""

    host: str = "127.0.0.1"
    port: int = 8501
    base_path: str = ""  # Streamlit's server.baseUrlPath: no slashes around it
    login: Login | None = None
    allow: AllowList = AllowList()

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/" + (f"{self.base_path}/" if self.base_path else "")


def _serving(host: str, port: int, base: str, login_file: Path | None, allow: tuple[str, ...]) -> Serving:
    """The settings from the options and the environment, checked; ClickException (one line) otherwise."""
    try:
        path = base_path(base)
        file_settings = None
        source = "the environment"
        if login_file is not None:
            try:
                text = login_file.read_text(encoding="utf-8")
            except OSError as exc:
                raise LoginError(f"cannot read login file {login_file}: {exc.strerror or exc}") from None
            except UnicodeDecodeError:
                raise LoginError(f"login file {login_file}: not UTF-8 text") from None
            file_settings = read_login_file(text, str(login_file))
            source = str(login_file)
        login = load_login(file_settings, os.environ, source=source, base_path=path)
        readers = parse_allow(" ".join(allow))
    except LoginError as exc:
        raise click.ClickException(str(exc)) from None
    if login is not None and not readers:
        raise click.ClickException(
            f"a login needs a list of readers: --allow or {ALLOW_ENV} (addresses, @domains, or * for "
            "everyone the provider logs in)"
        )
    if login is None and readers:
        raise click.ClickException(
            f"--allow / {ALLOW_ENV} needs a login to check it against: --login FILE or "
            f"{ENV_PREFIX}* (see {TEAM_SECTION})"
        )
    if login is not None:
        _check_provider(str(login.settings["server_metadata_url"]))
    return Serving(host=host, port=port, base_path=path, login=login, allow=readers)


def _check_provider(url: str) -> None:
    """The provider's discovery document answers and is one: a wrong URL fails now, not at first login."""
    import json
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=METADATA_TIMEOUT_S) as response:  # noqa: S310 - http(s) only
            document = json.loads(response.read(1_000_000))
    except urllib.error.HTTPError as exc:
        raise click.ClickException(f"the login's provider answers {exc.code} at {url}") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise click.ClickException(f"the login's provider does not answer at {url}: {reason}") from None
    except ValueError:
        raise click.ClickException(f"the login's provider at {url} did not send JSON") from None
    if not isinstance(document, dict) or not document.get("authorization_endpoint"):
        raise click.ClickException(
            f"{url} is not an OpenID Connect discovery document (no authorization_endpoint); use the "
            "provider's …/.well-known/openid-configuration"
        )


def _warnings(serving: Serving) -> list[str]:
    """What the operator should hear at start: an open dashboard beyond loopback, a login in clear."""
    if serving.login is None and not is_loopback(serving.host):
        return [
            f"warning: no login configured and the dashboard binds {serving.host}: anyone who can reach "
            f"this address can read it; configure a login with --login FILE and --allow (see {TEAM_SECTION})"
        ]
    if serving.login is not None and insecure_callback(serving.login):
        return [
            f"warning: the login's callback {serving.login.settings['redirect_uri']} is plain http: the "
            "login cookie travels in clear; serve the dashboard behind TLS (see " + TEAM_SECTION + ")"
        ]
    return []


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
    interpreter while those messages wait; Python's own collection still runs."""
    return [
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--client.toolbarMode",
        "developer" if developer else "viewer",
        "--runner.postScriptGC",
        "false",
        *([] if developer else ["--server.fileWatcherType", "none"]),
    ]


def _serve_dashboard(database_url: str, serving: Serving, *, developer: bool = False) -> None:
    """Run `streamlit run dashboard/app.py` until interrupted; the URL and the readers go by env.

    Streamlit's toolbar in viewer mode (print, theme; no Deploy button, rerun or clear-cache) unless
    `developer`: the people reading the dashboard are not its developers. Streamlit reads only the secrets
    file written here (the login's `[auth]` settings, mode 0600, removed at stop), never a
    `.streamlit/secrets.toml` lying about."""
    import shutil
    import subprocess
    import tempfile

    app = _dashboard_app()
    private = Path(tempfile.mkdtemp(prefix="tracker-dashboard-"))  # mode 0700
    secrets = private / "secrets.toml"
    if serving.login is not None:
        descriptor = os.open(secrets, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(serving.login.secrets_toml())
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
    env.pop(ALLOW_ENV, None)
    env.pop(REQUIRED_ENV, None)
    env["TRACKER_DATABASE_URL"] = database_url
    if serving.login is not None:
        env[REQUIRED_ENV] = "1"
        env[ALLOW_ENV] = " ".join(serving.allow.entries())
    for line in _warnings(serving):
        click.echo(line, err=True)
    if serving.login is not None:
        click.echo(f"{serving.login.describe()}; readers: {serving.allow.describe()}")
    click.echo(f"dashboard at {serving.url} (Ctrl-C stops it)")
    sys.stdout.flush()
    try:
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
    finally:
        shutil.rmtree(private, ignore_errors=True)
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
    "--developer",
    is_flag=True,
    help="Streamlit's developer toolbar and menu (Deploy, rerun, clear cache), and its watch of the "
    "source files (rerun on save); default: the viewer's, no watch.",
)
def dashboard(
    database_url: str,
    port: int,
    host: str,
    base_path: str,
    login_file: Path | None,
    allow: tuple[str, ...],
    developer: bool,
) -> None:
    """Serve the Streamlit dashboard on the database (read-only), on http://127.0.0.1:PORT by default.

    A database that is not there is refused at start, never created. To serve it to a team: --host,
    --base-path behind a reverse proxy, and a login (--login, --allow); see docs/operations.md, "Serving
    the dashboard to a team"."""
    serving = _serving(host, port, base_path, login_file, allow)
    require_database(database_url)
    _serve_dashboard(database_url, serving, developer=developer)


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
        run_demo(engine, select_ecosystems(load_ecosystems(), None), weeks=weeks, on_week=report)
    finally:
        engine.dispose()
    click.echo(f"demo: {len(previous)} weekly runs in {duration_text(time.perf_counter() - started)}")
    if not no_dashboard:
        _serve_dashboard(database_url, Serving(port=port))
