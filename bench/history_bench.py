"""`./dev bench history`: two years of five ecosystems, the archive then live scans, measured end to end.

The scenario (`bench.history_scenario`): the realistic Hub at `TRACKER_BENCH_HISTORY_SCALE` (1.0: 2.2
million models, about 400,000 members of the tracked ecosystems at the clock; 0.1 for a quick look;
default 0.1), with its weekly archive from 2024-07-24 to the clock (about 119 files, each in its era's
schema), served by the emulator in its own process. Then, into a fresh SQLite file and a fresh PostgreSQL
database (the tests' server; `TRACKER_BENCH_PG_URL`; skipped when none answers), each command in its own
process (`bench.history_measure`: wall, client CPU, peak RSS, the time by phase;
`TRACKER_BENCH_HISTORY_DATABASES=sqlite` or `postgresql`: one of them; PostgreSQL's `autovacuum` on, a
server's default, for the bench's time: `TRACKER_BENCH_PG_AUTOVACUUM=off`, or empty to leave the server
as it is):

1. `tracker backfill --since D --until D` of each file in date order (`TRACKER_BENCH_HISTORY_WEEKS=N`: only
   the last N files; `TRACKER_BENCH_HISTORY_EVERY=K`: every Kth of them and the last, a sample of the
   history's sizes in fewer hours), both databases a file at a time;
   `TRACKER_BENCH_HISTORY_RANGE=1`: instead, every file written first, then one `tracker backfill` of the
   whole range per database, as a user runs it; with `TRACKER_BENCH_BASELINE=TREE` (a checkout of another
   commit), the same command of that tree's tracker into fresh databases, for the ratio;
2. `TRACKER_BENCH_HISTORY_SCANS` live scans (default 4; fewer than 3: no yardstick, below),
   `tracker snapshot --strategy scan
   --taken-at T`, the emulator's clock moved a week before each (from its default clock);
3. the yardstick of a live run's cost: a fresh database of each kind, three scans at the clocks of the last
   three scans above: its third run against the history's last, at the same clock and membership (its
   second is printed too; the third, not the issue's second: from the third run on, the previous run has
   deltas of its own, which the roll-ups compare with, and a completion costs more).

Each file is written by the emulator before its imports (not measured: about 2 minutes for a 2.2-million-row
file) and deleted after them, so the disk holds one file at a time (about 1.3 GB at SCALE 1.0).

Then every dashboard page's queries on each database, against DuckDB on the SQLite database's raw rows
(`bench.history_pages`); `TRACKER_BENCH_HISTORY_KEEP=DIR` keeps that SQLite file as DIR/history.db.

The database's size is taken after the last file of each year and at the end, with its five largest tables
and indexes. Targets (issue 29, "The real size"): a real-size archive file end to end in at most 60 s (said
only at SCALE 1.0); a live run's cost after the history at most 1.1 x the second run's at the same
membership, in wall time and in completion (roll-ups and lineage index); peak RSS under 1 GB. One
command of each kind per database, no repeats: at small scales, where a command is a few seconds of
start-up, a ratio moves by tens of percent with the machine's load.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import date
from pathlib import Path
from typing import TextIO

import httpx2

from bench.common import Summary, autovacuum, postgres_database
from bench.history_measure import PHASES, child_env, database_size, last_run, run_tracker
from bench.history_pages import compare
from bench.history_report import print_runs, print_sizes, range_summaries, summaries

WEEK = 7 * 86_400


@contextmanager
def _scenario(scale: float) -> Iterator[tuple[subprocess.Popen, dict]]:
    cache = tempfile.mkdtemp(prefix="bench-history-archive-")
    proc = subprocess.Popen(
        [sys.executable, "-m", "bench.history_scenario", str(scale), cache],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        yield proc, _answer(proc)
    finally:
        assert proc.stdin is not None
        proc.stdin.close()
        proc.wait(timeout=300)
        shutil.rmtree(cache, ignore_errors=True)


def _answer(proc: subprocess.Popen) -> dict:
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line:
        raise RuntimeError(f"the history scenario's emulator exited {proc.wait()}")
    return json.loads(line)


def _ask(proc: subprocess.Popen, command: str) -> dict:
    assert proc.stdin is not None
    proc.stdin.write(command + "\n")
    proc.stdin.flush()
    return _answer(proc)


def _iso(t: int) -> str:
    from tracker.emulator.vocabulary import iso

    return iso(t)


def _databases(stack: ExitStack, names: list[str]) -> dict[str, str]:
    """A fresh database of each kind asked for (`sqlite`, `postgresql`), by display name."""
    found: dict[str, str] = {}
    if "sqlite" in names:
        folder = tempfile.mkdtemp(prefix="bench-history-")
        stack.callback(shutil.rmtree, folder, ignore_errors=True)
        found["SQLite"] = f"sqlite:///{folder}/history.db"
    if "postgresql" in names:
        url = stack.enter_context(postgres_database())
        if url is None:
            sys.stderr.write("history: no PostgreSQL server answers; SQLite alone\n")
        else:
            found["PostgreSQL"] = url
    return found


def _measure(
    kind: str,
    when: str,
    backend: str,
    url: str,
    args: list[str],
    env: dict,
    before: int,
    tree: Path | None = None,
) -> dict:
    """One command into one database, with what it recorded (`tree`: another checkout's tracker)."""
    figures = run_tracker(args, url, env, tree)
    run_id, members = last_run(url)
    row = {"kind": kind, "date": when, "backend": backend, "run": run_id, "members": members, **figures}
    row["new_run"] = run_id != before
    sys.stderr.write(
        f"history: {kind} {when} {backend}: run {run_id}, {members:,} members, wall {figures['wall']:.1f} s, "
        f"cpu {figures['cpu']:.1f} s, peak {figures['peak']:.0f} MB ("
        + ", ".join(f"{p} {figures[p]:.1f}" for p in PHASES)
        + ")\n"
    )
    return row


def main(out: TextIO) -> list[Summary]:
    scale = float(os.environ.get("TRACKER_BENCH_HISTORY_SCALE", "0.1"))
    weeks = int(os.environ.get("TRACKER_BENCH_HISTORY_WEEKS", "0"))
    every = max(1, int(os.environ.get("TRACKER_BENCH_HISTORY_EVERY", "1")))
    ranged = os.environ.get("TRACKER_BENCH_HISTORY_RANGE", "") not in ("", "0")
    tree = (
        Path(os.environ["TRACKER_BENCH_BASELINE"]).resolve()
        if os.environ.get("TRACKER_BENCH_BASELINE")
        else None
    )
    scans = max(0, int(os.environ.get("TRACKER_BENCH_HISTORY_SCANS", "4")))
    names = os.environ.get("TRACKER_BENCH_HISTORY_DATABASES", "sqlite,postgresql").split(",")
    env = child_env()
    rows: list[dict] = []
    sizes: list[dict] = []
    keep = os.environ.get("TRACKER_BENCH_HISTORY_KEEP", "")
    with ExitStack() as stack:
        vacuum = stack.enter_context(autovacuum(os.environ.get("TRACKER_BENCH_PG_AUTOVACUUM", "on")))
        if "postgresql" in names:
            sys.stderr.write(f"history: PostgreSQL's autovacuum is {vacuum or 'unknown (no server)'}\n")
        proc, facts = stack.enter_context(_scenario(scale))
        sys.stderr.write(
            f"history: scale {scale}: {facts['models']:,} models aimed at ({facts['listed']:,} listed at the "
            f"clock), built in {facts['build_s']:.0f} s; {len(facts['labels'])} weekly files\n"
        )
        emulator = facts["url"]
        labels = facts["labels"][-weeks:] if weeks else facts["labels"]
        labels = labels if ranged else sorted(set(labels[::every]) | {labels[-1]})
        databases = _databases(stack, names)
        last = dict.fromkeys(databases, 0)
        made = []
        if ranged:
            rows += _whole_range(
                proc, labels, databases, emulator, env, (tree, _databases(stack, names) if tree else {})
            )
            last = {row["backend"]: row["run"] for row in rows if row["kind"] == "range"}
            sizes += [_size(backend, url, f"after {labels[-1]}") for backend, url in databases.items()]
        for n, label in enumerate([] if ranged else labels):
            made.append(_ask(proc, f"file {label}"))
            sys.stderr.write(
                f"history: file {label} ({n + 1} of {len(labels)}): {made[-1]['rows']:,} rows, "
                f"{made[-1]['size']:,} bytes, written in {made[-1]['generate_s']:.1f} s\n"
            )
            for backend, url in databases.items():
                args = ["backfill", "--endpoint", emulator, "--since", label, "--until", label]
                row = _measure("file", label, backend, url, args, env, last[backend])
                row.update(rows_in_file=made[-1]["rows"], size=made[-1]["size"])
                rows.append(row)
                last[backend] = row["run"]
                if n == len(labels) - 1 or labels[n + 1][:4] != label[:4]:
                    sizes.append(_size(backend, url, f"after {label}"))
            _ask(proc, f"drop {label}")
        for k in range(scans):
            at = _iso(facts["now"] + k * WEEK)
            httpx2.post(f"{emulator}/_emulator/clock", json={"now": at}).raise_for_status()
            for backend, url in databases.items():
                args = ["snapshot", "--endpoint", emulator, "--strategy", "scan", "--taken-at", at]
                row = _measure("scan", at[:10], backend, url, args, env, last[backend])
                rows.append(row)
                last[backend] = row["run"]
        for backend, url in databases.items():
            sizes.append(_size(backend, url, "at the end"))
        scratch = tempfile.mkdtemp(prefix="bench-history-duck-")
        stack.callback(shutil.rmtree, scratch, ignore_errors=True)
        pages = io.StringIO()
        found = compare(databases, Path(scratch), pages)
        if keep and "SQLite" in databases:
            shutil.copyfile(databases["SQLite"].removeprefix("sqlite:///"), Path(keep) / "history.db")
        # The yardstick: a third run at the same membership as the history's last, in a fresh database.
        fresh = _databases(stack, [n for n in names if n in ("sqlite", "postgresql")] if scans >= 3 else [])
        for k in range(scans - 3, scans) if scans >= 3 else ():
            at = _iso(facts["now"] + k * WEEK)
            httpx2.post(f"{emulator}/_emulator/clock", json={"now": at}).raise_for_status()
            for backend, url in fresh.items():
                args = ["snapshot", "--endpoint", emulator, "--strategy", "scan", "--taken-at", at]
                rows.append(_measure("fresh scan", at[:10], backend, url, args, env, 0))
    out.write(
        f"\nHistory at scale {scale}: the realistic Hub of {facts['models']:,} models ({facts['listed']:,} "
        f"listed at the clock, {date.fromisoformat(labels[0])} to {labels[-1]}: {len(labels)} weekly files "
        f"of {len(facts['labels'])}), then {scans} live scans; a fresh database's three scans as the "
        "yardstick\n"
    )
    if "PostgreSQL" in databases:
        out.write(f"  PostgreSQL's autovacuum: {vacuum}\n")
    print_runs(rows, out)
    print_sizes(sizes, out)
    out.write(pages.getvalue())
    return summaries(rows, sizes, scale, out) + range_summaries(rows, scale, out) + found


def _whole_range(
    proc: subprocess.Popen, labels: list[str], databases: dict, emulator: str, env: dict, baseline: tuple
) -> list[dict]:
    """Every file written first, then one `tracker backfill` of the whole range into each database, as a
    user runs it; with a baseline tree, the same into fresh databases with that tree's tracker."""
    for n, label in enumerate(labels):
        made = _ask(proc, f"file {label}")
        sys.stderr.write(
            f"history: file {label} ({n + 1} of {len(labels)}) written in {made['generate_s']:.1f} s\n"
        )
    args = ["backfill", "--endpoint", emulator, "--since", labels[0], "--until", labels[-1]]
    found = [_measure("range", labels[-1], backend, url, args, env, 0) for backend, url in databases.items()]
    tree, fresh = baseline
    found += [_measure("range, base", labels[-1], b, url, args, env, 0, tree) for b, url in fresh.items()]
    for label in labels:
        _ask(proc, f"drop {label}")
    return found


def _size(backend: str, url: str, when: str) -> dict:
    mb, tables, indexes = database_size(url)
    return {"backend": backend, "when": when, "mb": mb, "tables": tables, "indexes": indexes}


if __name__ == "__main__":
    from bench.common import print_summary

    print_summary(main(sys.stdout), sys.stdout)
