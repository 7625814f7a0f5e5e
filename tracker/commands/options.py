"""Options and helpers shared by the commands: flags, then environment, then defaults."""

from __future__ import annotations

import signal
from collections.abc import Callable
from datetime import UTC, datetime

import click

from tracker.core.events import ENV as EVENTS_ENV
from tracker.core.events import EventsError, load_events
from tracker.core.organisations import OrganisationsError, load_organisations
from tracker.core.release_dates import RELEASE_DATES_ENV, ReleaseDatesError, load_release_dates

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


def _read_while_parsing(load: Callable[[str | None], object], error: type[Exception]) -> Callable:
    """An option's callback that reads its data file while the options are parsed: a malformed row stops the
    command in one line (`error`'s message) before it does anything; shell completion reads nothing."""

    def callback(ctx: click.Context, param: click.Parameter, path: str | None) -> object:
        if ctx.resilient_parsing:
            return None
        try:
            return load(path)
        except error as exc:
            raise click.ClickException(str(exc)) from None

    return callback


def organisations_file_option(f: Callable) -> Callable:
    return click.option(
        "--organisations",
        "organisations",
        envvar="TRACKER_ORGANISATIONS",
        default=None,
        metavar="PATH",
        callback=_read_while_parsing(load_organisations, OrganisationsError),
        help="Organisations file (CSV: namespace,organisation,region): the whole-Hub view's organisations "
        "and regions [env TRACKER_ORGANISATIONS; default: the one shipped with the package].",
    )(f)


def _checked_events(path: str | None) -> str | None:
    """The user's events file, checked; its path is what the option keeps (for the dashboard's process
    too). No file: None, the shipped events only."""
    if path:
        load_events(path)
    return path or None


def events_file_option(f: Callable) -> Callable:
    return click.option(
        "--events",
        "events_path",
        envvar=EVENTS_ENV,
        default=None,
        metavar="PATH",
        callback=_read_while_parsing(_checked_events, EventsError),
        help="Events file (CSV: date,kind,what,source[,libraries]) marked on the download charts, the "
        "digest and the movers, besides the Hub's events shipped with the package "
        f"[env {EVENTS_ENV}].",
    )(f)


def release_dates_file_option(f: Callable) -> Callable:
    return click.option(
        "--release-dates",
        "release_dates",
        envvar=RELEASE_DATES_ENV,
        default=None,
        metavar="PATH",
        callback=_read_while_parsing(load_release_dates, ReleaseDatesError),
        help="Release-dates file (CSV: model_id,created_on,released_on): relative adoption counts a base "
        "model's ages from its release day there, else from createdAt; its rows extend and override the "
        f"shipped file's [env {RELEASE_DATES_ENV}].",
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


def require_database(url: str) -> None:
    """Refuse, in one line, a SQLite file that is not there: a command that only reads creates nothing.
    (A PostgreSQL database that does not exist fails at connect, in one line too.)"""
    # SQLAlchemy: loaded only by the commands that open a database, so `--help` stays fast.
    from tracker.storage.database import mask_url, missing_sqlite_file

    path = missing_sqlite_file(url)
    if path is not None:
        raise click.ClickException(
            f"no database at {path} (take a first snapshot with: tracker snapshot --database "
            f"{mask_url(url)}, or run the demo: tracker demo)"
        )


def open_database(url: str, *, create: bool = True):  # noqa: ANN201 - an Engine; sqlalchemy is imported lazily
    """The database at `url`, its schema migrated. `create=False` (the commands that only read): a SQLite
    file that is not there is refused (`require_database`), never created."""
    # SQLAlchemy and Alembic: loaded only by the commands that open a database, so `--help` stays fast.
    from tracker.storage.database import StoreError, open_store

    if not create:
        require_database(url)
    try:
        return open_store(url)
    except StoreError as exc:
        raise click.ClickException(str(exc)) from None


def port_option(f: Callable) -> Callable:
    return click.option(
        "--port",
        default=8501,
        show_default=True,
        type=click.IntRange(1, 65535),
        help="Port of the dashboard.",
    )(f)


def stop_on_sigterm() -> None:
    """SIGTERM stops a snapshot like Ctrl-C: the run is recorded as failed ("interrupted")."""

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
