"""A year of synthetic history (200,000 models x 52 weekly runs by default) written straight into a
database, for the query and export benchmarks.

The rows go in through the DB-API (`executemany` on SQLite, `COPY` on PostgreSQL), not through the
crawl, then each run is completed as a snapshot completes it: `tracker.storage.rollups.refresh` stores its
deltas and writes its roll-ups. The shape follows the real Llama tree: about 40 roots, most
derivatives at depth 1, one in five at depth 2 under a few percent of parents with children; 40 %
quantizations, a tenth of the models in a second ecosystem (`qwen`); a heavy tail of downloads and
builders; 1,000 models appear and 1,000 go each week.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TextIO

from sqlalchemy.engine import Engine

from tracker.storage import rollups
from tracker.storage.database import open_store

MODELS, RUNS, CHURN, ROOTS = 200_000, 52, 1_000, 40
T0 = datetime(2025, 12, 1, 6, 0, tzinfo=UTC)
FAMILIES = ("Llama 2", "Llama 3", "Llama 3.1", "Llama 3.2", "Llama 3.3", "Code Llama", "Llama 4", "Llama 1")
# by i % 20: 8 quantized, 6 finetunes, 5 adapters, 1 merge
RELATIONS = ("quantized",) * 8 + ("finetune",) * 6 + ("adapter",) * 5 + ("merge",)
LICENSES = ("llama3.1", "llama3", "llama2", "apache-2.0", "mit", "other", "llama3.2", "cc-by-nc-4.0", None)
FORMATS = (("gguf",), ("awq",), ("gptq",), ("exl2",), ("mlx",), ("bitsandbytes", "4-bit"), ())


@dataclass(frozen=True)
class Model:
    index: int
    model_id: str
    author: str
    ecosystem: str
    family: str
    relation: str
    depth: int
    parent: int | None  # the parent's index
    license: str | None
    library: str | None
    tags: str
    rate: int  # weekly downloads


def model(i: int) -> Model:
    """The i-th model of the synthetic Hub (deterministic)."""
    if i < ROOTS:
        family = FAMILIES[i % len(FAMILIES)]
        slug = family.replace(" ", "-")
        return Model(i, f"meta-llama/{slug}-{i}B", "meta-llama", "llama", family, "base", 0, None,
                     "llama3.1", "transformers", '["text-generation"]', 2_000_000 // (i + 1))  # fmt: skip
    depth = 2 if i % 5 == 0 else 1
    parent = (i // 100) * 100 + 1 if depth == 2 else i % ROOTS
    family = FAMILIES[(parent if depth == 1 else parent % ROOTS) % len(FAMILIES)]
    relation = RELATIONS[i % len(RELATIONS)]
    spread = (i * 2654435761 % 2**32) / 2**32
    author = f"builder-{int(20_000 * spread**3):05d}"
    tags = ["text-generation"] + (list(FORMATS[i % len(FORMATS)]) if relation == "quantized" else [])
    library = "gguf" if "gguf" in tags else "peft" if relation == "adapter" else "transformers"
    tags_json = "[" + ",".join(f'"{t}"' for t in tags) + "]"
    rate = 5_000_000 // (1 + (i * 7919) % 100_000) // 100
    return Model(i, f"{author}/{family.replace(' ', '-')}-{relation}-{i:06d}", author,
                 "qwen" if i % 10 == 3 else "llama", family, relation, depth, parent,
                 LICENSES[i % len(LICENSES)], library, tags_json, rate)  # fmt: skip


def members(run: int) -> range:
    """The derivatives' indexes recorded in run `run` (the roots are in every run)."""
    start = ROOTS + run * CHURN
    return range(start, start + MODELS - ROOTS)


def _indexes(run: int) -> Iterator[int]:
    yield from range(ROOTS)
    yield from members(run)


def rows(
    run_id: int, run: int, models: list[Model] | None = None
) -> tuple[list[tuple], list[tuple], list[tuple]]:
    """(membership, model_snapshot, run_edge) rows of one run (`models`: `model(i)` by index, if at hand)."""
    membership, snapshot, edges = [], [], []
    for i in _indexes(run):
        m = models[i] if models is not None else model(i)
        all_time = m.rate * 20 + m.rate * run + (i % 7) * run
        if i % 997 == 0 and run % 5 == 4:
            all_time -= m.rate * 2  # the Hub revises a count down now and then
        snapshot.append((run_id, m.model_id, m.rate * 4 + i % 13, all_time, i % 97, i % 11))
        membership.append((run_id, m.ecosystem, m.model_id, m.family, m.relation, m.depth))
        if m.parent is not None:
            parent = models[m.parent] if models is not None else model(m.parent)
            edges.append((run_id, m.model_id, parent.model_id, m.relation))
    return membership, snapshot, edges


def universe(runs: int = RUNS) -> range:
    return range(ROOTS + (runs - 1) * CHURN + MODELS - ROOTS)


def _writer(engine: Engine) -> Callable[[str, tuple[str, ...], list[tuple]], None]:
    """Write rows into a table as fast as the driver goes: COPY on PostgreSQL, executemany on SQLite."""
    raw = engine.raw_connection()

    def write(table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
        cursor = raw.cursor()
        if engine.dialect.name == "postgresql":
            with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:  # type: ignore[attr-defined]
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join("?" * len(columns))
            cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)
        raw.commit()

    write.close = raw.close  # type: ignore[attr-defined]
    return write


def write_history(url: str, out: TextIO, *, runs: int = RUNS) -> dict[str, float]:
    """Fill the (empty) database at `url`; returns timings: rows written, seconds, roll-up seconds per run."""
    engine = open_store(url)
    write = _writer(engine)
    began = time.perf_counter()
    models = [model(i) for i in universe(runs)]
    try:
        write(
            "model",
            (
                "model_id",
                "hub_oid",
                "author",
                "created_at",
                "pipeline_tag",
                "library_name",
                "license",
                "gated",
                "tags",
                "updated_run_id",
            ),  # fmt: skip
            [
                (
                    m.model_id,
                    f"{i:024x}",
                    m.author,
                    T0 - timedelta(days=i % 900),
                    "text-generation",
                    m.library,
                    m.license,
                    "false",
                    m.tags,
                    runs,
                )  # fmt: skip
                for i, m in enumerate(models)
            ],
        )
        written, rollup_seconds = 0, []
        for run in range(runs):
            taken = T0 + timedelta(weeks=run)
            write(
                "snapshot_run",
                (
                    "id",
                    "taken_at",
                    "started_at",
                    "finished_at",
                    "status",
                    "ecosystems",
                    "strategy",
                    "requests",
                    "retries",
                    "models",
                    "host",
                    "pid",
                ),  # fmt: skip
                [
                    (
                        run + 1,
                        taken,
                        taken,
                        taken,
                        "complete",
                        "llama;qwen",
                        "scan",
                        2_200,
                        0,
                        MODELS,
                        "bench",
                        0,
                    )
                ],
            )
            membership, snapshot, edges = rows(run + 1, run, models)
            write("model_snapshot", ("run_id", "model_id", "downloads_30d", "downloads_all_time", "likes",
                                     "trending_score"), snapshot)  # fmt: skip
            write(
                "membership", ("run_id", "ecosystem", "model_id", "family", "relation", "depth"), membership
            )
            write("run_edge", ("run_id", "child_id", "parent_id", "relation"), edges)
            written += len(snapshot)
            started = time.perf_counter()
            rollups.refresh(engine, run + 1)  # what completing the run does
            rollup_seconds.append(time.perf_counter() - started)
            if (run + 1) % 13 == 0:
                out.write(f"  ({run + 1} runs, {written:,} rows, {time.perf_counter() - began:.0f} s)\n")
                out.flush()
        if engine.dialect.name == "postgresql":
            with engine.connect() as connection:
                connection.exec_driver_sql("ANALYZE")
                connection.commit()
    finally:
        write.close()  # type: ignore[attr-defined]
        engine.dispose()
    return {
        "rows": written,
        "seconds": time.perf_counter() - began,
        "rollup_median": statistics.median(rollup_seconds),
    }
