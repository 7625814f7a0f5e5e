"""The archive's weekly grid and each file's columns: which labels a catalogue's archive holds, and the
schema of the file of a label, by era (see the package's docstring).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pyarrow as pa

from tracker.emulator.builders.real_lineage import REAL_FIRST_WEEK
from tracker.emulator.catalogue import Catalogue

GRID_START = date(2024, 7, 24)
BASE_MODELS_FROM = date(2024, 8, 7)  # the first two files carry `modelId` and no `baseModels`
ALL_TIME_FROM = date(2025, 2, 26)  # the first file with `downloadsAllTime`
SCHEMA_VERSION = 3  # bump when the bytes of a file change: it names the cached files

_TIMESTAMP = pa.timestamp("ms", tz="UTC")
_BASE_MODELS = pa.struct(
    [
        ("relation", pa.string()),
        ("models", pa.list_(pa.struct([("_id", pa.string()), ("id", pa.string())]))),
    ]
)
_SAFETENSORS = pa.struct([("parameters", pa.map_(pa.string(), pa.int64())), ("total", pa.int64())])
_GGUF = pa.struct([("total", pa.int64()), ("architecture", pa.string()), ("context_length", pa.int64())])
_SIBLINGS = pa.list_(pa.struct([("rfilename", pa.string())]))


def label_time(label: date) -> int:
    """The instant the file of `label` shows the catalogue at: that day at 00:00 UTC, epoch seconds."""
    return int(datetime(label.year, label.month, label.day, tzinfo=UTC).timestamp())


def grid_labels(before: int) -> list[date]:
    """Every label of the weekly grid (2024-07-24 + 7k days) strictly before epoch time `before`."""
    labels, label = [], GRID_START
    while label_time(label) < before:
        labels.append(label)
        label += timedelta(days=7)
    return labels


def labels_for(cat: Catalogue) -> list[date]:
    """The weekly files an archive of this catalogue holds.

    Real catalogue: its 16 weeks (2025-03-19 .. 2025-07-02); realistic: the one label at or before its
    default clock (a file of 2.2 million rows); synthetic and others: every label before the clock."""
    if cat.name.startswith("real") and not cat.name.startswith("realistic"):
        first = datetime.fromtimestamp(REAL_FIRST_WEEK, UTC).date()
        return [first + timedelta(days=7 * k) for k in range(1, 17)]
    if cat.name.startswith("realistic"):
        return grid_labels(cat.default_now + 1)[-1:]
    return grid_labels(cat.default_now)


def schema_for(label: date) -> pa.Schema:
    """The columns of the file of `label`, by era (see the module's docstring)."""
    s, i64 = pa.string(), pa.int64()
    fields: list[tuple[str, pa.DataType]] = [("_id", s), ("id", s)]
    if label < BASE_MODELS_FROM:
        fields.append(("modelId", s))
    fields += [("author", s), ("createdAt", _TIMESTAMP), ("lastModified", _TIMESTAMP), ("downloads", i64)]
    if label >= ALL_TIME_FROM:
        fields.append(("downloadsAllTime", i64))
    fields += [("likes", i64), ("trendingScore", i64), ("tags", pa.list_(s))]
    fields += [("pipeline_tag", s), ("library_name", s), ("cardData", s)]
    if label >= BASE_MODELS_FROM:
        fields.append(("baseModels", _BASE_MODELS))
    fields += [("safetensors", _SAFETENSORS), ("gguf", _GGUF), ("siblings", _SIBLINGS), ("config", s)]
    return pa.schema(fields)
