"""An archive file's facts that say whether it repeats an earlier week: its rows' digest
(`tracker.core.week_digest`), computed while the backfill reads the file anyway, or alone, reading only the
digest's columns, when a file must be compared before it is imported.

The digest's columns, in this order: the id (`id`, or `modelId` in the oldest files), `_id`, `downloads`,
`downloadsAllTime`, `likes`; a column a file lacks hashes as absent in every row, so two files compare
alike whatever their era. The rows are those the Hub listed (a file's private rows left out), as the
import reads them.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from tracker.collect.archive import error_line
from tracker.collect.archive_budget import check_slice, plain_schema
from tracker.collect.archive_columns import ArchiveFileError
from tracker.core.week_digest import RowsDigest, number_hashes, text_hashes

NUMBERS = ("downloads", "downloadsAllTime", "likes")
SLICE = 50_000  # rows hashed at once when the digest is read alone


def _valid(array: pa.Array) -> np.ndarray | None:
    return None if array.null_count == 0 else array.is_valid().to_numpy(zero_copy_only=False)


def _text(array: pa.Array) -> np.ndarray:
    array = array.cast(pa.large_string())
    _, offsets, data = array.buffers()
    first = array.offset
    offsets_np = np.frombuffer(offsets, dtype=np.int64)[first : first + len(array) + 1]
    data_np = np.frombuffer(data, dtype=np.uint8) if data is not None else np.zeros(0, dtype=np.uint8)
    return text_hashes(offsets_np, data_np, _valid(array))


def _numbers(array: pa.Array) -> np.ndarray:
    if pa.types.is_floating(array.type):  # figures as floats, NaN for none (a shape the evidence allows)
        array = pc.if_else(pc.is_nan(array), pa.scalar(None, array.type), array)
        array = array.cast(pa.int64(), safe=False)
    array = array.cast(pa.int64())
    values = pc.fill_null(array, 0).to_numpy(zero_copy_only=False)
    return number_hashes(values, _valid(array))


def slice_hashes(table: pa.Table, id_column: str) -> list[np.ndarray]:
    """Each digest column's hash per row of a slice (its text decoded: plain strings)."""
    absent = np.full(table.num_rows, 0, dtype=np.uint64)
    out = []
    for name in (id_column, "_id"):
        out.append(_text(table[name].combine_chunks()) if name in table.column_names else absent)
    for name in NUMBERS:
        out.append(_numbers(table[name].combine_chunks()) if name in table.column_names else absent)
    return out


def digest_columns(schema: pa.Schema, id_column: str) -> list[str]:
    """The columns the digest reads from a file of this schema (with `private`, to leave private rows out)."""
    wanted = (id_column, "_id", *NUMBERS, "private")
    return [name for name in wanted if name in schema.names]


def visible(table: pa.Table) -> pa.Table:
    """The rows the Hub listed: a file with a `private` column may hold private rows; drop them."""
    if "private" not in table.column_names:
        return table
    return table.filter(pc.invert(pc.fill_null(table["private"], False)))


def _slices(parquet: pq.ParquetFile, columns: list[str]) -> Iterator[tuple[str, pa.RecordBatch]]:
    groups = parquet.num_row_groups
    for g in range(groups):
        first = 0
        for batch in parquet.iter_batches(batch_size=SLICE, row_groups=[g], columns=columns):
            yield f"row group {g + 1} of {groups}, rows {first + 1:,} to {first + batch.num_rows:,}", batch
            first += batch.num_rows


def read_digest(parquet: pq.ParquetFile, id_column: str) -> RowsDigest:
    """The file's digest, reading only its columns (the file's text budgets hold); ArchiveFileError when a
    row group cannot be read."""
    digest = RowsDigest()
    columns = digest_columns(parquet.schema_arrow, id_column)
    text = 0
    try:
        for where, batch in _slices(parquet, columns):
            text += check_slice(batch, where, text_before=text)
            table = pa.Table.from_batches([batch])
            table = visible(table.cast(plain_schema(table.schema)))
            digest.add(slice_hashes(table, id_column))
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise ArchiveFileError(f"cannot be read for its digest ({error_line(exc)})") from None
    return digest
