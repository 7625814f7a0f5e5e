"""Crawl cost under the real Hub's rules: tree and scan against their floors, `auto`, a naive crawler.

Two Hubs of the realistic shape (`tracker.emulator.realistic`: most quantizations and adapters are
leaves, a few percent of the Llama tree's models have children): a small one where the naive crawler
runs, and one of the real Hub's size (2.2 million models, about 100,000 of them in the Llama tree).
The emulator serves each from its own process on 127.0.0.1 with `LATENCY_MS` added to every request,
under the real Hub's rules (`tracker.emulator.routes.rules`, `2026`: listings refuse `childrenModelCount`, so
a tree crawl lists the children of every member). Each crawl is `tracker snapshot` run as a user runs
it (`python -m tracker snapshot --strategy ...`, concurrency 4, into a fresh SQLite file), so its wall
time and peak memory are the command's own.

Per row: requests (the emulator's count), the strategy's floor (`tracker.emulator.truth`), wall time,
the crawler's peak RSS, and the waiting the real Hub's free-tier quota (1,000 requests per 5 minutes)
would impose on that many requests. At the real size also: `auto` on a first run (nothing recorded)
and on a second (the first run in the database), the scan with 100 ms and 300 ms added per request
(its pages chain through cursors, one at a time), and, labelled as a comparison, the tree on a lenient
Hub that gives child counts on listings. The naive crawler is what a user would write with
huggingface_hub: `list_models(filter="base_model:X")` recursively on every model found, plus
`model_info` for each model's all-time downloads; it runs at the small size, and its cost at the real
size is computed exactly from the emulator's data (`naive_crawl_cost`, checked against the measured
run at the small size).
"""

from __future__ import annotations

import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from typing import Any, TextIO

import httpx2

from bench.common import Summary, measure

LATENCY_MS = 20.0
CONCURRENCY = 4
QUOTA, WINDOW = 1000, 300


@dataclass(frozen=True)
class Size:
    label: str
    models: int  # models created by the clock, both parts
    llama: int  # Llama members aimed at
    repeats: dict[str, int]  # runs per strategy
    naive: bool  # run the naive crawler (else compute its cost)


SMALL = Size("50k", 50_000, 2_500, {"tree": 3, "scan": 3}, naive=True)
# At 2.2M a tree crawl is ~100,000 requests and a scan ~5 minutes: one run each, then the two `auto`
# runs (scans too, in the same database) and the scans at 100 and 300 ms: about an hour in all.
REAL = Size("2.2M", 2_200_000, 100_000, {"tree": 1, "scan": 1}, naive=False)
SIZES = (SMALL, REAL)
SLOW_LATENCIES = (100.0, 300.0)


def quota_seconds(requests: int) -> int:
    """Seconds the free tier's fixed windows impose on `requests` requests (full windows waited)."""
    return max(0, math.ceil(requests / QUOTA) - 1) * WINDOW


def naive_crawl(url: str, roots: list[str]) -> int:
    """The crawler a user would write with huggingface_hub; returns the models found."""
    from huggingface_hub import HfApi
    from huggingface_hub.errors import RepositoryNotFoundError

    api = HfApi(endpoint=url, token=False)
    seen: set[str] = set()
    todo = list(roots)
    while todo:
        model_id = todo.pop()
        if model_id.lower() in seen:
            continue
        try:
            info = api.model_info(model_id, expand=["downloadsAllTime"], timeout=30)
        except RepositoryNotFoundError:
            continue
        seen.add(info.id.lower())
        todo.extend(child.id for child in api.list_models(filter=f"base_model:{info.id}"))
    return len(seen)


def walk_listing(url: str) -> int:
    """Every page of the whole listing, as the scan asks for it, read and dropped; returns the pages.

    The scan's baseline: what the emulator and the added latency cost, without the crawler's work."""
    from tracker.collect.expand import CRAWL_EXPAND
    from tracker.collect.hub import PAGE_SIZE
    from tracker.emulator.routes.rules import RULES

    pages = 0
    refused = RULES["2026"].listing_refuses  # as the scan asks once it has learned the real rules
    params: list[tuple[str, str | int]] | None = [
        ("limit", PAGE_SIZE),
        *(("expand", e) for e in CRAWL_EXPAND if e not in refused),
    ]
    next_url: str | None = f"{url}/api/models"
    with httpx2.Client(timeout=60) as client:
        while next_url:
            response = client.get(next_url, params=params)
            response.raise_for_status()
            pages += 1
            next_url, params = response.links.get("next", {}).get("url"), None
    return pages


def _status() -> dict[str, int]:
    with open("/proc/self/status") as status:
        return {
            line.split(":")[0]: int(line.split()[1]) // 1024
            for line in status
            if line.startswith(("VmHWM", "VmRSS"))
        }


def serve(models: int, llama: int, latency_ms: float, rules: str = "2026") -> None:
    """The emulator process: build, serve, say so on stdout (one JSON line), serve until stdin closes."""
    began = time.perf_counter()
    import gc

    from tracker.core.ecosystems import load_ecosystems, select_ecosystems
    from tracker.emulator.builders.realistic import build_realistic
    from tracker.emulator.routes.faults import FaultPlan
    from tracker.emulator.routes.server import HubEmulator
    from tracker.emulator.truth import members, naive_crawl_cost, scan_request_floor, tree_request_floor

    gc.disable()  # as `tracker hub serve` builds (tracker.emulator.load_catalogue)
    cat = build_realistic(seed=0, models=models, llama=llama)
    gc.enable()
    gc.freeze()
    emu = HubEmulator(cat, plan=FaultPlan(latency_ms=latency_ms), listing_rules=rules)
    emu.start()
    ready = time.perf_counter() - began
    memory = _status()
    t = emu.now
    eco = select_ecosystems(load_ecosystems(), ["llama"])
    found, _ = members(cat, eco[0], t)
    naive, naive_found = naive_crawl_cost(cat, list(eco[0].root_ids), t)
    facts = {
        "url": emu.url,
        "ready_s": ready,
        "rss_mb": memory["VmRSS"],
        "peak_mb": memory["VmHWM"],
        "listed": cat.listed_count(t),
        "members": len(found),
        "internal": sum(1 for i in found if cat.listed_children_count(i, t) > 0),
        "depth": max(d for d, _ in found.values()),
        "floor_tree": tree_request_floor(cat, eco, t, counts_on_listings=rules == "lenient"),
        "floor_scan": scan_request_floor(cat, eco, t),
        "naive_computed": naive,
        "naive_found": naive_found,
        "roots": list(eco[0].root_ids),
    }
    sys.stdout.write(json.dumps(facts) + "\n")
    sys.stdout.flush()
    sys.stdin.read()
    emu.stop()
    sys.stdout.write(json.dumps(_status()) + "\n")


class Emulator:
    """The emulator in its own process, for one size."""

    def __init__(self, size: Size, rules: str = "2026") -> None:
        args = [str(size.models), str(size.llama), str(LATENCY_MS), rules]
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bench.crawl", "--serve", *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"the emulator for {size.label} exited {self.proc.wait()}")
        self.facts: dict[str, Any] = json.loads(line)
        self.url: str = self.facts["url"]

    def reset(self) -> None:
        httpx2.post(f"{self.url}/_emulator/stats/reset").raise_for_status()

    def requests(self) -> int:
        return int(httpx2.get(f"{self.url}/_emulator/stats").json()["requests"])

    def latency(self, ms: float) -> None:
        httpx2.post(f"{self.url}/_emulator/faults", json={"latency_ms": ms}).raise_for_status()

    def close(self) -> dict[str, int]:
        """Stop it; its memory figures at the end (after serving every crawl)."""
        assert self.proc.stdin is not None
        assert self.proc.stdout is not None
        self.proc.stdin.close()
        last = self.proc.stdout.readline()
        self.proc.wait(timeout=60)
        return json.loads(last) if last else {}


@dataclass
class Row:
    size: Size
    listed: int
    members: int
    strategy: str
    requests: int
    floor: int
    runs: int
    wall: float | None = None
    client_mb: float | None = None


def _crawl(
    emu: Emulator, strategy: str, env: dict[str, str], database: str | None = None
) -> tuple[int, float, float, str]:
    """(requests, wall s, peak RSS MB, strategy taken) of one `tracker snapshot` (a fresh database unless
    given one)."""
    database = database or f"sqlite:///{tempfile.mkdtemp(prefix='bench-crawl-')}/crawl.db"
    emu.reset()
    args = ["-q", "snapshot", "--endpoint", emu.url, "--database", database, "--ecosystem", "llama"]
    args += ["--strategy", strategy, "--concurrency", str(CONCURRENCY)]
    seconds, peak = measure("module", "tracker", *args, env=env)
    from sqlmodel import Session

    from tracker.storage.database import open_store
    from tracker.storage.loads import load_runs

    engine = open_store(database)
    with Session(engine) as session:
        (run,) = load_runs(session, limit=1)
    engine.dispose()
    return emu.requests(), seconds, peak, run.strategy


def _row(
    size: Size, f: dict[str, Any], label: str, runs: list[tuple[int, float, float, str]], floor: int
) -> Row:
    for n, (requests, seconds, peak, taken) in enumerate(runs, 1):
        sys.stderr.write(
            f"crawl {size.label} {label} run {n}: {taken}, {requests:,} requests, {seconds:.1f} s, "
            f"{peak:.0f} MB\n"
        )
    return Row(
        size,
        f["listed"],
        f["members"],
        label,
        int(statistics.median(r[0] for r in runs)),
        floor,
        len(runs),
        statistics.median(r[1] for r in runs),
        statistics.median(r[2] for r in runs),
    )


def main(out: TextIO) -> list[Summary]:
    env = {"HF_HOME": tempfile.mkdtemp(prefix="bench-hf-"), "HF_HUB_DISABLE_TELEMETRY": "1"}
    os.environ.update(env)
    os.environ.pop("HF_TOKEN", None)
    rows: list[Row] = []
    starts: list[str] = []
    for size in SIZES:
        emu = Emulator(size)
        f = emu.facts
        try:
            for strategy in ("tree", "scan"):
                runs = [_crawl(emu, strategy, env) for _ in range(size.repeats[strategy])]
                rows.append(_row(size, f, strategy, runs, f[f"floor_{strategy}"]))
            if size is REAL:
                # auto as a user meets it: a first run knows nothing of this Hub; the second has the first.
                database = f"sqlite:///{tempfile.mkdtemp(prefix='bench-crawl-auto-')}/auto.db"
                for label in ("auto, first run", "auto, second run"):
                    run = _crawl(emu, "auto", env, database)
                    rows.append(_row(size, f, f"{label} ({run[3]})", [run], f[f"floor_{run[3]}"]))
                for ms in SLOW_LATENCIES:  # a scan's pages chain through cursors: latency adds up
                    emu.latency(ms)
                    run = _crawl(emu, "scan", env)
                    rows.append(_row(size, f, f"scan, {ms:.0f} ms added", [run], f["floor_scan"]))
                emu.latency(LATENCY_MS)
            emu.reset()
            began = time.perf_counter()
            walk_listing(emu.url)
            seconds = time.perf_counter() - began
            rows.append(
                Row(size, f["listed"], 0, "listing walk only", emu.requests(), f["floor_scan"], 1, seconds)
            )
            if size.naive:
                emu.reset()
                began = time.perf_counter()
                found = naive_crawl(emu.url, f["roots"])
                rows.append(
                    Row(
                        size,
                        f["listed"],
                        found,
                        "naive",
                        emu.requests(),
                        f["floor_tree"],
                        1,
                        time.perf_counter() - began,
                    )
                )
            rows.append(
                Row(
                    size,
                    f["listed"],
                    f["naive_found"],
                    "naive (computed)",
                    f["naive_computed"],
                    f["floor_tree"],
                    0,
                )
            )
        finally:
            end = emu.close()
        starts.append(
            f"  {size.label}: {f['listed']:,} models listed, {f['members']:,} Llama members of which "
            f"{f['internal']:,} ({f['internal'] / f['members']:.1%}) have children, depth up to "
            f"{f['depth']}; emulator ready in {f['ready_s']:.1f} s, {f['rss_mb']:,} MB resident "
            f"(peak {end.get('VmHWM', 0):,} MB after serving every crawl)\n"
        )
    # The comparison: a Hub kinder than the real one, whose listings give child counts (leaves spared).
    lenient = Emulator(REAL, rules="lenient")
    try:
        runs = [_crawl(lenient, "tree", env)]
        rows.append(_row(REAL, lenient.facts, "tree, lenient Hub", runs, lenient.facts["floor_tree"]))
    finally:
        lenient.close()
    _table(rows, starts, out)
    return _summary(rows)


def _table(rows: list[Row], starts: list[str], out: TextIO) -> None:
    repeats = ", ".join(f"{s.label} {'/'.join(str(s.repeats[k]) for k in ('tree', 'scan'))}" for s in SIZES)
    out.write(
        f"\nCrawl of the Llama ecosystem under the real Hub's rules, {LATENCY_MS:.0f} ms added per request "
        f"unless said, concurrency {CONCURRENCY} (median of tree/scan runs: {repeats}; the others once)\n"
    )
    out.write(
        f"{'hub':>5} {'listed':>10} {'members':>8} {'strategy':<24} {'requests':>9} {'floor':>7} "
        f"{'x floor':>8} {'wall s':>7} {'client MB':>10} {'free-tier quota s':>18}\n"
    )
    for r in rows:
        wall = f"{r.wall:.1f}" if r.wall is not None else "-"
        client = f"{r.client_mb:.0f}" if r.client_mb is not None else "-"
        members = f"{r.members:,}" if r.members else "-"
        out.write(
            f"{r.size.label:>5} {r.listed:>10,} {members:>8} {r.strategy:<24} {r.requests:>9,} "
            f"{r.floor:>7,} {r.requests / r.floor:>8.2f} {wall:>7} {client:>10} "
            f"{quota_seconds(r.requests):>18,}\n"
        )
    out.write(
        "Floors: the tree's (one listing per member; on the lenient Hub per internal node) for tree and\n"
        "naive rows, the scan's for the others. The listing walk reads every page as the scan asks for it\n"
        "and drops it (httpx, no parsing): the emulator's and the latency's share of a scan. Free-tier\n"
        "quota s: the windows of 1,000 requests per 5 minutes that many requests must wait for. Hubs:\n"
    )
    for line in starts:
        out.write(line)


def _summary(rows: list[Row]) -> list[Summary]:
    def row(size: Size, strategy: str) -> Row:
        return next(r for r in rows if r.size is size and r.strategy.startswith(strategy))

    tree, scan = row(REAL, "tree"), row(REAL, "scan")
    small_tree, naive = row(SMALL, "tree"), row(SMALL, "naive")
    naive_real = row(REAL, "naive (computed)")
    summary = []
    for r in (tree, scan):
        ratio = r.requests / r.floor
        summary.append(
            Summary(
                "crawl",
                f"{r.strategy} requests, {REAL.label}-model Hub",
                f"{r.requests:,}",
                f"floor {r.floor:,}",
                f"{ratio:.3f} x floor",
                "<= 1.05 x floor",
                ratio <= 1.05,
            )
        )
    cheaper = min(tree.requests, scan.requests)
    for label in ("auto, first run", "auto, second run"):
        r = row(REAL, label)
        ratio = r.requests / cheaper
        first = label.endswith("first run")
        summary.append(
            Summary(
                "crawl",
                f"{r.strategy}, {REAL.label}-model Hub",
                f"{r.requests:,} req, {r.wall or 0:.0f} s",
                f"cheaper {cheaper:,} req",
                f"{ratio:.3f} x",
                "" if first else "<= 1.1 x cheaper",
                None if first else ratio <= 1.1,
            )
        )
    floor_s = round(scan.requests / QUOTA * WINDOW)  # the free tier's pace: 1,000 requests per 5 minutes
    for ms in SLOW_LATENCIES:
        r = row(REAL, f"scan, {ms:.0f} ms added")
        summary.append(
            Summary(
                "crawl",
                f"scan wall time, {ms:.0f} ms per request, {REAL.label}",
                f"{r.wall or 0:.0f} s",
                f"free-tier quota {floor_s:,} s",
                f"{(r.wall or 0) / floor_s:.2f} x",
            )
        )
    for r, t, label in ((naive, small_tree, SMALL.label), (naive_real, tree, REAL.label)):
        ratio = r.requests / t.requests
        kind = "naive" if r is naive else "naive (computed)"
        summary.append(
            Summary(
                "crawl",
                f"{kind} / tree requests, {label}-model Hub",
                f"{r.requests:,}",
                f"tree {t.requests:,}",
                f"{ratio:.1f} x",
            )
        )
    summary.append(
        Summary(
            "crawl",
            f"tree vs scan, {REAL.label}-model Hub",
            f"tree {tree.requests:,} req, {tree.wall or 0:.0f} s",
            f"scan {scan.requests:,} req, {scan.wall or 0:.0f} s",
            f"{tree.requests / scan.requests:.1f} x req, {(tree.wall or 0) / (scan.wall or 1):.2f} x time",
        )
    )
    lenient = row(REAL, "tree, lenient Hub")
    summary.append(
        Summary(
            "crawl",
            f"comparison: tree on a lenient Hub, {REAL.label}",
            f"{lenient.requests:,} req, {lenient.wall or 0:.0f} s",
            f"floor {lenient.floor:,}",
            f"{lenient.requests / lenient.floor:.3f} x floor",
        )
    )
    return summary


if __name__ == "__main__":
    if sys.argv[1:2] == ["--serve"]:
        serve(int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), sys.argv[5])
    else:
        main(sys.stdout)
