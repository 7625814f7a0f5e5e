"""A partitioned export: a Hive-partitioned Parquet dataset, one folder per week, one file per run.

`DIR/week=YYYY-MM-DD/run-<id>.parquet`, the week being the Monday (UTC) of the run's `taken_at`: DuckDB,
Polars, Spark and Trino read the folder as one table, with `week` as a column they take from the folder
names (Hive's convention: it is not stored in the files). Each file is the table's rows of one run, from
the same query and with the same Arrow schema as the single-file Parquet export, written atomically.

Incremental: a manifest in the folder, `_tracker_export.json` (a leading `_`, so the readers' globs skip
it), names the table, the filters and, per run, the `rolled_up_at` it was written at. A rerun writes the
runs the folder lacks and rewrites none, but one: a run whose stored figures changed since (its
`rolled_up_at` moved, as when a run recorded between two others rewrote its deltas) is written again.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from tracker.report.export import (
    CHUNK_ROWS,
    ExportError,
    ExportFilters,
    atomic_file,
    export_query,
    stream_rows,
    write_parquet,
)
from tracker.report.export_schema import Table
from tracker.storage.handles import RUNS

if TYPE_CHECKING:
    from sqlalchemy import Connection, Engine

MANIFEST = "_tracker_export.json"
MANIFEST_VERSION = 1
PARTITIONED_TABLES = ("history", "bases", "runs")  # the tables with a run per row
COMPLETE_ONLY = ("history", "bases")  # `runs` keeps failed runs too, as the single-file export does


@dataclass
class LakeResult:
    """What one partitioned export did.

    Fields:
        runs_written: the runs whose files were written (new ones and rewritten ones).
        weeks_written: the weeks (partitions) those files are in.
        runs_present: the runs already in the folder, left as they were.
        rows: the rows written.
        rewritten: the runs written again because their stored figures changed since.
        empty: the runs with no rows under the filters (no file), newly noted.
    """

    runs_written: list[int] = field(default_factory=list)
    weeks_written: set[str] = field(default_factory=set)
    runs_present: int = 0
    rows: int = 0
    rewritten: list[int] = field(default_factory=list)
    empty: int = 0


def week_of(taken_at: datetime) -> date:
    """The Monday (UTC) of the instant's ISO week."""
    day = (taken_at if taken_at.tzinfo else taken_at.replace(tzinfo=UTC)).astimezone(UTC).date()
    return day - timedelta(days=day.weekday())


def run_file(week: date, run_id: int) -> str:
    """A run's file, relative to the folder."""
    return f"week={week.isoformat()}/run-{run_id}.parquet"


def check_lake_destination(output: str, fmt: str, table: Table) -> Path:
    """The folder a partitioned export writes; ExportError when it cannot be one."""
    if fmt != "parquet":
        raise ExportError(f"--partitioned writes Parquet only, not {fmt}: give --format parquet")
    if table.name not in PARTITIONED_TABLES:
        raise ExportError(
            f"--partitioned does not apply to {table.name} (it has no run per row; partitioned tables: "
            f"{', '.join(PARTITIONED_TABLES)})"
        )
    if output == "-":
        raise ExportError("--partitioned writes a folder, not stdout: give --output DIR")
    path = Path(output)
    if path.exists() and not path.is_dir():
        raise ExportError(f"cannot write {path}: it is a file (--partitioned writes a folder)")
    if not path.exists() and not path.parent.is_dir():
        raise ExportError(f"cannot write {path}: folder {path.parent} does not exist")
    writable = path if path.is_dir() else path.parent
    if not os.access(writable, os.W_OK | os.X_OK):
        raise ExportError(f"cannot write {path}: folder {writable} is not writable")
    return path


def filters_record(filters: ExportFilters) -> dict[str, Any]:
    """The filters as the manifest keeps them (names sorted: their order does not change the rows)."""
    return {
        "ecosystems": sorted(filters.ecosystems),
        "families": sorted(filters.families),
        "regions": sorted(filters.regions),
        "organisations": sorted(filters.organisations),
        "since": filters.since.astimezone(UTC).isoformat() if filters.since else None,
        "until": filters.until.astimezone(UTC).isoformat() if filters.until else None,
    }


def read_manifest(folder: Path, table: Table, filters: ExportFilters) -> dict[str, Any]:
    """The folder's manifest, or a new one for an absent or empty folder; ExportError for a folder that
    holds something else, another table's export or the same table's with other filters."""
    path = folder / MANIFEST
    wanted = {"version": MANIFEST_VERSION, "table": table.name, "filters": filters_record(filters)}
    if not path.exists():
        if folder.is_dir() and any(p for p in folder.iterdir() if not p.name.startswith(".")):
            raise ExportError(f"cannot write {folder}: it holds files but no {MANIFEST} (not an export)")
        return {**wanted, "runs": {}}
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        runs = manifest["runs"]
        same = {key: manifest[key] for key in wanted}
        if not isinstance(runs, dict):
            raise TypeError("runs is not an object")
    except json.JSONDecodeError as exc:
        raise ExportError(f"{path}: line {exc.lineno}: not JSON ({exc.msg})") from None
    except (OSError, KeyError, TypeError) as exc:
        raise ExportError(f"{path}: not a tracker export manifest ({type(exc).__name__}: {exc})") from None
    if same["table"] != table.name:
        raise ExportError(
            f"{folder} holds an export of {same['table']}, not {table.name}: give another --output folder"
        )
    if same != wanted:
        raise ExportError(
            f"{folder} holds an export of {table.name} with other filters ({_describe(same['filters'])}): "
            "give the same ones, or another --output folder"
        )
    return manifest


def _describe(record: Any) -> str:
    kept = {k: v for k, v in record.items() if v} if isinstance(record, dict) else record
    return ", ".join(f"{k}={v if isinstance(v, str) else ','.join(v)}" for k, v in kept.items()) or "none"


def write_manifest(folder: Path, manifest: dict[str, Any]) -> None:
    """The manifest, replaced whole (a rerun after an interruption trusts only what it names)."""
    with atomic_file(folder / MANIFEST) as f:
        f.write((json.dumps(manifest, indent=1, sort_keys=True) + "\n").encode("utf-8"))


def _stamp(value: datetime | None) -> str | None:
    if value is None:
        return None
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC).isoformat()


Run = tuple[int, datetime, str, str | None]  # id, taken_at, status, rolled_up_at stamp


def _runs(connection: Connection, table: Table, filters: ExportFilters) -> list[Run]:
    """(run id, taken_at, status, rolled_up_at stamp) of the runs that may have rows, oldest first; not
    those still running (`runs`: written once they end)."""
    r = RUNS.c
    query = select(r.id, r.taken_at, r.status, r.rolled_up_at).order_by(r.taken_at, r.id)
    query = query.where(r.status == "complete" if table.name in COMPLETE_ONLY else r.status != "running")
    if filters.since is not None:
        query = query.where(r.taken_at >= filters.since)
    if filters.until is not None:
        query = query.where(r.taken_at <= filters.until)
    return [(row.id, row.taken_at, row.status, _stamp(row.rolled_up_at)) for row in connection.execute(query)]


def _chunks_of(
    connection: Connection, table: Table, filters: ExportFilters, run_id: int, chunk_rows: int
) -> Iterator[list[tuple[Any, ...]]]:
    """The table's rows of one run: its export query, kept to the run on its `run_id` column."""
    query = export_query(table, filters)
    query = query.where(query.selected_columns.run_id == run_id)
    return stream_rows(connection, query, table, chunk_rows=chunk_rows)


class _FirstChunk:
    """The chunks, with the first one read ahead: a run with no rows gets no file."""

    def __init__(self, chunks: Iterator[list[tuple[Any, ...]]]) -> None:
        self._chunks = chunks
        self.first = next((c for c in chunks if c), None)

    def __iter__(self) -> Iterator[list[tuple[Any, ...]]]:
        if self.first is not None:
            yield self.first
            yield from self._chunks


def export_lake(
    engine: Engine,
    table: Table,
    folder: Path,
    filters: ExportFilters,
    *,
    chunk_rows: int = CHUNK_ROWS,
) -> LakeResult:
    """Write the runs the folder lacks (and those whose figures changed) as a Hive-partitioned dataset."""
    manifest = read_manifest(folder, table, filters)
    recorded: dict[str, dict[str, Any]] = manifest["runs"]
    result = LakeResult()
    try:
        folder.mkdir(exist_ok=True)
        with engine.connect() as connection:
            for run_id, taken_at, status, stamp in _runs(connection, table, filters):
                week = week_of(taken_at)
                name = run_file(week, run_id)
                before = recorded.get(str(run_id))
                had = before.get("rows") if isinstance(before, dict) else None
                if isinstance(had, int) and (had == 0 or (folder / name).exists()):
                    assert isinstance(before, dict)  # `had` came from it
                    if (before.get("status"), before.get("rolled_up_at")) == (status, stamp):
                        result.runs_present += had > 0
                        continue
                    if had > 0:
                        result.rewritten.append(run_id)
                chunks = _FirstChunk(_chunks_of(connection, table, filters, run_id, chunk_rows))
                rows = 0
                if chunks.first is not None:
                    (folder / name).parent.mkdir(exist_ok=True)
                    with atomic_file(folder / name) as f:
                        rows = write_parquet(chunks, table, f)
                    result.runs_written.append(run_id)
                    result.weeks_written.add(week.isoformat())
                    result.rows += rows
                else:
                    (folder / name).unlink(missing_ok=True)  # a run rewritten to no rows keeps no file
                    result.empty += before is None
                recorded[str(run_id)] = {
                    "week": week.isoformat(),
                    "status": status,
                    "rolled_up_at": stamp,
                    "rows": rows,
                }
                write_manifest(folder, manifest)  # after each file: an interrupted export resumes
        if not (folder / MANIFEST).exists():
            write_manifest(folder, manifest)  # an export of nothing yet is still this table's folder
    except SQLAlchemyError as exc:
        lines = str(getattr(exc, "orig", None) or exc).strip().splitlines()
        raise ExportError(f"cannot read the database: {lines[0] if lines else type(exc).__name__}") from None
    except OSError as exc:  # disk full, quota, a file system gone read-only
        raise ExportError(f"cannot write {folder}: {exc.strerror or exc}") from None
    return result
