"""`./dev bench hub_view`: what the whole-Hub view costs, at the real Hub's size, against a tree without it.

Two trees of the tracker run the same commands in one invocation: this one, and a baseline
(`TRACKER_BENCH_BASELINE=TREE`, a checkout of the commit before the view, e.g. `git archive COMMIT | tar
-x -C TREE`; without it, this tree alone is measured). Each command runs in its own process, in the
tree's folder and with it first on `PYTHONPATH` (so its `tracker` is the one imported), as a user runs it:

- the scan: `tracker snapshot --strategy scan --ecosystem llama` of the realistic 2.2-million-model Hub
  (`bench.crawl`'s emulator, its own process, no added latency), into a fresh SQLite file: client CPU
  (user + system, from the child's rusage), wall time, peak RSS (`VmHWM`), the database's size after the
  run;
- the backfill: `tracker backfill --ecosystem llama` of the realistic Hub's 2.2-million-row archive file
  (`bench.backfill`'s emulator), into a fresh SQLite file: the same figures.

Rounds alternate the trees (`TRACKER_BENCH_HUB_VIEW_REPEAT`, default 2); the table shows medians and
this tree's ratio to the baseline. Targets (issue "The whole Hub"): scan CPU <= 1.3 x, peak RSS under
500 MB; backfill time <= 1.3 x, under 500 MB; the database's growth per run stated.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import TextIO

import httpx2

from bench.common import Summary, measure

HERE = Path(__file__).resolve().parent.parent
TARGET_MB = 500
RATIO = 1.3


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _run(tree: Path, args: list[str]) -> dict[str, float]:
    """One command of a tree: CPU, wall, peak RSS, database size (the `--database` is made fresh)."""
    folder = tempfile.mkdtemp(prefix="bench-hub-view-")
    database = Path(folder) / "run.db"
    env = {
        "PYTHONPATH": str(tree),
        "HF_HOME": tempfile.mkdtemp(prefix="bench-hf-"),
        "HF_HUB_DISABLE_TELEMETRY": "1",
    }
    before = _cpu()
    seconds, peak = measure(
        "module", "tracker", "-q", *args, "--database", f"sqlite:///{database}", env=env, cwd=str(tree)
    )
    cpu = _cpu() - before
    size = sum(p.stat().st_size for p in Path(folder).iterdir())
    return {"cpu": cpu, "wall": seconds, "peak": peak, "db_mb": size / 2**20, "bases": _bases(database)}


def _bases(database: Path) -> float:
    import sqlite3

    with sqlite3.connect(database) as connection:
        try:
            return float(connection.execute("SELECT count(*) FROM hub_base").fetchone()[0])
        except sqlite3.OperationalError:  # the baseline's schema has no view
            return 0.0


def _serve(module: str, *args: str) -> tuple[subprocess.Popen, dict]:
    proc = subprocess.Popen(
        [sys.executable, "-m", module, "--serve", *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line:
        raise RuntimeError(f"{module}'s emulator exited {proc.wait()}")
    return proc, json.loads(line)


def _stop(proc: subprocess.Popen) -> None:
    assert proc.stdin is not None
    proc.stdin.close()
    proc.wait(timeout=300)


def _rounds(
    trees: dict[str, Path], args: list[str], repeat: int, what: str, url: str
) -> dict[str, list[dict]]:
    results: dict[str, list[dict]] = {name: [] for name in trees}
    for n in range(repeat):
        for name, tree in trees.items():
            httpx2.post(f"{url}/_emulator/stats/reset").raise_for_status()
            figures = _run(tree, args)
            if (name == "baseline") != (figures["bases"] == 0):  # each tree's own `tracker` ran
                raise RuntimeError(f"{what} of {name} recorded {figures['bases']:,.0f} bases")
            results[name].append(figures)
            sys.stderr.write(
                f"hub_view: {what} round {n + 1}, {name}: cpu {figures['cpu']:.1f} s, "
                f"wall {figures['wall']:.1f} s, peak {figures['peak']:.0f} MB, "
                f"database {figures['db_mb']:.1f} MB, {figures['bases']:,.0f} bases\n"
            )
    return results


def _median(rows: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in rows)


def main(out: TextIO) -> list[Summary]:
    trees = {"this tree": HERE}
    if os.environ.get("TRACKER_BENCH_BASELINE"):
        trees = {"baseline": Path(os.environ["TRACKER_BENCH_BASELINE"]).resolve(), **trees}
    repeat = int(os.environ.get("TRACKER_BENCH_HUB_VIEW_REPEAT", "2"))
    summaries: list[Summary] = []
    from bench.crawl import REAL

    proc, facts = _serve("bench.crawl", str(REAL.models), str(REAL.llama), "0", "2026")
    try:
        url = facts["url"]
        scans = _rounds(
            trees,
            ["snapshot", "--endpoint", url, "--ecosystem", "llama", "--strategy", "scan"],
            repeat,
            "scan",
            url,
        )
    finally:
        _stop(proc)
    proc, facts = _serve("bench.backfill", tempfile.mkdtemp(prefix="bench-archive-"))
    try:
        url, day = facts["url"], facts["label"]
        args = ["backfill", "--endpoint", url, "--ecosystem", "llama", "--since", day, "--until", day]
        backfills = _rounds(trees, args, repeat, "backfill", url)
    finally:
        _stop(proc)
    out.write(f"\nThe whole-Hub view's cost at the real Hub's size (medians of {repeat})\n")
    for what, results in (("scan, 2.2M models", scans), ("backfill, 2.2M-row file", backfills)):
        for name, rows in results.items():
            out.write(
                f"  {what:<24} {name:<10} cpu {_median(rows, 'cpu'):7.1f} s  "
                f"wall {_median(rows, 'wall'):7.1f} s  "
                f"peak {_median(rows, 'peak'):5.0f} MB  database {_median(rows, 'db_mb'):7.1f} MB  "
                f"{_median(rows, 'bases'):,.0f} bases\n"
            )
    mine_scan, mine_fill = scans["this tree"], backfills["this tree"]
    scan_peak, fill_peak = _median(mine_scan, "peak"), _median(mine_fill, "peak")
    summaries.append(
        Summary(
            "hub_view",
            "peak RSS, 2.2M scan with the view",
            f"{scan_peak:.0f} MB",
            "",
            "",
            f"< {TARGET_MB} MB",
            scan_peak < TARGET_MB,
        )
    )
    summaries.append(
        Summary(
            "hub_view",
            "peak RSS, 2.2M backfill with the view",
            f"{fill_peak:.0f} MB",
            "",
            "",
            f"< {TARGET_MB} MB",
            fill_peak < TARGET_MB,
        )
    )
    if "baseline" in scans:
        base_scan, base_fill = scans["baseline"], backfills["baseline"]
        cpu, base_cpu = _median(mine_scan, "cpu"), _median(base_scan, "cpu")
        wall, base_wall = _median(mine_fill, "wall"), _median(base_fill, "wall")
        growth = _median(mine_scan, "db_mb") - _median(base_scan, "db_mb")
        summaries += [
            Summary(
                "hub_view",
                "scan client CPU, 2.2M",
                f"{cpu:.1f} s",
                f"{base_cpu:.1f} s",
                f"{cpu / base_cpu:.2f} x",
                f"<= {RATIO} x",
                cpu <= RATIO * base_cpu,
            ),
            Summary(
                "hub_view",
                "scan peak RSS against the baseline",
                f"{scan_peak:.0f} MB",
                f"{_median(base_scan, 'peak'):.0f} MB",
                f"+{scan_peak - _median(base_scan, 'peak'):.0f} MB",
                "",
            ),
            Summary(
                "hub_view",
                "backfill time, 2.2M-row file",
                f"{wall:.1f} s",
                f"{base_wall:.1f} s",
                f"{wall / base_wall:.2f} x",
                f"<= {RATIO} x",
                wall <= RATIO * base_wall,
            ),
            Summary(
                "hub_view",
                "database growth per scan for the view",
                f"{growth:+.1f} MB",
                "",
                f"{_median(mine_scan, 'bases'):,.0f} bases",
                "stated",
            ),
        ]
    return summaries
