"""The `tracker` command line: parse, call, report. Errors are one line on stderr and a non-zero exit."""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Sequence

import click

from tracker.commands import backfill, bases, dashboard, digest, export, hub, snapshots


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
        # Apprise's own lines repeat ours, which name the service and the error (`tracker.report.notify` reads
        # them from Apprise's result): kept at WARNING for that, but not printed.
        apprise_logger = logging.getLogger("apprise")
        apprise_logger.setLevel(logging.WARNING)
        apprise_logger.propagate = False


for _command in (
    snapshots.snapshot,
    snapshots.runs,
    bases.bases,
    snapshots.schedule,
    backfill.backfill,
    export.export,
    digest.digest,
    digest.notify,
    hub.hub,
    dashboard.dashboard,
    dashboard.demo,
):
    cli.add_command(_command)


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
