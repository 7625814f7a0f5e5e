"""`./dev bench backfill`: one weekly archive file of the realistic Hub (2.2 million rows), imported.

The emulator (its own process) serves the realistic catalogue's archive file (generated once into a
scratch cache, in the archive's schema: `cardData`, `siblings`, `config` and the other blobs included).
Measured, each 3 times, medians:

- reading: the columns an import needs, every row group, through huggingface_hub's `HfFileSystem` and
  pyarrow over HTTP byte ranges (what `tracker backfill` reads, without the lineage search or the store);
- the yardstick: DuckDB reading the same columns of the same file from disk, in the same run;
- the import: `tracker backfill` of that file into a fresh SQLite database (seconds, peak RSS, bytes
  read of the file's size, members found).

Targets (issue "History from day one"): under 500 MB peak RSS, at most a quarter of the file's bytes,
reading within 2 x DuckDB's time.

`TRACKER_BENCH_BASELINE=TREE` (a checkout of an earlier commit, e.g. `git archive COMMIT | tar -x -C
TREE`): each round imports the file with that tree's `tracker` too, in its own folder and first on
`PYTHONPATH`, right after this tree's, against the same emulator; the import's wall time and peak RSS are
then given against it, as the ratio a change to what a run does must state.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TextIO

import httpx2

from bench.common import Summary, measure

RUNS = 3
MODELS = 2_200_000
READ = """
import json, sys, time
import pyarrow.parquet as pq
from tracker.collect.archive import HubArchive
from tracker.collect.archive_columns import NEEDED
url, day = sys.argv[1], sys.argv[2]
archive = HubArchive(url)
(file,) = [f for f in archive.files() if str(f.day) == day]
began = time.perf_counter()
handle = archive.open(file)
parquet = pq.ParquetFile(handle, pre_buffer=True)
columns = [c for c in NEEDED if c in parquet.schema_arrow.names]
rows = 0
for g in range(parquet.num_row_groups):
    rows += parquet.read_row_group(g, columns=columns).num_rows
seconds = time.perf_counter() - began
print(json.dumps({"seconds": seconds, "rows": rows, "bytes": handle.bytes_read, "size": handle.size,
                  "reads": handle.reads, "columns": columns}))
"""


def serve(cache: str) -> None:
    """The emulator process: the realistic Hub and its archive, one JSON line of facts, until stdin closes."""
    import gc

    from tracker.emulator.archive.schema import label_time, labels_for
    from tracker.emulator.builders.realistic import build_realistic
    from tracker.emulator.routes.server import HubEmulator

    gc.disable()
    cat = build_realistic(seed=0, models=MODELS)
    gc.enable()
    gc.freeze()
    from tracker.emulator.archive.repository import Archive

    archive = Archive(cat, labels_for(cat), cache_dir=Path(cache))
    emu = HubEmulator(cat, archive=archive)
    emu.start()
    (label,) = labels_for(cat)[-1:]
    began = time.perf_counter()
    generated = archive.weekly(label)  # made now, once, so that no measure includes it
    facts = {
        "url": emu.url,
        "label": str(label),
        "generate_s": time.perf_counter() - began,
        "size": generated.size,
        "local": str(generated.local),
        "listed": cat.listed_count(label_time(label)),  # the file's rows: the Hub listed at its date
    }
    sys.stdout.write(json.dumps(facts) + "\n")
    sys.stdout.flush()
    sys.stdin.read()
    emu.stop()


def _duckdb(path: str, columns: list[str]) -> float:
    import duckdb

    quoted = ", ".join(f'"{c}"' for c in columns)
    connection = duckdb.connect()
    began = time.perf_counter()
    literal = path.replace("'", "''")
    table = connection.sql(f"SELECT {quoted} FROM read_parquet('{literal}')").to_arrow_table()
    seconds = time.perf_counter() - began
    assert table.num_rows > 0
    connection.close()
    return seconds


def main(out: TextIO) -> list[Summary]:
    cache = tempfile.mkdtemp(prefix="bench-archive-")
    env = {"HF_HOME": tempfile.mkdtemp(prefix="bench-hf-"), "HF_HUB_DISABLE_TELEMETRY": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "bench.backfill", "--serve", cache],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdin is not None
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line:
        raise RuntimeError(f"the emulator exited {proc.wait()}")
    facts = json.loads(line)
    url, day, size = facts["url"], facts["label"], facts["size"]
    sys.stderr.write(f"backfill: file {day} generated in {facts['generate_s']:.0f} s, {size:,} bytes\n")
    try:
        reads, ducks, imports, baseline = [], [], [], []
        base_tree = os.environ.get("TRACKER_BENCH_BASELINE")
        for n in range(RUNS):
            result = subprocess.run(
                [sys.executable, "-c", READ, url, day], capture_output=True, text=True, env=None, check=True
            )
            read = json.loads(result.stdout)
            reads.append(read)
            ducks.append(_duckdb(facts["local"], read["columns"]))
            database = f"sqlite:///{tempfile.mkdtemp(prefix='bench-backfill-')}/backfill.db"
            httpx2.post(f"{url}/_emulator/stats/reset").raise_for_status()
            args = ["-q", "backfill", "--endpoint", url, "--database", database, "--ecosystem", "llama"]
            seconds, peak = measure("module", "tracker", *args, "--since", day, "--until", day, env=env)
            served = httpx2.get(f"{url}/_emulator/stats").json()["archive"]["bytes_served"]
            members = _members(database)
            imports.append((seconds, peak, sum(served.values()), members))
            sys.stderr.write(
                f"backfill run {n + 1}: read {read['seconds']:.2f} s ({read['bytes']:,} bytes, "
                f"{read['reads']} reads), duckdb {ducks[-1]:.2f} s, import {seconds:.1f} s, {peak:.0f} MB, "
                f"{members:,} members\n"
            )
            if base_tree:
                baseline.append(_baseline_import(Path(base_tree).resolve(), url, day, env))
                sys.stderr.write(
                    f"backfill run {n + 1}, baseline: {baseline[-1][0]:.1f} s, {baseline[-1][1]:.0f} MB\n"
                )
    finally:
        proc.stdin.close()
        proc.wait(timeout=120)
    read_s = statistics.median(r["seconds"] for r in reads)
    duck_s = statistics.median(ducks)
    import_s = statistics.median(i[0] for i in imports)
    peak = statistics.median(i[1] for i in imports)
    served = int(statistics.median(i[2] for i in imports))
    members = imports[-1][3]
    columns = ", ".join(reads[-1]["columns"])
    out.write(
        f"\nBackfill: one archive file of the realistic Hub ({facts['listed']:,} rows, {size:,} bytes; "
        f"generated in {facts['generate_s']:.0f} s), medians of {RUNS}\n"
        f"  columns read: {columns}\n"
        f"  reading over HTTP (HfFileSystem + pyarrow): {read_s:.2f} s, {reads[-1]['bytes']:,} bytes in "
        f"{reads[-1]['reads']} range reads\n"
        f"  DuckDB, same columns, same file on disk: {duck_s:.2f} s (reading = {read_s / duck_s:.2f} x)\n"
        f"  tracker backfill of the file:               {import_s:.1f} s, peak RSS {peak:.0f} MB, "
        f"{served:,} bytes served ({100 * served / size:.1f}% of the file), {members:,} Llama members\n"
    )
    against: list[Summary] = []
    if baseline:
        base_s = statistics.median(b[0] for b in baseline)
        base_peak = statistics.median(b[1] for b in baseline)
        out.write(
            f"  the baseline tree ({base_tree}), same file:  {base_s:.1f} s, peak RSS {base_peak:.0f} MB "
            f"(this tree: {import_s / base_s:.2f} x the time, {peak - base_peak:+.0f} MB)\n"
        )
        against = [
            Summary(
                "backfill",
                "import against the baseline tree",
                f"{import_s:.1f} s",
                f"{base_s:.1f} s",
                f"{import_s / base_s:.2f} x",
                "",
            ),
            Summary(
                "backfill",
                "peak RSS against the baseline tree",
                f"{peak:.0f} MB",
                f"{base_peak:.0f} MB",
                f"{peak - base_peak:+.0f} MB",
                "",
            ),
        ]
    return against + [
        Summary(
            "backfill",
            "peak RSS, import of a 2.2M-row file",
            f"{peak:.0f} MB",
            "",
            "",
            "< 500 MB",
            peak < 500,
        ),
        Summary(
            "backfill",
            "bytes read of the file",
            f"{served:,}",
            f"{size:,}",
            f"{served / size:.3f} x file",
            "<= 0.25 x",
            served <= 0.25 * size,
        ),
        Summary(
            "backfill",
            "reading the needed columns over HTTP",
            f"{read_s:.2f} s",
            f"DuckDB on disk {duck_s:.2f} s",
            f"{read_s / duck_s:.2f} x DuckDB",
            "<= 2 x",
            read_s <= 2 * duck_s,
        ),
        Summary("backfill", "whole import (lineage search and store)", f"{import_s:.1f} s", "", "", ""),
    ]


def _baseline_import(tree: Path, url: str, day: str, env: dict[str, str]) -> tuple[float, float]:
    """The import of the file by another tree's `tracker` (its folder, first on `PYTHONPATH`): seconds and
    peak RSS, into a fresh SQLite file."""
    database = f"sqlite:///{tempfile.mkdtemp(prefix='bench-backfill-base-')}/backfill.db"
    args = ["-q", "backfill", "--endpoint", url, "--database", database, "--ecosystem", "llama"]
    return measure(
        "module",
        "tracker",
        *args,
        "--since",
        day,
        "--until",
        day,
        env={**env, "PYTHONPATH": str(tree)},
        cwd=str(tree),
    )


def _members(database: str) -> int:
    from sqlalchemy import text

    from tracker.storage.database import open_store

    engine = open_store(database)
    try:
        with engine.connect() as connection:
            return int(connection.execute(text("SELECT count(*) FROM membership")).scalar_one())
    finally:
        engine.dispose()


if __name__ == "__main__":
    if sys.argv[1:2] == ["--serve"]:
        serve(sys.argv[2])
    else:
        main(sys.stdout)
