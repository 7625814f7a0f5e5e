"""Crawl cost: tree and scan against their request floors, and a naive crawler, on the emulator.

Two Hubs of the realistic shape (`tracker.emulator.realistic`: most quantizations and adapters are
leaves, a few percent of the Llama tree's models have children): a small one where the naive crawler
runs, and one of the real Hub's size (2.2 million models, about 100,000 of them in the Llama tree).
The emulator serves each from its own process on 127.0.0.1 with `LATENCY_MS` added to every request;
each crawl is `tracker snapshot` run as a user runs it (`python -m tracker snapshot --strategy ...`,
concurrency 4, into a fresh SQLite file), so its wall time and peak memory are the command's own.

Per row: requests (the emulator's count), the strategy's floor (`tracker.emulator.truth`), wall time,
the crawler's peak RSS, and the waiting the real Hub's free-tier quota (1,000 requests per 5 minutes)
would impose on that many requests. The naive crawler is what a user would write with
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
# A scan of the 2.2M Hub takes minutes: two runs keep the whole benchmark near 20 minutes.
REAL = Size("2.2M", 2_200_000, 100_000, {"tree": 3, "scan": 2}, naive=False)
SIZES = (SMALL, REAL)


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
    from tracker.hub import CRAWL_EXPAND, PAGE_SIZE

    pages = 0
    params: list[tuple[str, str | int]] | None = [
        ("limit", PAGE_SIZE),
        *(("expand", e) for e in CRAWL_EXPAND),
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


def serve(models: int, llama: int, latency_ms: float) -> None:
    """The emulator process: build, serve, say so on stdout (one JSON line), serve until stdin closes."""
    began = time.perf_counter()
    import gc

    from tracker.ecosystems import load_ecosystems, select_ecosystems
    from tracker.emulator.faults import FaultPlan
    from tracker.emulator.realistic import build_realistic
    from tracker.emulator.server import HubEmulator
    from tracker.emulator.truth import members, naive_crawl_cost, scan_request_floor, tree_request_floor

    gc.disable()  # as `tracker hub serve` builds (tracker.emulator.load_catalogue)
    cat = build_realistic(seed=0, models=models, llama=llama)
    gc.enable()
    gc.freeze()
    emu = HubEmulator(cat, plan=FaultPlan(latency_ms=latency_ms))
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
        "floor_tree": tree_request_floor(cat, eco, t),
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

    def __init__(self, size: Size) -> None:
        args = [str(size.models), str(size.llama), str(LATENCY_MS)]
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


def _crawl(emu: Emulator, strategy: str, env: dict[str, str]) -> tuple[int, float, float]:
    """(requests, wall s, peak RSS MB) of one `tracker snapshot` into a fresh database."""
    database = f"sqlite:///{tempfile.mkdtemp(prefix='bench-crawl-')}/crawl.db"
    emu.reset()
    args = ["-q", "snapshot", "--endpoint", emu.url, "--database", database, "--ecosystem", "llama"]
    args += ["--strategy", strategy, "--concurrency", str(CONCURRENCY)]
    seconds, peak = measure("module", "tracker", *args, env=env)
    return emu.requests(), seconds, peak


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
                for n, (requests, seconds, peak) in enumerate(runs, 1):
                    sys.stderr.write(
                        f"crawl {size.label} {strategy} run {n}: {requests:,} requests, {seconds:.1f} s, "
                        f"{peak:.0f} MB\n"
                    )
                requests = int(statistics.median(r[0] for r in runs))
                rows.append(
                    Row(
                        size,
                        f["listed"],
                        f["members"],
                        strategy,
                        requests,
                        f[f"floor_{strategy}"],
                        len(runs),
                        statistics.median(r[1] for r in runs),
                        statistics.median(r[2] for r in runs),
                    )
                )
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
    _table(rows, starts, out)
    return _summary(rows)


def _table(rows: list[Row], starts: list[str], out: TextIO) -> None:
    repeats = ", ".join(f"{s.label} {'/'.join(str(s.repeats[k]) for k in ('tree', 'scan'))}" for s in SIZES)
    out.write(
        f"\nCrawl of the Llama ecosystem, {LATENCY_MS:.0f} ms added per request, concurrency {CONCURRENCY} "
        f"(median of tree/scan runs: {repeats}; naive once)\n"
    )
    out.write(
        f"{'hub':>5} {'listed':>10} {'members':>8} {'strategy':<17} {'requests':>9} {'floor':>6} "
        f"{'x floor':>8} {'wall s':>7} {'client MB':>10} {'free-tier quota s':>18}\n"
    )
    for r in rows:
        wall = f"{r.wall:.1f}" if r.wall is not None else "-"
        client = f"{r.client_mb:.0f}" if r.client_mb is not None else "-"
        members = f"{r.members:,}" if r.members else "-"
        out.write(
            f"{r.size.label:>5} {r.listed:>10,} {members:>8} {r.strategy:<17} {r.requests:>9,} "
            f"{r.floor:>6,} {r.requests / r.floor:>8.2f} {wall:>7} {client:>10} "
            f"{quota_seconds(r.requests):>18,}\n"
        )
    out.write(
        "Floors: the tree's for tree and naive rows, the scan's for the others. The listing walk reads\n"
        "every page as the scan asks for it and drops it (httpx, no parsing): the emulator's and the\n"
        "latency's share of a scan. Hubs:\n"
    )
    for line in starts:
        out.write(line)


def _summary(rows: list[Row]) -> list[Summary]:
    def row(size: Size, strategy: str) -> Row:
        return next(r for r in rows if r.size is size and r.strategy == strategy)

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
                ">= 10 x",
                ratio >= 10,
            )
        )
    summary.append(
        Summary(
            "crawl",
            f"tree vs scan, {REAL.label}-model Hub",
            f"tree {tree.requests:,} req, {tree.wall or 0:.0f} s",
            f"scan {scan.requests:,} req, {scan.wall or 0:.0f} s",
            f"{tree.requests / scan.requests:.2f} x req, {(tree.wall or 0) / (scan.wall or 1):.2f} x time",
        )
    )
    return summary


if __name__ == "__main__":
    if sys.argv[1:2] == ["--serve"]:
        serve(int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]))
    else:
        main(sys.stdout)
