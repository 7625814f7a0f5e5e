"""`tracker export`: the recorded history as CSV, Parquet or JSON Lines."""

from __future__ import annotations

import difflib
import logging
import os
import sys
from dataclasses import replace

import click

from tracker.commands.options import (
    database_option,
    open_database,
    parse_instant,
)
from tracker.core.errors import one_line, unknown_name
from tracker.core.organisations import REGIONS
from tracker.report.dictionary import TABLES, render_table

logger = logging.getLogger("tracker.commands.export")
_NAMED = 30  # known names listed in full when a name is refused; more: the closest ones


# --- exports ---------------------------------------------------------------------------------------


def _export_epilog() -> str:
    """The columns of each table, from the data dictionary (the one source for docs and help)."""
    lines = [f"{t.name}: {', '.join(t.names)}." for t in TABLES.values()]
    return "\n\n".join(["Columns (their meanings: --describe, or docs/data-dictionary.md):", *lines])


def _table_names() -> list[str]:
    return list(TABLES)


@click.command(epilog=_export_epilog())
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
    help="File to write (replaced whole, only once complete); - is stdout (csv and jsonl only). With "
    "--partitioned: the folder to write.",
)
@click.option(
    "--partitioned",
    is_flag=True,
    help="Write a Hive-partitioned Parquet dataset into the --output folder (history, bases, runs): "
    "week=YYYY-MM-DD/run-ID.parquet, one file per run; a rerun writes only the runs the folder lacks.",
)
@click.option(
    "--ecosystem",
    "ecosystems",
    multiple=True,
    metavar="NAME",
    help="Keep this ecosystem (repeatable): one the database holds, in any case; another is refused, "
    "naming those it holds.",
)
@click.option(
    "--family",
    "families",
    multiple=True,
    metavar="NAME",
    help="Keep this family (repeatable; history and models only): one the database holds (within the kept "
    "ecosystems), in any case; another is refused, naming those it holds.",
)
@click.option(
    "--region",
    "regions",
    multiple=True,
    type=click.Choice(REGIONS, case_sensitive=False),
    help="Keep the bases of this region (repeatable; bases only).",
)
@click.option(
    "--organisation",
    "organisations",
    multiple=True,
    metavar="NAME",
    help="Keep the bases of this organisation (repeatable; bases only): one the database's bases have, in "
    "any case; another is refused, naming those it holds.",
)
@click.option(
    "--since",
    "since_text",
    metavar="ISO8601",
    help="Keep rows from this instant on, inclusive (taken_at for history, runs and bases, last_seen_at "
    "for models and edges; naive means UTC; a date alone is its midnight).",
)
@click.option("--until", "until_text", metavar="ISO8601", help="Keep rows up to this instant, inclusive.")
@click.option("--describe", is_flag=True, help="Print the table's data dictionary instead of exporting.")
def export(
    database_url: str,
    table: str,
    fmt: str | None,
    output: str,
    partitioned: bool,
    ecosystems: tuple[str, ...],
    families: tuple[str, ...],
    regions: tuple[str, ...],
    organisations: tuple[str, ...],
    since_text: str | None,
    until_text: str | None,
    describe: bool,
) -> None:
    """Export a table of the recorded history as CSV, Parquet or JSON Lines.

    TABLE is history (one row per model per ecosystem per complete run, with the all-time downloads'
    delta since the previous run), models, edges (declared parent links), runs (every run) or bases
    (the whole-Hub view: one row per base of the Hub per run that read the whole Hub; --ecosystem keeps
    the bases inside it). Rows stream from the database in chunks, so memory stays flat however long
    the history. It only reads: a database that is not there is refused, never created; so are
    ecosystems, families and organisations it does not hold (the known ones are those of its runs, not
    the files'), and no file is written.
    """
    # The export's writers (SQLAlchemy): loaded when the command runs, so `tracker --help` and the other
    # commands stay fast.
    from tracker.report.export import (
        ExportError,
        ExportFilters,
        check_destination,
        check_filters,
        export_table,
        export_to,
        format_for,
        table_spec,
    )
    from tracker.report.export_lake import check_lake_destination  # as above

    spec = table_spec(table)
    if describe:
        click.echo(render_table(spec, level=1), nl=False)
        return
    filters = ExportFilters(
        ecosystems=ecosystems,
        families=families,
        regions=tuple(dict.fromkeys(r.lower() for r in regions)),
        organisations=organisations,
        since=parse_instant(since_text, "--since") if since_text else None,
        until=parse_instant(until_text, "--until") if until_text else None,
    )
    try:
        fmt = format_for(output, fmt if fmt or not partitioned else "parquet")
        check_filters(spec, filters)
        path = check_lake_destination(output, fmt, spec) if partitioned else check_destination(output, fmt)
    except ExportError as exc:
        raise click.ClickException(str(exc)) from None
    engine = open_database(database_url, create=False)
    try:
        filters = _known_names(engine, filters)
        if partitioned:
            assert path is not None  # check_lake_destination refuses stdout
            rows = _export_lake(engine, spec, path, filters)
        elif path is not None:
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
    if rows == 0 and (ecosystems or families or regions or organisations or since_text or until_text):
        logger.warning("no %s rows match the filters", table)


def _export_lake(engine, spec, folder, filters) -> int:  # noqa: ANN001 - an Engine, Table, Path, ExportFilters
    """The partitioned export (`tracker.report.export_lake`), told in a line; the rows written plus the
    runs already there (0 only when nothing matches the filters)."""
    from tracker.report.export_lake import export_lake  # pyarrow, SQLAlchemy: as the other writers

    done = export_lake(engine, spec, folder, filters)
    for run_id in done.rewritten:
        logger.info("run %d written again: its stored figures changed since it was exported", run_id)
    logger.info(
        "wrote %d week%s, %d run%s, %s rows of %s to %s; %d run%s already there",
        len(done.weeks_written),
        "" if len(done.weeks_written) == 1 else "s",
        len(done.runs_written),
        "" if len(done.runs_written) == 1 else "s",
        f"{done.rows:,}",
        spec.name,
        folder,
        done.runs_present,
        "" if done.runs_present == 1 else "s",
    )
    return done.rows + done.runs_present  # nothing written because all is there is not "no rows match"


def _known_names(engine, filters):  # noqa: ANN001, ANN202 - an Engine, ExportFilters
    """The filters with each name as the database spells it (ecosystem and family names match in any
    case); a name the database does not hold is refused as `tracker snapshot` refuses an unknown
    ecosystem, naming the known ones, before anything is written."""
    # The database's tables (SQLAlchemy): loaded when the command runs, so `tracker --help` stays fast.
    from sqlalchemy import select
    from sqlalchemy.exc import SQLAlchemyError

    from tracker.storage.handles import MEMBERSHIP, ROLLUP, RUNS  # SQLAlchemy's: as above

    organisations = _known_organisations(engine, filters.organisations) if filters.organisations else ()
    filters = replace(filters, organisations=organisations)
    if not filters.ecosystems and not filters.families:
        return filters
    # Every (ecosystem, family) of the complete runs: from the roll-ups (a few rows a run), and from the
    # members of a complete run whose roll-ups are not written yet; the ecosystems of every run besides
    # (`runs` keeps failed runs too).
    pending = select(RUNS.c.id).where(RUNS.c.status == "complete", RUNS.c.rolled_up_at.is_(None))
    try:
        with engine.connect() as connection:
            pairs = set(connection.execute(select(ROLLUP.c.ecosystem, ROLLUP.c.family).distinct()).all())
            pairs |= set(
                connection.execute(
                    select(MEMBERSHIP.c.ecosystem, MEMBERSHIP.c.family)
                    .where(MEMBERSHIP.c.run_id.in_(pending))
                    .distinct()
                ).all()
            )
            crawled = connection.execute(select(RUNS.c.ecosystems).distinct()).scalars().all()
    except SQLAlchemyError as exc:
        raise click.ClickException(f"cannot read the database: {one_line(exc, limit=300)}") from None
    known_ecosystems = sorted({e for e, _ in pairs} | {e for text in crawled for e in text.split(";") if e})
    ecosystems = _resolve("ecosystem", filters.ecosystems, known_ecosystems)
    families: tuple[str, ...] = ()
    if filters.families:
        kept = set(ecosystems) or set(known_ecosystems)
        kind = f"{' or '.join(ecosystems)} family" if ecosystems else "family"
        families = _resolve(kind, filters.families, sorted({f for e, f in pairs if e in kept}))
    return replace(filters, ecosystems=ecosystems, families=families)


def _known_organisations(engine, names: tuple[str, ...]) -> tuple[str, ...]:  # noqa: ANN001 - an Engine
    """The organisations as the database's bases spell them; one they do not have is refused, naming
    those they have."""
    # The database's tables (SQLAlchemy): loaded when the command runs, so `tracker --help` stays fast.
    from sqlalchemy import select
    from sqlalchemy.exc import SQLAlchemyError
    from sqlmodel import col

    from tracker.storage.tables.hub import HubBase  # SQLAlchemy's: as above

    try:
        with engine.connect() as connection:
            known = connection.execute(select(col(HubBase.organisation)).distinct()).scalars().all()
    except SQLAlchemyError as exc:
        raise click.ClickException(f"cannot read the database: {one_line(exc, limit=300)}") from None
    known = sorted(known)
    for name in names:
        if len(known) > _NAMED and not any(k.casefold() == name.strip().casefold() for k in known):
            # Every namespace the file does not name is its own organisation: far too many to list.
            close = difflib.get_close_matches(name, known, n=5, cutoff=0.6)
            hint = f"closest: {', '.join(close)}" if close else "none close"
            raise click.ClickException(f"unknown organisation '{name}' ({len(known):,} known; {hint})")
    return _resolve("organisation", names, known)


def _resolve(kind: str, names: tuple[str, ...], known: list[str]) -> tuple[str, ...]:
    """Each name as `known` spells it (any case: every spelling that folds to it); ClickException for one
    that is not there."""
    resolved: list[str] = []
    for name in names:
        matches = [k for k in known if k.casefold() == name.strip().casefold()]
        if not matches:
            raise click.ClickException(unknown_name(kind, name, known))
        resolved += [m for m in matches if m not in resolved]
    return tuple(resolved)
