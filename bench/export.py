"""`tracker export history` on a large history: rows per second and peak memory, against baselines.

A synthetic history (20,000 models x 26 weekly runs = 520,000 history rows, and 2,000 x 26 for
comparison) is written into SQLite through `tracker.storage.saves`' save functions, then each measurement
runs in its own process, as a user runs it (`python -m tracker -q export history --format F --output
PATH`), three times; the table shows medians. Peak memory is the process's own high-water resident
set (`VmHWM`, read by the process as it exits). Not `ru_maxrss` (`getrusage(RUSAGE_CHILDREN)`,
`wait4`): on Linux a child's `ru_maxrss` starts at its parent's peak, because exec keeps the larger of
the old and new address spaces' peaks and Python spawns with vfork, so every figure would be at least
this benchmark's own size (about 100 MB once it has written the history). Baselines from the same
run: the same interpreter importing the export's modules and exiting (with pyarrow too, for Parquet),
and the same history query fetched whole (`fetchall`, no writing) and streamed (rows dropped as they
come).
rows/s is rows over the process's wall time; net rows/s leaves out the baseline's start-up. With a
PostgreSQL server reachable (`TRACKER_BENCH_PG_URL`, default the test server), the large history is
measured there too, in a scratch database dropped afterwards.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TextIO

from sqlmodel import Session

from bench.common import PG_URL, Summary, measure, postgres_database
from tracker.core.records import Edge, Membership, Observation
from tracker.storage import database, lifecycle, saves

MODELS = 20_000
SMALL_MODELS = 2_000
RUNS = 26
FORMATS = ("csv", "jsonl", "parquet")
FAMILIES = ("Llama 2", "Llama 3", "Llama 3.1", "Llama 3.2", "Llama 3.3", "Code Llama")
RELATIONS = ("finetune", "adapter", "quantized", "merge")
LIBRARIES = ("transformers", "peft", "gguf", "mlx", None)
T0 = datetime(2026, 5, 4, 6, 0, tzinfo=UTC)

REPEATS = 3  # each process runs three times; the medians resist a disturbance on a shared machine
IMPORTS = "import tracker.cli, tracker.report.export, tracker.read.history, tracker.storage.loads"
FETCH = """
import sys
from tracker.read.history import history_select
from tracker.storage.database import open_store
engine = open_store(sys.argv[1])
with engine.connect() as connection:
    if sys.argv[2] == "all":
        rows = connection.execute(history_select()).all()
    else:
        for rows in connection.execute(history_select().execution_options(yield_per=10_000)).partitions():
            pass
"""


def write_history(url: str, models: int, runs: int = RUNS) -> int:
    """Record `runs` weekly complete runs of `models` models each; return the history rows."""
    engine = database.open_store(url)
    roots = [f"meta-llama/{family.replace(' ', '-')}-8B" for family in FAMILIES]
    try:
        with Session(engine) as session:
            for r in range(runs):
                taken = T0 + timedelta(weeks=r)
                run_id = lifecycle.begin_run(
                    session, taken_at=taken, started_at=taken, ecosystems=["llama"], strategy="scan"
                )
                observations, members, edges = [], [], []
                for i in range(models):
                    family = FAMILIES[i % len(FAMILIES)]
                    relation = RELATIONS[i % len(RELATIONS)]
                    model_id = f"builder-{i % 997:03d}/{family.replace(' ', '-')}-8B-{relation}-{i:06d}"
                    observations.append(
                        Observation(
                            model_id=model_id,
                            hub_oid=f"{i:024x}",
                            author=model_id.split("/")[0],
                            created_at=T0 - timedelta(days=i % 700),
                            last_modified=None,
                            pipeline_tag="text-generation",
                            library_name=LIBRARIES[i % len(LIBRARIES)],
                            license="llama3.1",
                            gated="false",
                            tags=("text-generation", f"base_model:{roots[i % len(roots)]}"),
                            relation=relation,  # type: ignore[arg-type]
                            parents=(roots[i % len(roots)],),
                            children_count=0,
                            downloads_30d=(i * 7919) % 50_000,
                            downloads_all_time=(i * 104_729) % 5_000_000 + r * ((i % 311) + 1),
                            likes=i % 97,
                            trending_score=i % 13,
                        )
                    )
                    members.append(Membership("llama", model_id, family, relation, 1 + i % 3))  # type: ignore[arg-type]
                    edges.append(Edge(model_id, roots[i % len(roots)], relation))  # type: ignore[arg-type]
                saves.save_observations(session, run_id, observations)
                saves.save_memberships(session, run_id, members)
                saves.save_edges(session, run_id, edges)
                session.commit()
                lifecycle.finish_run(
                    session, run_id, status="complete", finished_at=taken, requests=models // 1000, retries=0
                )
    finally:
        engine.dispose()
    return models * runs


def measure_history(url: str, rows: int, folder: Path, label: str, out: TextIO) -> None:
    """One block of the table: the baselines, the query alone and the three formats on one database."""
    base, arrow_base = "import, exit (baseline)", "import + pyarrow, exit"
    # (name, what to run, the baseline it is compared with; None for a baseline)
    cases: list[tuple[str, tuple[str, ...], str | None]] = [
        (base, ("code", IMPORTS), None),
        (arrow_base, ("code", IMPORTS + ", pyarrow.parquet"), None),
        ("query, fetchall, no writing", ("code", FETCH, url, "all"), base),
        ("query, streamed, no writing", ("code", FETCH, url, "stream"), base),
    ]
    for fmt in FORMATS:
        path = folder / f"history.{fmt}"
        export = ("-q", "export", "history", "--database", url, "--format", fmt, "--output", str(path))
        cases.append(
            (
                f"export --format {fmt}",
                ("module", "tracker", *export),
                arrow_base if fmt == "parquet" else base,
            )
        )
    measure(*cases[0][1])  # warm the page cache: the first process of a series pays for reading files
    runs = {name: [measure(*command) for _ in range(REPEATS)] for name, command, _ in cases}
    results = {
        name: (statistics.median(s for s, _ in r), statistics.median(m for _, m in r))
        for name, r in runs.items()
    }
    out.write(f"\n{label}: {rows:,} history rows\n")
    header = ("process", "wall s", "rows/s", "net rows/s", "peak RSS MB", "vs baseline")
    out.write("{:<30} {:>7} {:>9} {:>11} {:>12} {:>12}\n".format(*header))
    for name, _, against in cases:
        seconds, rss = results[name]
        if against is None:
            out.write(f"{name:<30} {seconds:>7.2f} {'-':>9} {'-':>11} {rss:>12.0f} {'':>12}\n")
            continue
        base_seconds, base_rss = results[against]
        net = f"{rows / (seconds - base_seconds):>11,.0f}" if seconds > base_seconds else f"{'-':>11}"
        rate = rows / seconds
        out.write(f"{name:<30} {seconds:>7.2f} {rate:>9,.0f} {net} {rss:>12.0f} {rss - base_rss:>+12.0f}\n")
    for fmt in FORMATS:
        size = (folder / f"history.{fmt}").stat().st_size
        out.write(f"  history.{fmt}: {size / 1e6:,.1f} MB\n")


def main(out: TextIO) -> list[Summary]:
    with tempfile.TemporaryDirectory(prefix="tracker-bench-export-") as tmp:
        folder = Path(tmp)
        for models in (SMALL_MODELS, MODELS):
            url = f"sqlite:///{folder / f'history-{models}.db'}"
            began = time.perf_counter()
            rows = write_history(url, models)
            out.write(f"\n(wrote {rows:,} rows into SQLite in {time.perf_counter() - began:.0f} s)\n")
            measure_history(url, rows, folder, f"SQLite, {models:,} models x {RUNS} runs", out)
        with postgres_database() as url:
            if url is None:
                out.write(f"\nPostgreSQL: no server at {database.mask_url(PG_URL)}; skipped\n")
                return []
            began = time.perf_counter()
            rows = write_history(url, MODELS)
            out.write(f"\n(wrote {rows:,} rows into PostgreSQL in {time.perf_counter() - began:.0f} s)\n")
            measure_history(url, rows, folder, f"PostgreSQL, {MODELS:,} models x {RUNS} runs", out)
    return []


if __name__ == "__main__":
    main(sys.stdout)
