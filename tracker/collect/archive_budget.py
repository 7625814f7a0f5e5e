"""What an archive file may cost to read: budgets a real weekly file never reaches, checked before its
text is decoded, so that a small hostile file cannot decode to gigabytes.

The archive is a third party's file. Parquet's dictionary encoding stores a repeated value once, so 2 kB
can declare 20,000 rows of 300 copies of a 200-character tag: 1.2 GB once decoded (2.6 GB peak read
the plain way). Three layers, each refusing with one line (`ArchiveBudgetError`, an unreadable file):

1. the file's tail and footer (`check_footer_length`, `check_footer`): the footer's size, the file's
   rows; per row group the compressed bytes of the column chunks read, the entries of its lists, and
   the values of each column chunk per row on average: all from the footer, before any column chunk is
   fetched;
2. each slice of rows as pyarrow gives it with every text column read as a dictionary (indices into the
   distinct values, never the repeated text: `text_leaves`), before its text is decoded
   (`check_slice`): entries of a list in one row, bytes of one value, list entries and bytes of text of
   the slice, bytes of text of the file so far;
3. the slice is decoded (`plain_type`) only then.

The real archive's shape (`hfmlsoc/hub_weekly_snapshots`, 2026: about 2.2 million rows, 1.57 GB a file,
row groups of about a million rows; the columns read take about 55 bytes a row compressed and a few
hundred decoded, a dozen tags a model, one or two declared parents, merges of up to 65 bases) is far
inside each budget below, which says why it is where it is.
"""

from __future__ import annotations

from collections.abc import Sequence

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from tracker.collect.archive_columns import ArchiveFileError

MiB = 1024 * 1024

# The footer (the file's schema and the row groups' metadata) is read whole. A real file's is tens of
# kB (a few row groups of a few dozen columns); a claimed length over this is refused unread.
MAX_FOOTER_BYTES = 16 * MiB
# The compressed column chunks of one row group that an import reads are held in memory while the row
# group is decoded. A real row group of a million rows reads about 55 MB.
MAX_GROUP_READ_BYTES = 256 * MiB
# Rows of a file: a real one has about 2.2 million.
MAX_FILE_ROWS = 20_000_000
# Entries of the lists read (`tags`, `baseModels.models`, the parameter counts) in one row group: what one
# slice of rows can hold at the worst (all in one slice: a few bytes an entry as dictionary indices and
# levels). A real row group of a million rows holds about 15 million (a dozen tags a row).
MAX_GROUP_LIST_ENTRIES = 32_000_000
# Values of a column chunk per row of its row group, on average (a list's entries; 1 for a plain
# column). Real: about a dozen tags a model, one or two declared parents.
MAX_VALUES_PER_ROW = 100
# Entries of one list in one row (`tags`, `baseModels.models`). The most multilingual model cards list
# about 1,600 languages, each a tag; a merge declares up to 65 bases.
MAX_LIST_ENTRIES = 10_000
# Bytes of one text value. The longest real values are `baseModels` as JSON text of a merge (a few kB)
# and dataset tags (a few hundred bytes).
MAX_TEXT_BYTES = 64 * 1024
# A slice of rows (`tracker.collect.archive_file.SLICE`, 20,000) as decoded: its list entries (as
# `MAX_VALUES_PER_ROW` on average) and its bytes of text (6.7 kB a row; real rows hold a few hundred).
MAX_SLICE_ENTRIES = 2_000_000
MAX_SLICE_TEXT_BYTES = 128 * MiB
# Bytes of text of a whole file once decoded: what the spill of a file puts on disk, about. Real: about
# 0.5 GB (a few hundred bytes a row).
MAX_FILE_TEXT_BYTES = 8 * 1024 * MiB


class ArchiveBudgetError(ArchiveFileError):
    """The file would cost more to read than any real archive file: one line naming the budget."""


def size_text(n: int) -> str:
    """Bytes for people: `1.2 GB`, `64 kB`, `900 bytes` (powers of 1000, as the progress line)."""
    for unit, scale in (("GB", 10**9), ("MB", 10**6), ("kB", 10**3)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n:,} bytes"


def check_footer_length(tail: bytes, size: int) -> None:
    """The last 8 bytes of a Parquet file: the footer's length, then `PAR1`. Refuse a footer over budget."""
    if len(tail) < 8 or tail[4:] != b"PAR1":
        raise ArchiveFileError("not a Parquet file (no PAR1 at its end)")
    length = int.from_bytes(tail[:4], "little")
    if length > MAX_FOOTER_BYTES:
        raise ArchiveBudgetError(
            f"its footer claims {size_text(length)}, over the budget of {size_text(MAX_FOOTER_BYTES)}"
        )
    if length + 12 > size:
        raise ArchiveFileError(f"not a Parquet file (its footer claims {length:,} bytes of {size:,})")


def text_leaves(metadata: pq.FileMetaData) -> list[str]:
    """The paths of the file's text (byte array) leaves: what pyarrow is asked to read as dictionaries."""
    schema = metadata.schema
    return [
        schema.column(i).path for i in range(len(schema)) if schema.column(i).physical_type == "BYTE_ARRAY"
    ]


def read_leaves(metadata: pq.FileMetaData, paths: Sequence[str]) -> list[int]:
    """The leaves (column chunks) that reading `paths` (columns, or `struct.child`) decodes."""
    schema = metadata.schema
    out = []
    for i in range(len(schema)):
        leaf = schema.column(i).path
        if any(leaf == p or leaf.startswith(p + ".") for p in paths):
            out.append(i)
    return out


def check_footer(metadata: pq.FileMetaData, paths: Sequence[str]) -> None:
    """Every row group's budgets, from the footer alone: before any column chunk is fetched."""
    if metadata.num_rows > MAX_FILE_ROWS:
        raise ArchiveBudgetError(
            f"it has {metadata.num_rows:,} rows, over the budget of {MAX_FILE_ROWS:,} a file"
        )
    leaves = read_leaves(metadata, paths)
    listed = {i for i in leaves if metadata.schema.column(i).max_repetition_level > 0}  # in a list
    groups = metadata.num_row_groups
    for g in range(groups):
        group = metadata.row_group(g)
        rows = group.num_rows
        where = f"row group {g + 1} of {groups}"
        chunks = [group.column(i) for i in leaves]
        read = sum(c.total_compressed_size for c in chunks)
        if read > MAX_GROUP_READ_BYTES:
            raise ArchiveBudgetError(
                f"{where}: its columns read take {size_text(read)}, "
                f"over the budget of {size_text(MAX_GROUP_READ_BYTES)} a row group"
            )
        entries = sum(group.column(i).num_values for i in listed)
        if entries > MAX_GROUP_LIST_ENTRIES:
            raise ArchiveBudgetError(
                f"{where}: its lists hold {entries:,} entries, "
                f"over the budget of {MAX_GROUP_LIST_ENTRIES:,} a row group"
            )
        for chunk in chunks:
            values, name = chunk.num_values, _column_name(chunk.path_in_schema)
            if values > MAX_VALUES_PER_ROW * max(rows, 1):
                raise ArchiveBudgetError(
                    f"{where}: `{name}` holds {values / max(rows, 1):,.0f} values a row "
                    f"({values:,} in {rows:,} rows), over the budget of {MAX_VALUES_PER_ROW} a row"
                )


def _column_name(path: str) -> str:
    """A leaf's path as people name the column: `tags.list.element` -> `tags`."""
    parts = [p for p in path.split(".") if p not in ("list", "element", "item", "key_value")]
    return ".".join(parts) or path


class _Tally:
    """What a slice holds, counted as its columns are walked."""

    def __init__(self, where: str) -> None:
        self.where = where
        self.entries = 0
        self.text = 0


def check_slice(batch: pa.RecordBatch, where: str, *, text_before: int = 0) -> int:
    """A slice read with its text as dictionaries: refuse it, before its text is decoded, when a row's list
    or a value or the whole slice is over budget, or the file's text with it (`text_before`: the text of
    the slices before it). `where` says which rows, for the line. Its bytes of text."""
    tally = _Tally(where)
    for name, column in zip(batch.schema.names, batch.columns, strict=True):
        _walk(column, name, tally)
    if tally.entries > MAX_SLICE_ENTRIES:
        raise ArchiveBudgetError(
            f"{where}: {tally.entries:,} list entries, over the budget of {MAX_SLICE_ENTRIES:,} "
            f"for {batch.num_rows:,} rows"
        )
    if tally.text > MAX_SLICE_TEXT_BYTES:
        raise ArchiveBudgetError(
            f"{where}: {size_text(tally.text)} of text once decoded, over the budget of "
            f"{size_text(MAX_SLICE_TEXT_BYTES)} for {batch.num_rows:,} rows"
        )
    if text_before + tally.text > MAX_FILE_TEXT_BYTES:
        raise ArchiveBudgetError(
            f"{where}: the file's text reaches {size_text(text_before + tally.text)} once decoded, over "
            f"the budget of {size_text(MAX_FILE_TEXT_BYTES)} a file"
        )
    return tally.text


def _walk(array: pa.Array, name: str, tally: _Tally) -> None:
    """Count one column's list entries and text bytes (nested: lists, maps, structs), checking each row's
    list and each value against their budgets."""
    kind = array.type
    if pa.types.is_dictionary(kind):
        lengths = pc.binary_length(array.dictionary)
        _longest(lengths, name, tally)
        tally.text += pc.sum(pc.take(lengths, array.indices)).as_py() or 0
    elif pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_binary(kind):
        lengths = pc.binary_length(array)
        _longest(lengths, name, tally)
        tally.text += pc.sum(lengths).as_py() or 0
    elif pa.types.is_large_binary(kind):
        lengths = pc.binary_length(array)
        _longest(lengths, name, tally)
        tally.text += pc.sum(lengths).as_py() or 0
    elif pa.types.is_list(kind) or pa.types.is_large_list(kind) or pa.types.is_map(kind):
        offsets = array.offsets
        start, stop = offsets[0].as_py(), offsets[-1].as_py()
        if len(array):
            longest = pc.max(pc.subtract(offsets[1:], offsets[:-1])).as_py() or 0
            if longest > MAX_LIST_ENTRIES:
                raise ArchiveBudgetError(
                    f"{tally.where}: a row's `{name}` has {longest:,} entries, "
                    f"over the budget of {MAX_LIST_ENTRIES:,}"
                )
        tally.entries += stop - start
        _walk(array.values.slice(start, stop - start), name, tally)
    elif pa.types.is_fixed_size_list(kind):
        values = array.flatten()
        tally.entries += len(values)
        _walk(values, name, tally)
    elif pa.types.is_struct(kind):
        for child, values in zip(kind, array.flatten(), strict=True):
            _walk(values, f"{name}.{child.name}", tally)
    elif not (pa.types.is_primitive(kind) or pa.types.is_decimal(kind) or pa.types.is_null(kind)):
        # A type whose size the walk cannot tell (views, unions, extension types): the archive has none.
        raise ArchiveFileError(f"column `{name}` is {kind}, which no archive file holds")


def _longest(lengths: pa.Array, name: str, tally: _Tally) -> None:
    longest = pc.max(lengths).as_py() or 0
    if longest > MAX_TEXT_BYTES:
        raise ArchiveBudgetError(
            f"{tally.where}: a value of `{name}` has {size_text(longest)}, "
            f"over the budget of {size_text(MAX_TEXT_BYTES)}"
        )


def plain_type(kind: pa.DataType) -> pa.DataType:
    """A type with every dictionary replaced by its values' type (nested too): what a slice decodes to."""
    if pa.types.is_dictionary(kind):
        return plain_type(kind.value_type)
    if pa.types.is_map(kind):
        return pa.map_(plain_type(kind.key_type), plain_type(kind.item_type), kind.keys_sorted)
    if pa.types.is_list(kind):
        return pa.list_(kind.value_field.with_type(plain_type(kind.value_type)))
    if pa.types.is_large_list(kind):
        return pa.large_list(kind.value_field.with_type(plain_type(kind.value_type)))
    if pa.types.is_struct(kind):
        return pa.struct([f.with_type(plain_type(f.type)) for f in kind])
    return kind


def plain_schema(schema: pa.Schema) -> pa.Schema:
    return pa.schema([f.with_type(plain_type(f.type)) for f in schema], metadata=schema.metadata)
