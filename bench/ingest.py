"""Ingest: one snapshot of 200,000 models written through `tracker.storage.saves`, against a raw
`executemany`.

The rows are what a snapshot of a 200,000-member ecosystem writes: per model one `model` row (nine
tags as the Hub lists them, dates, licence, library), one `model_snapshot` row of figures, one
`membership` row, and one `run_edge` per declared parent (about 1.04 per model: merges have two or
three), in the crawl's order (breadth first, so the ids arrive in no particular order) and in its
batches of `tracker.collect.crawl.BATCH` models, each committed as `take_snapshot` commits it.

- store: `saves.save_observations`, `save_memberships`, `save_edges`, then `session.commit()`, per
  batch, from the crawl's records (`Observation`, `Membership`, `Edge`): the write path of
  `take_snapshot`, upserts (`INSERT ... ON CONFLICT DO UPDATE`) included.
- raw: the same rows, prepared beforehand as the driver's tuples (timestamps already in the form the
  store sends them), written with the DB-API `cursor.executemany` of plain `INSERT`s, and committed in
  the same batches.

Each side writes into a fresh database migrated by `tracker.storage.database.open_store` (same schema, same
indexes, same connection settings: WAL and `synchronous=NORMAL` on SQLite), after `begin_run`; only the
writes and commits are timed. rows/s counts the rows of all four tables. The sides alternate, three
times each (medians); PostgreSQL runs in scratch databases on the test server when one answers.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

from sqlmodel import Session

from bench.common import PG_URL, Summary, postgres_database
from tracker.collect.crawl import BATCH
from tracker.core.records import Edge, Membership, Observation
from tracker.storage import database, lifecycle, saves

MODELS = 200_000
REPEATS = 3
TARGET = 0.5
T0 = datetime(2026, 11, 2, 6, 0, tzinfo=UTC)
ROOTS = (
    ("Llama 3.1", "meta-llama/Llama-3.1-8B-Instruct"),
    ("Llama 3.1", "meta-llama/Llama-3.1-8B"),
    ("Llama 3", "meta-llama/Meta-Llama-3-8B-Instruct"),
    ("Llama 3.2", "meta-llama/Llama-3.2-3B-Instruct"),
    ("Llama 3.2", "meta-llama/Llama-3.2-1B-Instruct"),
    ("Llama 2", "meta-llama/Llama-2-7b-chat-hf"),
    ("Llama 3.3", "meta-llama/Llama-3.3-70B-Instruct"),
    ("Code Llama", "meta-llama/CodeLlama-7b-hf"),
)
# (relation, library, format tags), in the Hub's proportions: adapters, then finetunes, quantizations, merges
KINDS = (
    ("adapter", "peft", ("peft", "safetensors", "lora")),
    ("finetune", "transformers", ("transformers", "safetensors", "conversational")),
    ("finetune", "transformers", ("transformers", "safetensors", "trl")),
    ("quantized", "gguf", ("gguf", "quantized", "imatrix")),
    ("quantized", "transformers", ("transformers", "safetensors", "4-bit", "awq")),
    ("merge", "transformers", ("transformers", "safetensors", "mergekit")),
)
KIND_WEIGHTS = (36, 18, 13, 15, 13, 5)
LICENSES = ("llama3.1", "llama3", "llama3.2", "llama2", "apache-2.0", "mit", "cc-by-4.0", "other")
WORDS = ("orca", "quill", "sage", "nova", "ember", "atlas", "lumen", "drift", "spark", "cedar", "fable")


@dataclass
class Batch:
    """One committed batch: the crawl's records, and the same rows as the driver's tuples, per table."""

    observations: list[Observation]
    memberships: list[Membership]
    edges: list[Edge]
    raw: dict[str, list[tuple[Any, ...]]]


def snapshot_records(models: int, seed: int = 0) -> list[tuple[Observation, Membership]]:
    """`models` members of one ecosystem as a crawl finds them: roots first, then level by level."""
    rng = random.Random(seed)
    records: list[tuple[Observation, Membership]] = []
    for family, root in ROOTS:
        tags = ("transformers", "safetensors", "llama", "text-generation", "license:llama3.1", "region:us")
        obs = Observation(
            model_id=root,
            hub_oid=f"{rng.getrandbits(96):024x}",
            author="meta-llama",
            created_at=T0 - timedelta(days=600),
            last_modified=T0 - timedelta(days=90),
            pipeline_tag="text-generation",
            library_name="transformers",
            license="llama3.1",
            gated="manual",
            tags=tags,
            relation=None,
            parents=(),
            children_count=5_000,
            downloads_30d=9_000_000,
            downloads_all_time=400_000_000,
            likes=4_000,
            trending_score=120,
        )
        records.append((obs, Membership("llama", root, family, "base", 0)))
    parents = [(root, family) for family, root in ROOTS]
    depth_of = {root: 0 for _, root in ROOTS}
    for i in range(models - len(ROOTS)):
        relation, library, fmt = rng.choices(KINDS, KIND_WEIGHTS)[0]
        parent, family = (
            parents[rng.randrange(len(parents))] if rng.random() < 0.3 else parents[rng.randrange(8)]
        )
        declared = [parent]
        if relation == "merge":  # merges name two or three bases
            declared += [p for p, _ in rng.sample(parents, rng.randint(1, 2)) if p != parent]
        author = f"{rng.choice(WORDS)}{rng.getrandbits(24):06x}"
        model_id = f"{author}/{parent.split('/')[1]}-{rng.choice(WORDS)}-{i:x}"
        licence = rng.choice(LICENSES)
        tags = (
            *fmt, "llama", "text-generation", *(f"base_model:{p}" for p in declared),
            *(f"base_model:{relation}:{p}" for p in declared), f"license:{licence}", "region:us",
        )  # fmt: skip
        created = T0 - timedelta(seconds=rng.randrange(700 * 86_400))
        downloads = int(rng.paretovariate(1.2) * 10)
        obs = Observation(
            model_id=model_id,
            hub_oid=f"{rng.getrandbits(96):024x}",
            author=author,
            created_at=created,
            last_modified=created + timedelta(days=rng.randrange(60)),
            pipeline_tag="text-generation",
            library_name=library,
            license=licence,
            gated="false",
            tags=tags,
            relation=relation,  # type: ignore[arg-type]
            parents=tuple(declared),
            children_count=0,
            downloads_30d=downloads,
            downloads_all_time=downloads * rng.randint(2, 40),
            likes=int(rng.paretovariate(1.5)) - 1,
            trending_score=rng.randrange(3),
        )
        depth = depth_of[parent] + 1
        depth_of[model_id] = depth
        records.append((obs, Membership("llama", model_id, family, relation, depth)))  # type: ignore[arg-type]
        if relation in ("finetune", "merge") and rng.random() < 0.05:
            parents.append((model_id, family))  # a few finetunes and merges have children of their own
    records.sort(key=lambda r: r[1].depth)  # breadth first, as the crawl yields them
    return records


def _timestamp(dialect: str) -> Callable[[datetime | None], Any]:
    """How the store's column type hands a timestamp to the driver: UTC, as text on SQLite."""
    if dialect == "sqlite":
        return lambda v: None if v is None else v.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    return lambda v: None if v is None else v.astimezone(UTC)


def batches(records: list[tuple[Observation, Membership]], dialect: str, run_id: int) -> list[Batch]:
    """The crawl's batches, with each table's rows as plain tuples for the raw side."""
    import json

    ts = _timestamp(dialect)
    out = []
    for start in range(0, len(records), BATCH):
        chunk = records[start : start + BATCH]
        observations = [o for o, _ in chunk]
        memberships = [m for _, m in chunk]
        edges = [Edge(o.model_id, p, o.relation or "finetune") for o in observations for p in o.parents]
        raw = {
            "model": [
                (o.model_id, o.hub_oid, o.author, ts(o.created_at), ts(o.last_modified), o.pipeline_tag,
                 o.library_name, o.license, o.gated, json.dumps(o.tags, ensure_ascii=False), run_id)
                for o in observations
            ],
            "model_snapshot": [
                (run_id, o.model_id, o.downloads_30d, o.downloads_all_time, o.likes, o.trending_score)
                for o in observations
            ],
            "membership": [
                (run_id, m.ecosystem, m.model_id, m.family, m.relation, m.depth) for m in memberships
            ],
            "run_edge": [(run_id, e.child_id, e.parent_id, e.relation) for e in edges],
        }  # fmt: skip
        out.append(Batch(observations, memberships, edges, raw))
    return out


COLUMNS = {
    "model": saves._MODEL_COLUMNS,
    "model_snapshot": saves._SNAPSHOT_COLUMNS,
    "membership": saves._MEMBERSHIP_COLUMNS,
    "run_edge": saves._EDGE_COLUMNS,
}


@contextmanager
def fresh_database(kind: str, folder: Path) -> Iterator[str | None]:
    """The URL of a fresh, empty database of this kind (None: no PostgreSQL server)."""
    if kind == "sqlite":
        path = Path(tempfile.mkdtemp(dir=folder)) / "ingest.db"
        yield f"sqlite:///{path}"
        return
    with postgres_database() as url:
        yield url


def _new_run(engine: Any) -> int:
    with Session(engine) as session:
        return lifecycle.begin_run(session, taken_at=T0, started_at=T0, ecosystems=["llama"], strategy="tree")


def _server_cpu(dbapi_connection: Any) -> Callable[[], float]:
    """CPU seconds used so far by the PostgreSQL backend serving this connection (0 for SQLite, which runs
    in this process, or a server whose processes this machine cannot see)."""
    if not hasattr(dbapi_connection, "info") or not hasattr(dbapi_connection.info, "backend_pid"):
        return lambda: 0.0
    stat = Path(f"/proc/{dbapi_connection.info.backend_pid}/stat")
    tick = os.sysconf("SC_CLK_TCK")

    def used() -> float:
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / tick  # utime, stime

    return used


def ingest_store(url: str, records: list[tuple[Observation, Membership]]) -> tuple[float, float]:
    """(wall, CPU) seconds to write the snapshot as `take_snapshot` does: the store's save functions, a
    commit per batch. CPU is this process's and, on PostgreSQL, the server backend's."""
    engine = database.open_store(url)
    try:
        run_id = _new_run(engine)
        work = batches(records, engine.dialect.name, run_id)
        with Session(engine) as session:
            # connect before the clock starts, as a snapshot has by then
            server = _server_cpu(session.connection().connection.dbapi_connection)
            began, cpu, server_began = time.perf_counter(), time.process_time(), server()
            for batch in work:
                saves.save_observations(session, run_id, batch.observations)
                saves.save_memberships(session, run_id, batch.memberships)
                saves.save_edges(session, run_id, batch.edges)
                session.commit()
            return time.perf_counter() - began, time.process_time() - cpu + server() - server_began
    finally:
        engine.dispose()


def ingest_raw(url: str, records: list[tuple[Observation, Membership]]) -> tuple[float, float]:
    """(wall, CPU) seconds to write the same rows with the DB-API's executemany of plain INSERTs, a commit
    per batch."""
    engine = database.open_store(url)
    try:
        run_id = _new_run(engine)
        work = batches(records, engine.dialect.name, run_id)
        mark = "?" if engine.dialect.name == "sqlite" else "%s"
        sql = {
            table: f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join([mark] * len(columns))})"
            for table, columns in COLUMNS.items()
        }
        connection = engine.raw_connection()
        try:
            cursor = connection.cursor()
            server = _server_cpu(connection.dbapi_connection)
            began, cpu, server_began = time.perf_counter(), time.process_time(), server()
            for batch in work:
                for table, rows in batch.raw.items():
                    cursor.executemany(sql[table], rows)
                connection.commit()
            seconds = time.perf_counter() - began
            cpu = time.process_time() - cpu + server() - server_began
            cursor.close()
            return seconds, cpu
        finally:
            connection.close()
    finally:
        engine.dispose()


def count_rows(records: list[tuple[Observation, Membership]]) -> dict[str, int]:
    edges = sum(len(o.parents) for o, _ in records)
    n = len(records)
    return {"model": n, "model_snapshot": n, "membership": n, "run_edge": edges}


LABELS = {"raw": "raw executemany, plain INSERT", "store": "tracker.store (upserts)"}


def main(out: TextIO) -> list[Summary]:
    records = snapshot_records(MODELS)
    counts = count_rows(records)
    rows = sum(counts.values())
    out.write(
        f"\nIngest of one snapshot: {MODELS:,} models, {rows:,} rows "
        f"({', '.join(f'{t} {c:,}' for t, c in counts.items())}), batches of {BATCH:,} models, "
        f"median of {REPEATS}\n"
    )
    out.write(
        f"{'database':<11} {'writer':<30} {'wall s':>7} {'rows/s':>9} {'ratio':>6} {'CPU s':>6} {'ratio':>6}"
        "   wall s of each run\n"
    )
    summary = []
    with tempfile.TemporaryDirectory(prefix="tracker-bench-ingest-") as tmp:
        for kind in ("sqlite", "postgresql"):
            runs: dict[str, list[tuple[float, float]]] = {"raw": [], "store": []}
            for n in range(REPEATS):
                # Alternate which side goes first, so that neither always meets a warmer machine.
                for side in ("raw", "store") if n % 2 == 0 else ("store", "raw"):
                    with fresh_database(kind, Path(tmp)) as url:
                        if url is None:
                            break
                        runs[side].append((ingest_raw if side == "raw" else ingest_store)(url, records))
            if not runs["raw"] or not runs["store"]:
                out.write(f"{kind:<11} no server at {database.mask_url(PG_URL)}; skipped\n")
                continue
            wall = {side: statistics.median(w for w, _ in r) for side, r in runs.items()}
            cpu = {side: statistics.median(c for _, c in r) for side, r in runs.items()}
            for side in ("raw", "store"):
                each = " ".join(f"{w:.2f}" for w, _ in runs[side])
                ratios = f"{wall['raw'] / wall[side]:>6.2f} {cpu[side]:>6.2f} {cpu['raw'] / cpu[side]:>6.2f}"
                out.write(
                    f"{kind:<11} {LABELS[side]:<30} {wall[side]:>7.2f} {rows / wall[side]:>9,.0f} {ratios}"
                    f"   {each}\n"
                )
            ratio = wall["raw"] / wall["store"]
            summary.append(
                Summary(
                    "ingest",
                    f"{kind}, {MODELS // 1000}k-model snapshot",
                    f"{rows / wall['store']:,.0f} rows/s",
                    f"{rows / wall['raw']:,.0f} rows/s raw",
                    f"{ratio:.2f} x raw",
                    f">= {TARGET} x raw",
                    ratio >= TARGET,
                )
            )
    return summary


if __name__ == "__main__":
    main(sys.stdout)
