"""What `./dev bench history` measures of one `tracker` command, and of a database.

A command runs in its own process, as a user runs it (`python -m tracker -q ...`, through
`bench.common.measure`: wall time and peak RSS from `VmHWM`; client CPU from the children's rusage). Its
time is split into phases by timers the child process puts around the product's functions before the
command starts (`CHILD`): nothing of the product is changed, each phase is the time spent inside these
functions, written to a JSON file when the process ends:

- read: pass 1 of an archive file (`ArchiveFileReader._read`: the column chunks, the links, the spill), or
  a scan's listing of the whole Hub (`Crawl._load_scan`);
- search: the rest of what the reader or the crawl does before yielding a batch to store (the lineage
  search, the search's index), i.e. the time inside `batches()` less read, records and the view's part;
- records: the members' records parsed for storing (`ArchiveFileReader._batch`, `Crawl._batch`);
- store: `tracker.storage.saves` (observations, memberships, edges);
- view: the whole-Hub view, computed (`_whole_hub`) and stored (`hub_view.save_view`, `refresh_new`);
- roll-ups: `rollups.refresh` (deltas, roll-ups) less the index and the statistics;
- stats: the planner's statistics (`planner.analyze`, twice a completion: ANALYZE);
- index: the lineage explorer's index (`rollups.write_lineage`);
- other: the rest of the wall time (start-up and imports, the run's record, the repeat check, commits).

A timer that finds no function by its name fails the bench (the product moved: `CHILD` follows it).
"""

from __future__ import annotations

import json
import resource
import sqlite3
import tempfile
from pathlib import Path

from bench.common import measure

PHASES = ("read", "search", "records", "store", "view", "rollups", "stats", "index", "other")

CHILD = r"""
import atexit, importlib, json, os, sys, time

totals = {}

def timed(name, function):
    def wrapper(*args, **kwargs):
        began = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            totals[name] = totals.get(name, 0.0) + time.perf_counter() - began
    return wrapper

def timed_iterator(name, function):
    def wrapper(*args, **kwargs):
        iterator = function(*args, **kwargs)
        while True:
            began = time.perf_counter()
            try:
                item = next(iterator)
            except StopIteration:
                return
            finally:
                totals[name] = totals.get(name, 0.0) + time.perf_counter() - began
            yield item
    return wrapper

TIMERS = [
    ("produce", "tracker.collect.archive_file", "ArchiveFileReader", "batches", True),
    ("produce", "tracker.collect.crawl", "Crawl", "batches", True),
    ("read", "tracker.collect.archive_file", "ArchiveFileReader", "_read", False),
    ("read", "tracker.collect.crawl", "Crawl", "_load_scan", False),
    ("records", "tracker.collect.archive_file", "ArchiveFileReader", "_batch", False),
    ("records", "tracker.collect.crawl", "Crawl", "_batch", False),
    ("view_made", "tracker.collect.archive_file", "ArchiveFileReader", "_whole_hub", False),
    ("view_made", "tracker.collect.crawl", "Crawl", "_whole_hub", False),
    ("view_stored", "tracker.storage.hub_view", None, "save_view", False),
    ("view_stored", "tracker.storage.hub_view", None, "refresh_new", False),
    ("store", "tracker.storage.saves", None, "save_observations", False),
    ("store", "tracker.storage.saves", None, "save_memberships", False),
    ("store", "tracker.storage.saves", None, "save_edges", False),
    ("refresh", "tracker.storage.rollups", None, "refresh", False),
    ("index", "tracker.storage.rollups", None, "write_lineage", False),
    ("stats", "tracker.storage.planner", None, "analyze", False),
]
for name, module, owner, attribute, iterates in TIMERS:
    try:
        holder = importlib.import_module(module)
    except ModuleNotFoundError:  # a baseline tree from before the module: that phase is in another's time
        continue
    holder = getattr(holder, owner) if owner else holder
    # a baseline tree from before 2026-12-08 names some of them with a leading underscore
    attribute = attribute if hasattr(holder, attribute) else "_" + attribute
    function = getattr(holder, attribute)  # an AttributeError: the product moved, follow it here
    setattr(holder, attribute, (timed_iterator if iterates else timed)(name, function))

def write_totals(path=os.environ["BENCH_HISTORY_PHASES"]):
    with open(path, "w") as out:
        json.dump(totals, out)

atexit.register(write_totals)
from tracker.cli import main
main(sys.argv[1:])
"""


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_tracker(
    args: list[str], database: str, env: dict[str, str], tree: Path | None = None
) -> dict[str, float]:
    """`tracker -q ARGS --database DATABASE` in its own process: wall, cpu, peak (MB) and the phases (s);
    `tree`: another checkout's `tracker` instead of this one's (a baseline)."""
    if tree is not None:
        env = {**env, "PYTHONPATH": str(tree)}
    with tempfile.NamedTemporaryFile("r", suffix=".json") as phases:
        before = _cpu()
        wall, peak = measure(
            "code",
            CHILD,
            "-q",
            *args,
            "--database",
            database,
            env={**env, "BENCH_HISTORY_PHASES": phases.name},
            cwd=None if tree is None else str(tree),
        )
        cpu = _cpu() - before
        totals = json.loads(phases.read() or "{}")
    t = {name: totals.get(name, 0.0) for name in ("produce", "read", "records", "view_made")}
    figures = {
        "wall": wall,
        "cpu": cpu,
        "peak": peak,
        "read": t["read"],
        "search": max(0.0, t["produce"] - t["read"] - t["records"] - t["view_made"]),
        "records": t["records"],
        "store": totals.get("store", 0.0),
        "view": t["view_made"] + totals.get("view_stored", 0.0),
        "rollups": totals.get("refresh", 0.0) - totals.get("index", 0.0) - totals.get("stats", 0.0),
        "stats": totals.get("stats", 0.0),
        "index": totals.get("index", 0.0),
    }
    figures["other"] = max(0.0, wall - sum(figures[p] for p in PHASES if p != "other"))
    return figures


# --- the database ------------------------------------------------------------------------------------


def sqlite_path(url: str) -> Path:
    return Path(url.removeprefix("sqlite:///"))


def _size_of(path: Path) -> int:
    """A file's size; 0 for one gone since it was listed (`-shm`, `-wal`: gone with the last connection)."""
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def _sqlite_size(url: str) -> tuple[float, list[tuple[str, float]], list[tuple[str, float]]]:
    path = sqlite_path(url)
    size = sum(_size_of(p) for p in path.parent.glob(path.name + "*"))
    with sqlite3.connect(path) as connection:
        kinds = dict(connection.execute("SELECT name, type FROM sqlite_master"))
        try:
            sizes = connection.execute(
                "SELECT name, sum(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC"
            ).fetchall()
        except sqlite3.OperationalError:  # no dbstat in this SQLite: the whole file, unsplit
            sizes = []
    tables = [(n, b / 2**20) for n, b in sizes if kinds.get(n) == "table"][:5]
    indexes = [(n, b / 2**20) for n, b in sizes if kinds.get(n) == "index"][:5]
    return size / 2**20, tables, indexes


def _postgres_size(url: str) -> tuple[float, list[tuple[str, float]], list[tuple[str, float]]]:
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    engine = create_engine(url, poolclass=NullPool)
    relations = (
        "SELECT relname, {size}(oid) FROM pg_class WHERE relkind = '{kind}' "
        "AND relnamespace = 'public'::regnamespace ORDER BY 2 DESC LIMIT 5"
    )
    try:
        with engine.connect() as connection:
            size = connection.exec_driver_sql("SELECT pg_database_size(current_database())").scalar_one()
            tables = connection.exec_driver_sql(
                relations.format(size="pg_total_relation_size", kind="r")
            ).fetchall()
            indexes = connection.exec_driver_sql(
                relations.format(size="pg_relation_size", kind="i")
            ).fetchall()
    finally:
        engine.dispose()
    return size / 2**20, [(n, b / 2**20) for n, b in tables], [(n, b / 2**20) for n, b in indexes]


def database_size(url: str) -> tuple[float, list[tuple[str, float]], list[tuple[str, float]]]:
    """(MB, the five largest tables, the five largest indexes, each (name, MB)). SQLite: the file (with its
    WAL), tables and indexes from `dbstat`; PostgreSQL: `pg_database_size`, a table with its indexes and
    TOAST (`pg_total_relation_size`), an index alone (`pg_relation_size`)."""
    return _sqlite_size(url) if url.startswith("sqlite") else _postgres_size(url)


def last_run(url: str) -> tuple[int, int]:
    """(id, memberships) of the latest complete run: a model counts once per ecosystem."""
    query = (
        "SELECT r.id, (SELECT count(*) FROM membership m WHERE m.run_id = r.id) FROM snapshot_run r "
        "WHERE r.status = 'complete' ORDER BY r.id DESC LIMIT 1"
    )
    if url.startswith("sqlite"):
        with sqlite3.connect(sqlite_path(url)) as connection:
            row = connection.execute(query).fetchone()
    else:
        from sqlalchemy import create_engine
        from sqlalchemy.pool import NullPool

        engine = create_engine(url, poolclass=NullPool)
        try:
            with engine.connect() as connection:
                row = connection.exec_driver_sql(query).fetchone()
        finally:
            engine.dispose()
    return (int(row[0]), int(row[1])) if row else (0, 0)


def child_env() -> dict[str, str]:
    """The commands' environment: a scratch Hugging Face home, no telemetry."""
    return {
        "HF_HOME": tempfile.mkdtemp(prefix="bench-history-hf-"),
        "HF_HUB_DISABLE_TELEMETRY": "1",
        "PYTHONPATH": str(Path(__file__).resolve().parent.parent),
    }
