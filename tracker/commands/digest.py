"""`tracker digest` and `tracker notify`, and the notification options `tracker schedule` shares."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import click

from tracker.commands.options import (
    database_option,
    ecosystems_file_option,
    events_file_option,
    open_database,
)

FORMAT_OF_SUFFIX = {
    ".md": "markdown",
    ".markdown": "markdown",
    ".html": "html",
    ".htm": "html",
    ".json": "json",
}


NOTIFY_ENV = "TRACKER_NOTIFY"
FROM_ENV = "\0" + NOTIFY_ENV  # the option given without a URL: the URLs of TRACKER_NOTIFY


def notify_option(*, envvar: str | None) -> Callable[[Callable], Callable]:
    """`--notify URL`, repeatable; from `envvar` too where given (the schedule's `TRACKER_NOTIFY`: a digest
    printed by hand must not post to a channel because the service's environment names one). `--notify`
    alone sends to the URLs of TRACKER_NOTIFY (`load_targets`), which keeps them off the command line."""
    source = f" [env {envvar}, separated by spaces]" if envvar else " (several separated by spaces)"
    return click.option(
        "--notify",
        "notify_urls",
        multiple=True,
        envvar=envvar,
        is_flag=False,
        flag_value=FROM_ENV,
        metavar="[URL]",
        help="Send to this Apprise URL (repeatable): slack://, msteams://, discord://, mailto://, ntfy://, "
        f"json://...{source}. URLs carry secrets: never shown in clear, never stored. --notify without a URL "
        f"sends to those of {NOTIFY_ENV}, out of the shell's history and the process list.",
    )


def dashboard_url_option(f: Callable) -> Callable:
    return click.option(
        "--dashboard-url",
        envvar="TRACKER_DASHBOARD_URL",
        metavar="URL",
        help="Link the dashboard from each summary [env TRACKER_DASHBOARD_URL].",
    )(f)


def alerts_option(f: Callable) -> Callable:
    return click.option(
        "--alerts",
        "alerts_path",
        envvar="TRACKER_ALERTS",
        metavar="FILE",
        help="Alert rules (TOML; see docs/alerts.example.toml) checked on each digest [env TRACKER_ALERTS].",
    )(f)


def load_targets(urls: Sequence[str], option: str = "--notify"):  # noqa: ANN201 - list[notify.Target]
    """The notification targets, with their secrets kept out of every log line; one clear line if a URL
    is not one Apprise can use. The option given without a URL (`FROM_ENV`) stands for TRACKER_NOTIFY's URLs,
    read as `tracker schedule` reads them; one clear line if it names none."""
    # Apprise: loaded only by the commands that take notification URLs, so `tracker --help` and the other
    # commands stay fast.
    from tracker.report.masking import redact_logs
    from tracker.report.notify import NotifyError, parse_targets

    if FROM_ENV in urls:
        listed = os.environ.get(NOTIFY_ENV, "")
        if not listed.strip():
            raise click.ClickException(
                f"{option} without a URL sends to the URLs of {NOTIFY_ENV}, and {NOTIFY_ENV} names none"
            )
        urls = [listed if u == FROM_ENV else u for u in urls]
    try:
        targets = parse_targets([u for u in urls if u.strip()])
    except NotifyError as exc:
        raise click.ClickException(str(exc)) from None
    redact_logs(targets)
    return targets


def load_alert_rules(path: str | None, ecosystems: Sequence) -> list:  # noqa: ANN001
    """The alert rules of `path`, checked against the tracked ecosystems; one clear line if they are wrong."""
    if not path:
        return []
    # The rules' reader (TOML, the ecosystems file's rules): loaded only when alert rules are given, so
    # `tracker --help` and the other commands stay fast.
    from tracker.report.alert_file import check_rules, load_rules
    from tracker.report.alert_rule import AlertsError

    try:
        rules = load_rules(path)
        check_rules(rules, ecosystems, source=path)
    except AlertsError as exc:
        raise click.ClickException(str(exc)) from None
    return rules


def describe_targets(targets: Sequence) -> str:
    return ", ".join(f"{t.service} ({t.masked})" for t in targets)


# --- tracker digest ------------------------------------------------------------------------------------


@click.command()
@database_option
@ecosystems_file_option
@click.option("--run", "run_id", type=click.IntRange(1), metavar="ID", help="This run; default: the latest.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["markdown", "html", "json"]),
    help="Default: from the --output suffix (.md, .html, .json), else markdown.",
)
@click.option(
    "--output",
    "-o",
    default="-",
    show_default=True,
    metavar="PATH",
    help="A file (its folder must exist: a missing one is refused, never created; stderr says where it "
    "wrote), or - for stdout.",
)
@notify_option(envvar=None)
@dashboard_url_option
@alerts_option
@events_file_option
def digest(
    database_url: str,
    ecosystems_path: str | None,
    run_id: int | None,
    fmt: str | None,
    output: str,
    notify_urls: tuple[str, ...],
    dashboard_url: str | None,
    alerts_path: str | None,
    events_path: str | None,
) -> None:
    """The week in one page: a run against the run before it.

    The latest complete run (or --run): the headline figures with their change (the dashboard's
    Overview figures), new derivatives by family and relation, top movers and new entrants, the
    ecosystems side by side, notable events (new roots, models with children no longer tracked,
    downward revisions), the Hub's events of the week beside the download figures (and --events'),
    and the alert rules that fired (--alerts). HTML embeds its charts as images.
    --notify sends the summary (and one notice per rule that fired) too; the exit status is 1 if a
    notification could not be delivered. It only reads: a database that is not there is refused, never
    created.
    """
    # The digest (pandas, SQLAlchemy): loaded when the command runs, so `tracker --help` and the other
    # commands stay fast.
    from tracker.core.ecosystems import EcosystemsError, labels_of, load_ecosystems
    from tracker.core.events import load_events
    from tracker.report import digest_render
    from tracker.report.digest import DigestError, build

    suffix = Path(output).suffix.lower() if output != "-" else ""
    chosen = fmt or FORMAT_OF_SUFFIX.get(suffix) or "markdown"
    path = _destination(output, chosen)  # before any work: a missing folder is one line, nothing written
    targets = load_targets(notify_urls)
    rules = []
    try:
        ecosystems = load_ecosystems(ecosystems_path)
    except EcosystemsError as exc:
        if alerts_path:  # the rules need the file; the charts' labels can do without it (keys then)
            raise click.ClickException(str(exc)) from None
        ecosystems = ()
    if alerts_path:
        rules = load_alert_rules(alerts_path, ecosystems)
    engine = open_database(database_url, create=False)
    try:
        labels = labels_of(ecosystems)
        made = build(
            engine,
            run_id,
            rules=rules,
            dashboard_url=dashboard_url,
            labels=labels,
            hub_events=load_events(events_path),
        )
        text = digest_render.render(made, chosen)
    except DigestError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        engine.dispose()
    if path is None:
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        _write_file(path, text)
        click.echo(f"wrote the digest of run {made.run_id} ({chosen}) to {path.resolve()}", err=True)
    if targets and not send_digest(made, targets):
        raise click.ClickException("the digest was made, but a notification was not delivered (see the log)")


def _destination(output: str, fmt: str) -> Path | None:
    """The file to write (None for stdout), checked as `tracker export` checks its own: a folder that does
    not exist or cannot be written is refused in one line, never created."""
    # The export's checks (SQLAlchemy): loaded when the command runs, so `tracker --help` stays fast.
    from tracker.report.export import ExportError, check_destination

    try:
        return check_destination(output, fmt)
    except ExportError as exc:
        raise click.ClickException(str(exc)) from None


def _write_file(path: Path, text: str) -> None:
    """Written as `tracker export` writes (`export.atomic_file`): a failed write leaves no half file."""
    # The export's writer (SQLAlchemy): loaded when the command runs, so `tracker --help` and the other
    # commands stay fast.
    from tracker.report.export import ExportError, atomic_file

    try:
        with atomic_file(path) as out:
            out.write(text.encode("utf-8"))
    except ExportError as exc:
        raise click.ClickException(str(exc)) from None
    except OSError as exc:
        raise click.ClickException(f"cannot write {path}: {exc.strerror or exc}") from None


def send_digest(made, targets: Sequence) -> bool:  # noqa: ANN001 - a tracker.report.digest.Digest
    """The digest's summary and fired rules to every target, now; whether all were delivered."""
    # pandas and Apprise: loaded when the command runs, so `tracker --help` and the other commands stay fast.
    from tracker.report import digest_render
    from tracker.report.notify import Message, send_all

    title, body = digest_render.summary(made)
    messages = [Message(title, body, "info")]
    messages += [Message(t, b, "warning") for t, b in digest_render.alert_notices(made)]
    ok = True
    for message in messages:
        ok = all(d.ok for d in send_all(targets, message)) and ok
    return ok


# --- tracker notify ------------------------------------------------------------------------------------


@click.command()
@click.option(
    "--test",
    "test_urls",
    multiple=True,
    required=True,
    is_flag=False,
    flag_value=FROM_ENV,
    metavar="[URL]",
    help=f"Send a test message to this Apprise URL (repeatable); --test alone: to those of {NOTIFY_ENV}.",
)
def notify(test_urls: tuple[str, ...]) -> None:
    """Check notification URLs: sends each a test message and says whether it was delivered.

    The same URLs as `tracker schedule --notify` and `tracker digest --notify` take; `--test` alone checks
    those of TRACKER_NOTIFY, as the schedule reads them (no secret on the command line); shown masked. One
    try each, without the retries a schedule makes; the exit status is 1 if one could not be delivered
    (its error is on stderr).
    """
    from tracker.report.notify import Message, send_all  # Apprise: only when the command runs

    targets = load_targets(test_urls, "--test")
    message = Message(
        "Open-model adoption tracker: test",
        "A test message from `tracker notify --test`: this URL works. Digests and alerts will arrive here.",
        "info",
    )
    failed = []
    for delivery in send_all(targets, message, attempts=1):  # a check says what one try does
        target = delivery.target
        if delivery.ok:
            click.echo(f"delivered to {target.service} ({target.masked})")
        else:
            failed.append(f"{target.service} ({target.masked}): {delivery.error}")
    if failed:
        raise click.ClickException("not delivered to " + "; ".join(failed))
