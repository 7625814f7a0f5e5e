"""Hostile archive files: a third party's Parquet that is small on disk but decodes to gigabytes, or that
breaks the reading in a way nobody planned. Each is refused before its text is decoded, with one line
naming the file and the budget; memory stays bounded; the other dates of a backfill import, and nothing
stored before is lost (SQLite and PostgreSQL).

The files are written here with pyarrow, dictionary-encoded as a hostile writer would, and without the
Arrow schema pyarrow usually stores (which would give the reader dictionaries on its own).
"""

from __future__ import annotations

import io
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from tracker.collect.archive import ArchiveFile, CountingFile, LocalArchive
from tracker.collect.archive_budget import (
    MAX_FOOTER_BYTES,
    MAX_LIST_ENTRIES,
    MAX_SLICE_TEXT_BYTES,
    MAX_TEXT_BYTES,
    MAX_VALUES_PER_ROW,
    ArchiveBudgetError,
)
from tracker.collect.archive_file import ArchiveFileReader
from tracker.core.ecosystems import load_ecosystems, select_ecosystems
from tracker.run.backfill import run_backfill
from tracker.storage.database import open_store
from tracker.storage.loads import load_runs

LLAMA = select_ecosystems(load_ecosystems(), ["llama"])
ROOT, CHILD = "meta-llama/Llama-3.1-8B", "someone/llama-3.1-8b-chat"
MB = 1024 * 1024


def _repeat(value: str, n: int) -> pa.DictionaryArray:
    """`value` n times, as a dictionary: one copy of the text, n small indices."""
    return pa.DictionaryArray.from_arrays(pa.repeat(0, n).cast(pa.int32()), pa.array([value]))


def _write(table: pa.Table, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path, compression="zstd", store_schema=False)
    return path


def bomb(path: Path, *, rows: int = 20_000, per_row: int = 300, size: int = 200) -> Path:
    """The issue's file: `rows` rows of `per_row` identical tags of `size` characters (2 kB on disk, 1.2 GB
    of text decoded)."""
    n = rows * per_row
    tags = pa.ListArray.from_arrays(pa.array(range(0, n + 1, per_row), pa.int32()), _repeat("x" * size, n))
    return _write(pa.table({"id": _repeat("someone/model", rows), "tags": tags}), path)


def one_long_list(path: Path, *, rows: int = 200_000, entries: int = 6_000_000) -> Path:
    """Every list entry of the row group in its first row: the average per row is modest, the row is not."""
    offsets = [0] + [entries] * rows
    tags = pa.ListArray.from_arrays(pa.array(offsets, pa.int32()), _repeat("x" * 200, entries))
    return _write(pa.table({"id": _repeat("someone/model", rows), "tags": tags}), path)


def long_values(path: Path, *, rows: int, size: int) -> Path:
    """One text value of `size` bytes, `rows` times, in a plain (not list) column."""
    return _write(
        pa.table({"id": _repeat("someone/model", rows), "library_name": _repeat("y" * size, rows)}), path
    )


def good(path: Path, tag: str = "") -> Path:
    """A small valid file: a Llama root and a child that declares it."""
    child = CHILD + tag
    table = pa.table(
        {
            "_id": ["a" * 24, "b" * 24],
            "id": [ROOT, child],
            "downloads": [1000, 250],
            "likes": [10, 2],
            "tags": [["transformers"], ["transformers", f"base_model:{ROOT}", f"base_model:finetune:{ROOT}"]],
            "baseModels": pa.array(
                [None, {"relation": "finetune", "models": [{"_id": "a" * 24, "id": ROOT}]}],
                pa.struct(
                    [
                        ("relation", pa.string()),
                        ("models", pa.list_(pa.struct([("_id", pa.string()), ("id", pa.string())]))),
                    ]
                ),
            ),
        }
    )
    return _write(table, path)


@contextmanager
def arrow_peak() -> Iterator[pa.MemoryPool]:
    """A pool of its own for what pyarrow allocates meanwhile: its `max_memory()` is this block's peak."""
    before = pa.default_memory_pool()
    pool = pa.proxy_memory_pool(before)
    pa.set_memory_pool(pool)
    try:
        yield pool
    finally:
        pa.set_memory_pool(before)


def read(path: Path) -> None:
    """Read a file as a backfill does, to the end."""
    with CountingFile(path.open("rb"), path.stat().st_size) as file:
        for _ in ArchiveFileReader(file, LLAMA).batches():
            pass


# --- one file: refused before its text is decoded -----------------------------------------------------


@pytest.mark.parametrize(
    ("write", "says"),
    [
        (
            bomb,
            "`tags` holds 300 values a row (6,000,000 in 20,000 rows), "
            f"over the budget of {MAX_VALUES_PER_ROW}",
        ),
        (one_long_list, f"a row's `tags` has 6,000,000 entries, over the budget of {MAX_LIST_ENTRIES:,}"),
        (
            lambda p: long_values(p, rows=2_000, size=MB),
            "a value of `library_name` has 1.0 MB, over the budget",
        ),
        (
            lambda p: long_values(p, rows=20_000, size=MAX_TEXT_BYTES),
            "of text once decoded, over the budget of",
        ),
    ],
    ids=["bomb", "one-long-list", "long-value", "text-of-a-slice"],
)
def test_a_file_that_decodes_to_gigabytes_is_refused_before_its_text_is(
    tmp_path: Path, write, says: str
) -> None:
    path = write(tmp_path / "models.parquet")
    assert path.stat().st_size < 200_000
    with arrow_peak() as pool, pytest.raises(ArchiveBudgetError) as refused:
        read(path)
    assert says in str(refused.value)
    assert "\n" not in str(refused.value)
    assert pool.max_memory() < 100 * MB, f"pyarrow peaked at {pool.max_memory() / MB:.0f} MB"


def test_the_budgets_are_far_above_a_real_file() -> None:
    """What the constants promise (the real archive: a dozen tags a model, values of a few kB)."""
    assert MAX_VALUES_PER_ROW >= 5 * 12
    assert MAX_TEXT_BYTES >= 10 * 6_000
    assert MAX_SLICE_TEXT_BYTES >= 10 * 20_000 * 600


def test_a_footer_claiming_more_than_its_budget_is_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "models.parquet"
    claimed = 2 * MAX_FOOTER_BYTES
    path.write_bytes(b"PAR1" + b"\0" * 1000 + claimed.to_bytes(4, "little") + b"PAR1")
    with open(path, "rb") as raw, CountingFile(raw, path.stat().st_size) as file:
        with pytest.raises(ArchiveBudgetError, match="its footer claims 33.6 MB, over the budget of 16.8 MB"):
            ArchiveFileReader(file, LLAMA)
        assert file.bytes_read == 8  # its tail alone


def test_a_real_shaped_file_still_imports(tmp_path: Path) -> None:
    """Text read as dictionaries, then decoded: the file's rows come out as before."""
    path = good(tmp_path / "models.parquet")
    with CountingFile(path.open("rb"), path.stat().st_size) as file:
        reader = ArchiveFileReader(file, LLAMA)
        batches = list(reader.batches())
    observations = [o for b in batches for o in b.observations]
    assert {o.model_id for o in observations} == {ROOT, CHILD}
    assert {(e.child_id, e.parent_id, e.relation) for b in batches for e in b.edges} == {
        (CHILD, ROOT, "finetune")
    }


# --- a backfill: the bad date fails with one line, the others import ----------------------------------


def test_a_backfill_fails_the_hostile_date_alone(tmp_path: Path, engine: Engine) -> None:
    folder = tmp_path / "archive"
    good(folder / "models" / "2025-03-05" / "models.parquet")
    (before,) = run_backfill(engine, LocalArchive(folder), LLAMA).files
    assert before.status == "imported"
    good(folder / "models" / "2025-03-12" / "models.parquet", "-b")
    bomb(folder / "models" / "2025-03-19" / "models.parquet")
    good(folder / "models" / "2025-03-26" / "models.parquet", "-c")
    result = run_backfill(engine, LocalArchive(folder), LLAMA)
    assert [(f.day.isoformat(), f.status) for f in result.files] == [
        ("2025-03-05", "skipped"),
        ("2025-03-12", "imported"),
        ("2025-03-19", "failed"),
        ("2025-03-26", "imported"),
    ]
    failed = result.files[2]
    assert failed.reason.startswith("models/2025-03-19/models.parquet: row group 1 of 1: `tags` holds")
    assert f"over the budget of {MAX_VALUES_PER_ROW} a row" in failed.reason
    with Session(engine) as session:
        runs = {r.taken_at.date(): r for r in load_runs(session)}
    assert {d: r.status for d, r in runs.items()} == {
        date(2025, 3, 5): "complete",
        date(2025, 3, 12): "complete",
        date(2025, 3, 19): "failed",
        date(2025, 3, 26): "complete",
    }
    assert runs[date(2025, 3, 19)].error == failed.reason
    assert runs[date(2025, 3, 5)].id == before.run_id  # what was stored before stands
    assert runs[date(2025, 3, 5)].models == 2


class _Breaking(io.BytesIO):
    """A file whose bytes fail with an error nobody planned for, once its footer has been read."""

    def __init__(self, data: bytes, from_: int) -> None:
        super().__init__(data)
        self.from_ = from_

    def read(self, size: int | None = -1) -> bytes:
        if self.tell() < self.from_:
            raise RecursionError("maximum recursion depth exceeded")
        return super().read(size)


class _BreakingArchive(LocalArchive):
    """A folder whose file of `broken` breaks mid-read."""

    def __init__(self, folder: Path, broken: date) -> None:
        super().__init__(folder)
        self.broken = broken

    def open(self, file: ArchiveFile) -> CountingFile:
        if file.day != self.broken:
            return super().open(file)
        data = (self.folder / file.path).read_bytes()
        return CountingFile(_Breaking(data, len(data) - 65_536), len(data))  # type: ignore[arg-type]


def test_any_error_reading_a_file_fails_its_date_alone(tmp_path: Path, engine: Engine) -> None:
    folder = tmp_path / "archive"
    good(folder / "models" / "2025-03-12" / "models.parquet")
    big = pa.table({"id": [f"someone/model-{i}" for i in range(30_000)]})
    pq.write_table(big, _path(folder, "2025-03-19"))  # more than the 64 kB pyarrow reads for the footer
    good(folder / "models" / "2025-03-26" / "models.parquet", "-c")
    result = run_backfill(engine, _BreakingArchive(folder, date(2025, 3, 19)), LLAMA)
    assert [f.status for f in result.files] == ["imported", "failed", "imported"]
    reason = result.files[1].reason
    assert reason.startswith("models/2025-03-19/models.parquet: ")
    assert "RecursionError: maximum recursion depth exceeded" in reason


def _path(folder: Path, day: str) -> Path:
    path = folder / "models" / day / "models.parquet"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


# --- the command line: one line, exit status 1, memory bounded ------------------------------------------


# `tracker ARGS`, writing its peak resident memory (kB) to the file named first. VmHWM is the peak of this
# process's memory since it started (`ru_maxrss` would carry the peak of the pytest worker it forked from).
_PEAK_OF_TRACKER = """
import atexit, sys
peak = sys.argv.pop(1)

def write_peak():
    with open("/proc/self/status") as status:
        kb = next(line.split()[1] for line in status if line.startswith("VmHWM:"))
    with open(peak, "w") as out:
        out.write(kb)

atexit.register(write_peak)
sys.argv[0] = "tracker"
from tracker.cli import main
main()
"""


@pytest.mark.subprocess
def test_the_command_refuses_the_bomb_in_one_line_within_500_mb(tmp_path: Path) -> None:
    folder = tmp_path / "archive"
    good(folder / "models" / "2025-03-12" / "models.parquet")
    bomb(folder / "models" / "2025-03-19" / "models.parquet")
    url = f"sqlite:///{tmp_path / 't.db'}"
    peak = tmp_path / "peak"
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            _PEAK_OF_TRACKER,
            str(peak),
            "backfill",
            "--database",
            url,
            "--from",
            str(folder),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    out, err = done.stdout, done.stderr
    assert done.returncode == 1, err
    assert "backfill: 1 imported, 0 skipped, 1 failed" in out
    failed = [line for line in err.splitlines() if "failed:" in line and "ERROR" not in line]
    assert failed == [
        f"2025-03-19: run 2 failed: models/2025-03-19/models.parquet: row group 1 of 1: `tags` holds 300 "
        f"values a row (6,000,000 in 20,000 rows), over the budget of {MAX_VALUES_PER_ROW} a row"
    ], err
    peak_mb = int(peak.read_text()) / 1024
    assert peak_mb < 500, f"the backfill peaked at {peak_mb:.0f} MB"
    engine = open_store(url)
    try:
        with Session(engine) as session:
            assert [(r.taken_at.date(), r.status) for r in load_runs(session)] == [
                (date(2025, 3, 19), "failed"),
                (date(2025, 3, 12), "complete"),
            ]
    finally:
        engine.dispose()
