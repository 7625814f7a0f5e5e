"""What the benchmarks share: the summary row each one returns, peak memory of a child process, and a
scratch PostgreSQL database.

Every benchmark module has `main(out) -> list[Summary]`: it prints its own tables to `out` and returns
its headline figures; `python -m bench` prints them together as one table at the end.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TextIO

PG_URL = os.environ.get("TRACKER_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@dataclass(frozen=True)
class Summary:
    """One line of the final table.

    Fields:
        benchmark: the benchmark's name (`crawl`, `ingest`, ...).
        measure: what was measured, e.g. `tree requests, 2.2M-model Hub`.
        value: the figure, formatted with its unit.
        baseline: what it is compared with, formatted, or "" when nothing.
        ratio: value against baseline as the target reads it (e.g. `1.01 x floor`), or "".
        target: the issue's target in words, or "".
        met: whether the target is met; None when there is no target.
    """

    benchmark: str
    measure: str
    value: str
    baseline: str = ""
    ratio: str = ""
    target: str = ""
    met: bool | None = None


def print_summary(rows: list[Summary], out: TextIO) -> None:
    """The one table: every benchmark's headline figures, with the target and whether it is met."""
    header = ("benchmark", "measure", "value", "baseline", "ratio", "target", "met")
    cells = [header] + [
        (
            r.benchmark,
            r.measure,
            r.value,
            r.baseline,
            r.ratio,
            r.target,
            {True: "yes", False: "NO", None: ""}[r.met],
        )
        for r in rows
    ]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    out.write("\nSummary\n")
    for n, row in enumerate(cells):
        out.write(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() + "\n"
        )
        if n == 0:
            out.write("  ".join("-" * width for width in widths) + "\n")


# Runs a module or a piece of code as `python -m`/`python -c` would, then writes the process's peak
# resident set (kB) to the file named first. Not `ru_maxrss` (`getrusage(RUSAGE_CHILDREN)`, `wait4`):
# on Linux a child's `ru_maxrss` starts at its parent's peak (exec keeps the larger of the old and new
# peaks and Python spawns with vfork), so every figure would include the benchmark's own size.
PEAK = """
import atexit, sys

def record_peak(path=sys.argv[1]):
    with open("/proc/self/status") as status:
        peak = next(line.split()[1] for line in status if line.startswith("VmHWM:"))
    with open(path, "w") as out:
        out.write(peak)

atexit.register(record_peak)
kind, target = sys.argv[2], sys.argv[3]
sys.argv = [target, *sys.argv[4:]]
if kind == "module":
    import runpy
    runpy.run_module(target, run_name="__main__", alter_sys=True)
else:
    exec(compile(target, "<bench>", "exec"), {"__name__": "__main__"})
"""


def measure(
    kind: str, target: str, *args: str, env: dict[str, str] | None = None, cwd: str | None = None
) -> tuple[float, float]:
    """(wall seconds, peak RSS in MB) of `python -m TARGET ARGS` (`module`) or `python -c TARGET ARGS`;
    `cwd`: where it runs (first on its path: another tree's `tracker`, for a baseline)."""
    with tempfile.NamedTemporaryFile("r", suffix=".peak") as peak:
        began = time.perf_counter()
        result = subprocess.run(
            [sys.executable, "-c", PEAK, peak.name, kind, target, *args],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            env=None if env is None else os.environ | env,
            cwd=cwd,
            check=False,
        )
        seconds = time.perf_counter() - began
        if result.returncode != 0:
            raise RuntimeError(f"{kind} {target[:40]!r} {' '.join(args[:4])}... exited {result.returncode}")
        return seconds, int(peak.read()) / 1024


@contextmanager
def autovacuum(setting: str) -> Iterator[str | None]:
    """The PostgreSQL server's `autovacuum` for the block: `on` or `off` set with `ALTER SYSTEM` and
    reloaded, reset afterwards; "" leaves the server as it is. Yields the setting in force (None without
    a server). A server's default is on; the tests' server on this machine turns it off (`conf.d`), which
    a benchmark of a long history must not mistake for the product's cost."""
    from sqlalchemy import create_engine
    from sqlalchemy.exc import SQLAlchemyError
    from sqlalchemy.pool import NullPool

    if setting not in ("", "on", "off"):
        raise SystemExit(f"autovacuum: 'on', 'off' or empty, not {setting!r}")
    admin = create_engine(
        PG_URL, poolclass=NullPool, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3}
    )
    try:
        with admin.connect() as connection:
            if setting:
                connection.exec_driver_sql(f"ALTER SYSTEM SET autovacuum = {setting}")  # checked above
                connection.exec_driver_sql("SELECT pg_reload_conf()")
            # a reload is asynchronous: ask a new session (it reads the reloaded file)
        with admin.connect() as connection:
            found = connection.exec_driver_sql("SHOW autovacuum").scalar()
    except SQLAlchemyError:
        yield None
        return
    try:
        yield found
    finally:
        if setting:
            with admin.connect() as connection:
                connection.exec_driver_sql("ALTER SYSTEM RESET autovacuum")
                connection.exec_driver_sql("SELECT pg_reload_conf()")
        admin.dispose()


@contextmanager
def postgres_database() -> Iterator[str | None]:
    """The URL of a fresh scratch database on the PostgreSQL server, dropped afterwards; None without one."""
    from sqlalchemy import create_engine, make_url
    from sqlalchemy.exc import SQLAlchemyError
    from sqlalchemy.pool import NullPool

    admin = create_engine(
        PG_URL, poolclass=NullPool, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3}
    )
    name = f"tracker_bench_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')  # a generated identifier
    except SQLAlchemyError:
        yield None
        return
    try:
        yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()
