"""Research exports: the five tables of `tracker.report.dictionary` as CSV, Parquet or JSON Lines, streamed.

The rows come from `tracker.read.history` (one definition of each table) in chunks, through a server-side
cursor on PostgreSQL, and each writer turns chunk after chunk into bytes: memory stays flat whatever
the history's size. One registry of writers, `WRITERS`; each takes the chunks and the table's columns
from the data dictionary. A file is written beside its destination and renamed into place when
complete, so a failed export never leaves half a file.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Literal

from tracker.read import history
from tracker.report.dictionary import TABLES, TIMESTAMP_FORMAT
from tracker.report.export_schema import Table

if TYPE_CHECKING:
    from sqlalchemy import Connection, Engine, Select

Format = Literal["csv", "parquet", "jsonl"]
Chunks = Iterable[Sequence[tuple[Any, ...]]]
CHUNK_ROWS = 10_000  # rows fetched per round trip; a chunk of history rows is a few MB of Python objects
PARQUET_ROW_GROUP_ROWS = 100_000  # chunks are buffered as Arrow (compact) up to this, then written
SUFFIXES = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet", ".jsonl": "jsonl", ".ndjson": "jsonl"}


class ExportError(Exception):
    """A bad request or an unwritable destination, in one line fit for the user."""


@dataclass(frozen=True)
class ExportFilters:
    """What to keep; None or empty keeps everything.

    Fields:
        ecosystems: the ecosystem names to keep.
        families: the family names to keep (history and models only).
        regions: the regions to keep (bases only).
        organisations: the organisations to keep (bases only), as the database spells them.
        since: the earliest instant kept (inclusive), on the table's time column; zone-aware.
        until: the latest instant kept (inclusive), on the table's time column; zone-aware.
    """

    ecosystems: tuple[str, ...] = ()
    families: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    organisations: tuple[str, ...] = ()
    since: datetime | None = None
    until: datetime | None = None


def table_spec(name: str) -> Table:
    """The data dictionary's entry for a table; ExportError for an unknown one."""
    try:
        return TABLES[name]
    except KeyError:
        raise ExportError(f"unknown table {name!r} (choose from {', '.join(TABLES)})") from None


def check_filters(table: Table, filters: ExportFilters) -> None:
    """Refuse a filter the table has no column for, and an empty time range."""
    if filters.families and "family" not in table.filters:
        raise ExportError(f"--family does not apply to {table.name} (it has no family column)")
    if filters.ecosystems and "ecosystem" not in table.filters:
        raise ExportError(f"--ecosystem does not apply to {table.name}")
    for option, values in (("region", filters.regions), ("organisation", filters.organisations)):
        if values and option not in table.filters:
            raise ExportError(f"--{option} does not apply to {table.name} (bases only)")
    if filters.since and filters.until and filters.since > filters.until:
        raise ExportError("--since is later than --until")


def export_query(table: Table, filters: ExportFilters) -> Select:
    """The table's query from `tracker.read.history`, filtered."""
    eco = list(filters.ecosystems) or None
    fam = list(filters.families) or None
    since, until = filters.since, filters.until
    if table.name == "history":
        return history.history_select(ecosystems=eco, families=fam, since=since, until=until)
    if table.name == "models":
        return history.models_select(ecosystems=eco, families=fam, since=since, until=until)
    if table.name == "edges":
        return history.edges_select(ecosystems=eco, since=since, until=until)
    if table.name == "bases":
        return history.bases_select(
            ecosystems=eco,
            regions=list(filters.regions) or None,
            organisations=list(filters.organisations) or None,
            since=since,
            until=until,
        )
    return history.runs_select(ecosystems=eco, since=since, until=until)


def stream_rows(
    connection: Connection, query: Select, table: Table, *, chunk_rows: int = CHUNK_ROWS
) -> Iterator[list[tuple[Any, ...]]]:
    """The query's rows in chunks, fetched as they are consumed (server-side on PostgreSQL)."""
    # yield_per turns on stream_results: a named (server-side) cursor with psycopg, and plain stepping
    # with sqlite3, which computes rows as they are fetched. Set on the statement, not the connection,
    # so that nothing else run on this connection is streamed.
    result = connection.execute(query.execution_options(yield_per=chunk_rows))
    try:
        if tuple(result.keys()) != table.names:  # history.py and the dictionary must agree
            raise RuntimeError(f"{table.name}: query columns {tuple(result.keys())} != {table.names}")
        for partition in result.partitions():
            yield [tuple(row) for row in partition]  # plain tuples: the writers read them faster than Rows
    finally:
        result.close()


# --- values ------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=4096)  # a history repeats each run's taken_at on thousands of rows
def format_timestamp(value: datetime) -> str:
    """An instant as the exports' text: ISO 8601, UTC, microseconds, `Z` (`2026-11-02T06:00:00.000000Z`)."""
    if value.tzinfo is None:
        raise ValueError(f"naive timestamp {value.isoformat()} (the store keeps UTC instants)")
    return value.astimezone(UTC).strftime(TIMESTAMP_FORMAT)


def _text_converter(table: Table) -> Callable[[tuple[Any, ...]], tuple[Any, ...]]:
    """A function turning a row's timestamps into text, leaving the other values as they are."""
    positions = [i for i, c in enumerate(table.columns) if c.kind == "timestamp"]

    def convert(row: tuple[Any, ...]) -> tuple[Any, ...]:
        values = list(row)
        for i in positions:
            if values[i] is not None:
                values[i] = format_timestamp(values[i])
        return tuple(values)

    return convert


# --- writers: chunks of rows in, bytes out; each returns the number of rows written --------------------


def write_csv(chunks: Chunks, table: Table, out: BinaryIO) -> int:
    """CSV: a header, then one line per row; empty fields are missing values; timestamps as text."""
    text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=False)
    try:
        writer = csv.writer(text, lineterminator="\n")
        writer.writerow(table.names)
        convert, rows = _text_converter(table), 0
        for chunk in chunks:
            writer.writerows(map(convert, chunk))  # csv writes None as an empty field
            rows += len(chunk)
        text.flush()
    finally:
        text.detach()  # the caller owns `out`: closing the wrapper would close it
    return rows


def write_jsonl(chunks: Chunks, table: Table, out: BinaryIO) -> int:
    """JSON Lines: one object per row, keys in column order, null for missing values."""
    encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    names, convert, rows = table.names, _text_converter(table), 0
    for chunk in chunks:
        lines = [encode(dict(zip(names, convert(row), strict=True))) for row in chunk]
        if lines:
            out.write(("\n".join(lines) + "\n").encode("utf-8"))
        rows += len(chunk)
    return rows


def arrow_schema(table: Table):  # noqa: ANN201 - a pyarrow.Schema; pyarrow is imported lazily
    """The table's Arrow schema, with the pandas metadata that gives every column the same dtype always."""
    import pyarrow as pa

    types = {"integer": pa.int64(), "text": pa.string(), "timestamp": pa.timestamp("us", tz="UTC")}
    fields = [pa.field(c.name, types[c.kind], nullable=c.nullable) for c in table.columns]
    # Without this, pandas reads a nullable integer column as int64 when a file happens to have no gaps
    # and as float64 when it has any: declare Int64 (nullable) for those, so a script's dtypes never
    # depend on the data. Other readers (DuckDB, Polars, R arrow) ignore the key.
    pandas_types = {"integer": "int64", "text": "unicode", "timestamp": "datetimetz"}
    columns = [
        {
            "name": c.name,
            "field_name": c.name,
            "pandas_type": pandas_types[c.kind],
            "numpy_type": {"integer": "Int64" if c.nullable else "int64", "text": "object"}.get(
                c.kind, "datetime64[us]"
            ),
            "metadata": {"timezone": "UTC"} if c.kind == "timestamp" else None,
        }
        for c in table.columns
    ]
    pandas = {
        "index_columns": [],
        "column_indexes": [],
        "columns": columns,
        "creator": {"library": "tracker"},
        "pandas_version": "2.0.0",
    }
    return pa.schema(fields).with_metadata({b"pandas": json.dumps(pandas).encode()})


def write_parquet(chunks: Chunks, table: Table, out: BinaryIO) -> int:
    """Parquet: typed columns (int64, timestamp[us, UTC], string), a row group per ~100,000 rows."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = arrow_schema(table)
    buffered: list[pa.RecordBatch] = []
    pending = rows = 0
    with pq.ParquetWriter(out, schema) as writer:
        for chunk in chunks:
            if not chunk:
                continue
            columns = zip(*chunk, strict=True)
            arrays = [pa.array(values, type=f.type) for values, f in zip(columns, schema, strict=True)]
            buffered.append(pa.RecordBatch.from_arrays(arrays, schema=schema))
            pending += len(chunk)
            rows += len(chunk)
            if pending >= PARQUET_ROW_GROUP_ROWS:
                writer.write_table(pa.Table.from_batches(buffered, schema=schema))
                buffered, pending = [], 0
        if buffered:
            writer.write_table(pa.Table.from_batches(buffered, schema=schema))
    return rows


WRITERS: dict[str, Callable[[Chunks, Table, BinaryIO], int]] = {
    "csv": write_csv,
    "parquet": write_parquet,
    "jsonl": write_jsonl,
}


# --- destinations ------------------------------------------------------------------------------------


def format_for(output: str, requested: str | None) -> str:
    """The format asked for; else the one the output's suffix names; else csv."""
    if requested is not None:
        if requested not in WRITERS:
            raise ExportError(f"unknown format {requested!r} (choose from {', '.join(WRITERS)})")
        return requested
    return SUFFIXES.get(Path(output).suffix.lower(), "csv") if output != "-" else "csv"


def check_destination(output: str, fmt: str) -> Path | None:
    """The path to write (None for stdout); ExportError when it cannot be written."""
    if output == "-":
        if fmt == "parquet":
            raise ExportError("parquet cannot go to stdout: give --output PATH")
        return None
    path = Path(output)
    if path.is_dir():
        raise ExportError(f"cannot write {path}: it is a folder")
    folder = path.parent
    if not folder.is_dir():
        raise ExportError(f"cannot write {path}: folder {folder} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ExportError(f"cannot write {path}: folder {folder} is not writable")
    return path


def _new_file_mode(path: Path) -> int:
    """The mode the file would get if opened the usual way: the existing file's, or 0o666 less the umask."""
    try:
        return path.stat().st_mode & 0o7777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


@contextmanager
def atomic_file(path: Path) -> Iterator[BinaryIO]:
    """A temporary file beside `path`, renamed onto it when the block succeeds, removed when it fails."""
    try:
        fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    except OSError as exc:
        raise ExportError(f"cannot write {path}: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.chmod(temp, _new_file_mode(path))
        os.replace(temp, path)
    except BaseException:
        with suppress(FileNotFoundError):
            os.unlink(temp)
        raise


def export_table(
    engine: Engine,
    table: Table,
    fmt: Format,
    out: BinaryIO,
    filters: ExportFilters = ExportFilters(),
    *,
    chunk_rows: int = CHUNK_ROWS,
) -> int:
    """Write one table in one format to an open binary stream; return the rows written."""
    from sqlalchemy.exc import SQLAlchemyError

    check_filters(table, filters)
    writer = WRITERS[fmt]
    try:
        with engine.connect() as connection:  # one query, one transaction: a consistent view
            chunks = stream_rows(connection, export_query(table, filters), table, chunk_rows=chunk_rows)
            return writer(chunks, table, out)
    except SQLAlchemyError as exc:
        lines = str(getattr(exc, "orig", None) or exc).strip().splitlines()
        raise ExportError(f"cannot read the database: {lines[0] if lines else type(exc).__name__}") from None


def export_to(
    engine: Engine,
    table: Table,
    fmt: Format,
    path: Path,
    filters: ExportFilters = ExportFilters(),
    *,
    chunk_rows: int = CHUNK_ROWS,
) -> int:
    """Write one table to a file, atomically; return the rows written."""
    try:
        with atomic_file(path) as f:
            return export_table(engine, table, fmt, f, filters, chunk_rows=chunk_rows)
    except OSError as exc:  # disk full, quota, a file system gone read-only
        raise ExportError(f"cannot write {path}: {exc.strerror or exc}") from None
