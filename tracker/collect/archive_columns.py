"""What the backfill reads of an archive file: the columns a run records (`NEEDED`) that the file has, of
the usage structs only the counts (`USAGE_FIELDS`), and a refusal of a column whose type cannot hold what
the archive puts there. The file's own schema decides: the archive's drifts (no `downloadsAllTime` before
2025-02-26, no `baseModels` in the oldest files, `modelId` for `id` in older ones).
"""

from __future__ import annotations

from collections.abc import Sequence

import pyarrow as pa

from tracker.collect.archive import ArchiveError
from tracker.collect.expand import CRAWL_EXPAND

# What a run records of a model: the fields a crawl asks the Hub's listings for (the archive names them
# alike), the ids (older files: `modelId`), and `private` where a file has it. The rest is never read.
NEEDED = (
    "_id",
    "id",
    "modelId",
    *(name for name in CRAWL_EXPAND if name != "childrenModelCount"),  # no file has child counts
    "private",
)
# The struct columns read in part: the children the parameter count needs (`tracker.core.usage`).
USAGE_FIELDS = {"safetensors": ("parameters", "total"), "gguf": ("total",)}


class ArchiveFileError(ArchiveError):
    """The file is not a readable archive file (not Parquet, no id column, a column of a wrong type)."""


def ids_column(schema: pa.Schema) -> str:
    if "id" in schema.names:
        return "id"
    if "modelId" in schema.names:
        return "modelId"
    raise ArchiveFileError("the file has no `id` (nor `modelId`) column")


def check_types(schema: pa.Schema, id_column: str, columns: Sequence[str]) -> None:
    """Refuse a column whose type cannot hold what the archive puts there (one line)."""

    def kind(name: str) -> pa.DataType:
        return schema.field(name).type

    if not pa.types.is_string(kind(id_column)) and not pa.types.is_large_string(kind(id_column)):
        raise ArchiveFileError(f"column `{id_column}` is {kind(id_column)}, not text")
    if "tags" in columns and not (pa.types.is_list(kind("tags")) or pa.types.is_large_list(kind("tags"))):
        raise ArchiveFileError(f"column `tags` is {kind('tags')}, not a list of text")
    if "baseModels" in columns and not (
        pa.types.is_struct(kind("baseModels")) or pa.types.is_string(kind("baseModels"))
    ):
        raise ArchiveFileError(f"column `baseModels` is {kind('baseModels')}, not a struct")
    for name in ("downloads", "downloadsAllTime", "likes"):
        if name in columns and not pa.types.is_integer(kind(name)) and not pa.types.is_floating(kind(name)):
            raise ArchiveFileError(f"column `{name}` is {kind(name)}, not a number")


def projection(schema: pa.Schema, columns: Sequence[str]) -> dict[str, pa.Field]:
    """Each column's field as read: whole, or for `USAGE_FIELDS` the struct of the wanted children the
    file has (a column whose value is not a struct, or has none of them, is not read)."""
    fields: dict[str, pa.Field] = {}
    for name in columns:
        field = schema.field(name)
        wanted = USAGE_FIELDS.get(name)
        if wanted is None:
            fields[name] = field
        elif pa.types.is_struct(field.type):
            children = [field.type.field(c) for c in wanted if field.type.get_field_index(c) >= 0]
            if children:
                fields[name] = pa.field(name, pa.struct(children))
    return fields
