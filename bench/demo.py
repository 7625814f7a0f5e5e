"""The demo's time, and where it goes (`./dev bench demo`).

`tracker demo --no-dashboard` as the README's quick start runs it (16 weeks of the real catalogue: the
first 8 imported from the emulator's weekly archive, the other 8 live snapshots), into a fresh SQLite file,
in a child process per repetition, with each phase's time summed by wrapping the functions that do it:

- `catalogue`: loading the real catalogue into the emulator (`tracker.run.demo.load_catalogue`);
- `archive weeks`: importing the archive's weeks (`tracker.run.backfill._import`, one per file), less
  what it spends in the phases below;
- `snapshots`: the live weeks (`tracker.run.snapshot.take_snapshot`), less the phases below: the crawl
  over HTTP and the emulator answering it;
- `store`: writing what a run saw (`tracker.storage.saves`' `save_*`);
- `roll-ups`: the per-run deltas and roll-ups (`tracker.storage.rollups._write_deltas`, `_write_rollups`);
- `lineage index`: the lineage explorer's index (`tracker.storage.rollups.write_lineage`).

`TRACKER_BENCH_DEMO_REPEAT` repetitions (default 3); the figures are medians. Run it idle: the demo uses
both cores (the archive's files are written in forked processes while the weeks import).
`TRACKER_BENCH_DEMO_BASELINE=TREE` (a checkout of another commit, e.g. `git archive COMMIT | tar -x -C
TREE`) runs that tree's demo too, in turn with this one's, with the same environment: its phases beside
these, and the ratio of the medians.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import TextIO

from bench.common import Summary

PHASES = ("catalogue", "archive weeks", "snapshots", "store", "roll-ups", "lineage index")
README_IDLE = 180.0  # the README's "2 to 3 minutes" when idle: its upper end

_CHILD = r"""
import json, sys, time
from collections import defaultdict

spent = defaultdict(float)
stack = []  # the phases running, innermost last: an outer phase's time excludes its inner ones'


def timed(module, name, phase):
    inner = getattr(module, name)

    def wrapper(*args, **kwargs):
        began = time.perf_counter()
        stack.append(0.0)
        try:
            return inner(*args, **kwargs)
        finally:
            took = time.perf_counter() - began
            nested = stack.pop()
            spent[phase] += took - nested
            if stack:
                stack[-1] += took

    setattr(module, name, wrapper)


from tracker.run import backfill, demo
from tracker.storage import rollups, saves

timed(demo, "load_catalogue", "catalogue")
timed(backfill, "_import", "archive weeks")
timed(demo, "take_snapshot", "snapshots")
for name in ("save_observations", "save_memberships", "save_edges"):
    timed(saves, name, "store")
for name in ("_write_deltas", "_write_rollups"):
    timed(rollups, name, "roll-ups")
# `_write_lineage` before 2026-12-08: a baseline tree from before then has that name
timed(rollups, "write_lineage" if hasattr(rollups, "write_lineage") else "_write_lineage", "lineage index")

from tracker.cli import main

began = time.perf_counter()
try:
    main(["demo", "--no-dashboard", "--database", sys.argv[1]])
except SystemExit as exc:
    if exc.code:
        raise
finally:
    spent["total"] = time.perf_counter() - began
    with open(sys.argv[2], "w") as out:
        json.dump(spent, out)
"""


def _one(tree: Path, folder: Path, k: int) -> dict[str, float]:
    """One demo of the tracker in `tree`, in a child process: its phases' seconds and `total`."""
    figures = folder / f"phases-{k}.json"
    with (folder / f"demo-{k}.log").open("wb") as out:
        subprocess.run(
            [sys.executable, "-c", _CHILD, f"sqlite:///{folder / f'demo-{k}.db'}", str(figures)],
            check=True,
            cwd=tree,
            env={**os.environ, "PYTHONPATH": str(tree)},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    return json.loads(figures.read_text())


def _medians(runs: list[dict[str, float]]) -> dict[str, float]:
    return {p: statistics.median(r.get(p, 0.0) for r in runs) for p in (*PHASES, "total")}


def main(out: TextIO) -> list[Summary]:
    repeat = int(os.environ.get("TRACKER_BENCH_DEMO_REPEAT", "3"))
    here = Path(__file__).resolve().parent.parent
    trees = {"this tree": here}
    if os.environ.get("TRACKER_BENCH_DEMO_BASELINE"):
        trees = {"baseline": Path(os.environ["TRACKER_BENCH_DEMO_BASELINE"]).resolve(), **trees}
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in trees}
    with tempfile.TemporaryDirectory(prefix="bench-demo-") as tmp:
        for k in range(repeat):
            for name, tree in trees.items():
                load = os.getloadavg()[0]
                folder = Path(tmp) / f"{name.replace(' ', '-')}-{k}"
                folder.mkdir()
                runs[name].append(_one(tree, folder, k))
                took = runs[name][-1]["total"]
                print(f"{name} {k + 1}/{repeat}: {took:.1f} s (load {load:.1f} before it)", file=out)
    medians = {name: _medians(r) for name, r in runs.items()}
    names = list(trees)
    print("\n| phase | " + " | ".join(f"{n}, median s" for n in names) + " |", file=out)
    print("|---|" + "---:|" * len(names), file=out)
    for phase in (*PHASES, "total"):
        cells = " | ".join(f"{medians[n][phase]:.1f}" for n in names)
        print(f"| {'the whole demo' if phase == 'total' else phase} | {cells} |", file=out)
    now = medians["this tree"]["total"]
    baseline = medians.get("baseline", {}).get("total")
    if baseline:
        print(f"\nthis tree against the baseline: {now / baseline:.2f} x", file=out)
    return [
        Summary(
            "demo",
            "tracker demo --no-dashboard, 16 weeks",
            f"{now:.0f} s",
            baseline=f"{baseline:.0f} s" if baseline else "",
            ratio=f"{now / baseline:.2f} x" if baseline else "",
            target="within the README's 2 to 3 minutes, idle",
            met=now <= README_IDLE,
        )
    ]


if __name__ == "__main__":
    main(sys.stdout)
