"""`tracker bases`: the whole Hub's top bases in a run, and the ecosystems-file block that tracks one."""

from __future__ import annotations

from datetime import UTC
from typing import TYPE_CHECKING

import click

from tracker.commands.options import database_option, ecosystems_file_option, open_database
from tracker.core.ecosystem_block import ecosystem_block
from tracker.core.ecosystems import EcosystemsError, load_ecosystems
from tracker.core.hub_ids import is_repo_id
from tracker.core.organisations import REGIONS

if TYPE_CHECKING:
    import pandas as pd
    from sqlalchemy import Engine

RECORDS_IT = "a scan (`tracker snapshot --strategy scan`) or a backfill (`tracker backfill`) records it"
COLUMNS = (
    "",
    "base",
    "organisation",
    "region",
    "derivatives",
    "new",
    "downloads 30d",
    "capture",
    "ecosystems",
)
RIGHT = {"derivatives", "new", "downloads 30d", "capture"}
TOP = 20


@click.command()
@database_option
@ecosystems_file_option
@click.argument("base_id", required=False, metavar="[BASE_ID]")
@click.option(
    "--run",
    "run_id",
    type=click.IntRange(1),
    metavar="ID",
    help="This run; default: the latest with the view.",
)
@click.option("--top", type=click.IntRange(1), default=None, help=f"Bases to list  [default: {TOP}].")
@click.option(
    "--region",
    "regions",
    multiple=True,
    type=click.Choice(REGIONS, case_sensitive=False),
    help="List the bases of this region only (repeatable).",
)
@click.option("--untracked", is_flag=True, help="List the bases outside every tracked ecosystem only.")
@click.option(
    "--whole-namespace",
    is_flag=True,
    help="With BASE_ID: make every model of the base's namespace a root too (`authors`).",
)
def bases(
    database_url: str,
    ecosystems_path: str | None,
    base_id: str | None,
    run_id: int | None,
    top: int | None,
    regions: tuple[str, ...],
    untracked: bool,
    whole_namespace: bool,
) -> None:
    """List the whole Hub's top bases by derivatives, or print the block that starts tracking one.

    Without BASE_ID: the latest run's bases with the whole-Hub view (a scan or an archive backfill
    records it), most derivatives first: id, organisation, region, derivatives, new derivatives since
    the run with the view before, the base's own 30-day downloads, capture (its derivatives' share of
    the family's 30-day downloads) and the tracked ecosystems it is a root of; a `*` marks those outside
    every tracked ecosystem. With BASE_ID: an `[[ecosystem]]` block for the ecosystems file (TOML) whose
    one family has that base as its root, named apart from the file's own (--ecosystems); append it to
    that file (`>> ecosystems.toml`) and the next snapshot tracks it. It only reads: a database that is
    not there is refused, never created.
    """
    if base_id is not None and (regions or untracked or top is not None):
        raise click.ClickException("--top, --region and --untracked list bases: give them without BASE_ID")
    if base_id is None and whole_namespace:
        raise click.ClickException("--whole-namespace shapes the block of one base: give BASE_ID")
    # The database (SQLAlchemy, pandas): loaded when the command runs, so `tracker --help` stays fast.
    from tracker.read.hub import load_bases

    engine = open_database(database_url, create=False)
    try:
        run = _pick_run(engine, run_id, listing=base_id is None)
        if run is None:  # nothing to list: said on stdout, as `tracker runs` says it has no runs
            return
        frame = load_bases(engine, int(run["run_id"]))
    finally:
        engine.dispose()
    if base_id is not None:
        click.echo(_block(frame, run, base_id, ecosystems_path, whole_namespace), nl=False)
        return
    shown = frame
    if regions:
        shown = shown[shown["region"].isin({r.lower() for r in regions})]
    if untracked:
        shown = shown[~shown["tracked"]]
    click.echo("\n".join(_listing(run, frame, shown.head(top or TOP), regions, untracked)))


# --- which run ---------------------------------------------------------------------------------------


def _pick_run(engine: Engine, run_id: int | None, *, listing: bool) -> pd.Series | None:
    """The run with the view to read (`load_view_runs`' row): `run_id`'s or the latest. ClickException
    for a run that is not there or has no view; None (the line said) when no run has the view yet and
    the caller lists bases."""
    # The database (SQLAlchemy, pandas): loaded when the command runs, so `tracker --help` stays fast.
    from sqlmodel import Session

    from tracker.read.hub import load_view_runs  # pandas: as above
    from tracker.storage.loads import load_runs  # SQLAlchemy: as above

    views = load_view_runs(engine)
    if run_id is None and not views.empty:
        return views.iloc[-1]
    if run_id is not None and run_id in set(views["run_id"]):
        return views[views["run_id"] == run_id].iloc[-1]
    with Session(engine) as session:
        runs = sorted(load_runs(session), key=lambda r: (r.taken_at, r.id))
    if run_id is not None:
        run = next((r for r in runs if r.id == run_id), None)
        if run is None:
            raise click.ClickException(f"no run {run_id} in this database (`tracker runs` lists them)")
        if run.status != "complete":
            raise click.ClickException(
                f"run {run_id} is {run.status}, not complete: it has no whole-Hub view"
            )
        with_view = _ids([int(r) for r in views["run_id"]]) or "none yet"
        raise click.ClickException(
            f"run {run_id} has no whole-Hub view (a {run.strategy} run; runs with it: {with_view}): "
            "only scans and backfills record it"
        )
    if not runs:
        line = f"no runs yet, so no whole-Hub view: {RECORDS_IT}"
    else:
        line = f"no run has the whole-Hub view yet (runs: {_ids([r.id for r in runs])}): {RECORDS_IT}"
    if listing:
        click.echo(line)
        return None
    raise click.ClickException(line)


def _ids(ids: list[int]) -> str:
    """Run ids for one line: all of a few, else how many and the range."""
    return ", ".join(map(str, ids)) if len(ids) <= 8 else f"{len(ids):,}, ids {min(ids)} to {max(ids)}"


# --- the listing -------------------------------------------------------------------------------------


def _percent(share: float) -> str:
    """A share as a whole percentage; `<1%` rather than a 0% that is not nothing; `-` when unknown."""
    if share != share or str(share) == "<NA>":
        return "-"
    return "<1%" if 0 < share < 0.005 else f"{share:.0%}"


def _text(value: object) -> str:
    """A value for the terminal: missing as `-`, printable characters only (ids and names are data)."""
    if value is None or value != value or str(value) == "<NA>":  # None, NaN, pd.NA
        return "-"
    return "".join(char if char.isprintable() else "?" for char in str(value))


def _listing(
    run: pd.Series, every: pd.DataFrame, shown: pd.DataFrame, regions: tuple[str, ...], untracked: bool
) -> list[str]:
    """The lines of the listing: the run's totals, the table, what `*` means."""
    import pandas as pd  # pandas: loaded with the reads, as in `bases`

    new = run["hub_new_derivatives"]
    new_text = "" if pd.isna(new) else f" ({int(new):,} new)"
    taken = pd.Timestamp(run["taken_at"]).astimezone(UTC)
    kept = [f"region {' or '.join(r.lower() for r in regions)}"] if regions else []
    kept += ["untracked"] if untracked else []
    lines = [
        f"run {int(run['run_id'])}, taken {taken:%Y-%m-%d %H:%M} UTC: {int(run['hub_models']):,} models "
        f"listed, {int(run['hub_derivatives']):,} derivatives{new_text}, {len(every):,} bases",
        f"top {len(shown):,} by derivatives{' (' + ', '.join(kept) + ')' if kept else ''}:",
    ]
    rows = [
        (
            "" if b.tracked else "*",
            _text(b.base_id),
            _text(b.organisation),
            _text(b.region),
            f"{b.derivatives:,}",
            "-" if pd.isna(b.new_derivatives) else f"{b.new_derivatives:,}",
            "-" if pd.isna(b.downloads_30d) else f"{b.downloads_30d:,}",
            _percent(b.capture_share),
            ", ".join(_text(e) for e in b.ecosystems.split(";")) if b.tracked else "-",
        )
        for b in shown.itertuples()
    ]
    widths = [max([len(h), *(len(r[i]) for r in rows)]) for i, h in enumerate(COLUMNS)]
    for row in [COLUMNS, *rows]:
        cells = [
            c.rjust(w) if h in RIGHT else c.ljust(w) for c, w, h in zip(row, widths, COLUMNS, strict=True)
        ]
        lines.append("  ".join(cells).rstrip())
    if not rows:
        lines.append("(no base matches)")
    if any(r[0] == "*" for r in rows):
        lines.append(
            "* outside every tracked ecosystem: `tracker bases BASE_ID` prints the block that tracks one"
        )
    return lines


# --- one base's block --------------------------------------------------------------------------------


def _block(
    frame: pd.DataFrame, run: pd.Series, base_id: str, ecosystems_path: str | None, whole_namespace: bool
) -> str:
    """The ecosystems-file block for the base (any case) of the run; ClickException when it is no base."""
    import pandas as pd  # pandas: loaded with the reads, as in `bases`

    if not is_repo_id(base_id):
        raise click.ClickException(f"not a Hub model id (namespace/name): {base_id!r}")
    match = frame[frame["base_id"].str.lower() == base_id.lower()]
    if match.empty:
        raise click.ClickException(
            f"{base_id} is no base in run {int(run['run_id'])} (a base is a listed model that declares no "
            "parent and has derivatives): `tracker bases` lists them"
        )
    base = match.iloc[0]
    try:
        taken = [e.name for e in load_ecosystems(ecosystems_path)]
    except EcosystemsError as exc:
        raise click.ClickException(str(exc)) from None
    when = pd.Timestamp(run["taken_at"]).astimezone(UTC)
    comments = [
        f"Starts tracking {base.base_id} ({base.organisation}, region {base.region}): {base.derivatives:,} "
        f"derivatives in run {int(run['run_id'])} ({when:%Y-%m-%d}).",
        "Append it to the ecosystems file (--ecosystems PATH or TRACKER_ECOSYSTEMS); the next snapshot "
        "tracks it.",
    ]
    if base.tracked:
        comments.append(f"Already a root of: {base.ecosystems.replace(';', ', ')}.")
    return ecosystem_block(base.base_id, whole_namespace=whole_namespace, taken=taken, comments=comments)
