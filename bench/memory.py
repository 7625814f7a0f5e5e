"""Snapshot memory: peak RSS of `tracker snapshot` on an ecosystem of about 200,000 models.

The Hub is the emulator on a synthetic catalogue (`build_synthetic(seed=0, models=HUB_MODELS)`) whose
Llama ecosystem has about 200,000 members by the emulator's own ground truth
(`tracker.emulator.truth.members`); it is served from this process, with no added latency. Each
snapshot runs in its own process as a user runs it, `python -m tracker -q snapshot --endpoint URL
--database sqlite:///PATH --ecosystem llama --strategy tree|scan`, into a SQLite file migrated
beforehand (a weekly run finds its database there; the first run's migration is not measured), and
reads its own peak resident set (`VmHWM`) as it exits (`bench.common.measure`). The same commands run
again with the roll-ups that a complete run writes at its end (`tracker.storage.lifecycle.finish_run`) left
out, which shows the crawl and the store alone. Baseline from the same run: the same interpreter importing
the tracker's snapshot modules and exiting. Three rounds, each taking every case in turn; the table
shows medians. Every run's recorded model count is checked against the ground truth.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import TextIO

from sqlmodel import Session

from bench.common import Summary, measure
from tracker.core.ecosystems import load_ecosystems, select_ecosystems
from tracker.emulator import load_catalogue
from tracker.emulator.routes.server import HubEmulator
from tracker.emulator.truth import members
from tracker.storage import database, loads

HUB_MODELS = 625_000  # the Llama ecosystem of this synthetic Hub has about 200,000 members
REPEATS = 3
TARGET_MB = 500
STRATEGIES = ("tree", "scan")
IMPORTS = (
    "import tracker.cli, tracker.commands.snapshots, tracker.run.snapshot, tracker.collect.crawl,"
    " tracker.collect.hub"
)
# The same command with the roll-ups a complete run writes at its end
# (`tracker.storage.lifecycle.finish_run`, pandas) left out: the crawl and the store alone.
WITHOUT_ROLLUPS = """
import runpy, tracker.storage.lifecycle
if hasattr(tracker.storage.lifecycle, "_roll_up"):
    tracker.storage.lifecycle._roll_up = lambda *args, **kwargs: None
runpy.run_module("tracker", run_name="__main__", alter_sys=True)
"""


def recorded(url: str) -> tuple[int, int, str]:
    """(models, requests, status) of the database's one run."""
    engine = database.open_store(url)
    try:
        with Session(engine) as session:
            (run,) = loads.load_runs(session)
            return run.models, run.requests, run.status
    finally:
        engine.dispose()


def main(out: TextIO) -> list[Summary]:
    llama = select_ecosystems(load_ecosystems(), ["llama"])
    began = time.perf_counter()
    cat = load_catalogue("synthetic", seed=0, models=HUB_MODELS)
    built = time.perf_counter() - began
    env = {"HF_HUB_DISABLE_TELEMETRY": "1"}
    with HubEmulator(cat) as emu, tempfile.TemporaryDirectory(prefix="tracker-bench-memory-") as tmp:
        env["HF_HOME"] = tmp
        expected = len(members(cat, llama[0], emu.now)[0])
        out.write(
            f"\nSnapshot memory: synthetic Hub of {len(cat):,} models (built in {built:.0f} s), "
            f"Llama ecosystem of {expected:,} members, SQLite, median of {REPEATS}\n"
        )
        base = "import tracker, exit (baseline)"
        cases = [(f"snapshot --strategy {s}", s, "module", "tracker") for s in STRATEGIES] + [
            (f"  {s}, without the roll-ups", s, "code", WITHOUT_ROLLUPS) for s in STRATEGIES
        ]
        runs: dict[str, list[tuple[float, float]]] = {base: [], **{name: [] for name, *_ in cases}}
        requests: dict[str, int] = {}
        measure("code", IMPORTS, env=env)  # warm the page cache: the first process pays for reading files
        for n in range(REPEATS):
            runs[base].append(measure("code", IMPORTS, env=env))
            for name, strategy, kind, target in cases:
                url = f"sqlite:///{Path(tmp) / f'{strategy}-{n}.db'}"
                database.open_store(url).dispose()  # an existing database, as on every run but the first
                command = ("-q", "snapshot", "--endpoint", emu.url, "--database", url, "--ecosystem", "llama")
                runs[name].append(measure(kind, target, *command, "--strategy", strategy, env=env))
                models, requests[name], status = recorded(url)
                if (models, status) != (expected, "complete"):
                    raise RuntimeError(f"{name}: run {status} with {models:,} models, not {expected:,}")
                for suffix in ("", "-wal", "-shm", ".lock"):
                    Path(url.removeprefix("sqlite:///") + suffix).unlink(missing_ok=True)
    medians = {name: tuple(statistics.median(v[i] for v in r) for i in (0, 1)) for name, r in runs.items()}
    out.write(f"{'process':<32} {'wall s':>7} {'peak RSS MB':>12} {'vs baseline':>12} {'requests':>9}\n")
    base_rss = medians[base][1]
    summary = []
    for name, (seconds, rss) in medians.items():
        if name == base:
            out.write(f"{name:<32} {seconds:>7.1f} {rss:>12.0f}\n")
            continue
        out.write(f"{name:<32} {seconds:>7.1f} {rss:>12.0f} {rss - base_rss:>+12.0f} {requests[name]:>9,}\n")
        if name.startswith("snapshot"):
            summary.append(
                Summary(
                    "memory",
                    f"peak RSS, {expected // 1000}k-model snapshot, {name.split()[-1]}",
                    f"{rss:.0f} MB",
                    f"{base_rss:.0f} MB import",
                    f"{rss - base_rss:+.0f} MB",
                    f"< {TARGET_MB} MB",
                    rss < TARGET_MB,
                )
            )
    out.write(
        "  each run (wall s, MB): "
        + "; ".join(f"{name}: " + ", ".join(f"{s:.1f}/{m:.0f}" for s, m in r) for name, r in runs.items())
        + "\n"
    )
    return summary


if __name__ == "__main__":
    main(sys.stdout)
