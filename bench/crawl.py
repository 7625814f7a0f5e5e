"""Crawl cost: tree and scan against their request floors, and a naive crawler, on the emulator.

For each Hub size: requests, wall time (emulator on 127.0.0.1 with added latency per request), and the
time the real Hub's free-tier quota (1,000 requests per 5 minutes) would impose on that many requests.
The naive crawler is what a user would write with huggingface_hub: `list_models(filter="base_model:X")`
recursively on every model found, plus `model_info` for each model's all-time downloads; it runs only
at the smallest size, where it finishes within minutes. Medians of `REPEATS` runs.
"""

from __future__ import annotations

import math
import os
import statistics
import sys
import tempfile
import time
from typing import TextIO

from tracker.database import open_store
from tracker.ecosystems import load_ecosystems, select_ecosystems
from tracker.emulator.faults import FaultPlan
from tracker.emulator.server import HubEmulator
from tracker.emulator.synthetic import build_synthetic
from tracker.emulator.truth import ground_truth, tree_request_floor
from tracker.hub import HubClient
from tracker.snapshot import take_snapshot

SIZES = (5_000, 50_000)
NAIVE_SIZE = 5_000
LATENCY_MS = 20.0
REPEATS = 3
QUOTA, WINDOW = 1000, 300


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


def main(out: TextIO) -> None:
    os.environ.setdefault("HF_HOME", tempfile.mkdtemp(prefix="bench-hf-"))
    llama = select_ecosystems(load_ecosystems(), ["llama"])
    rows = []
    for size in SIZES:
        cat = build_synthetic(seed=0, models=size)
        emu = HubEmulator(cat, plan=FaultPlan(latency_ms=LATENCY_MS))
        emu.start()
        try:
            truth = ground_truth(cat, llama, emu.now)
            members = len(truth.models)
            floors = {"tree": tree_request_floor(cat, llama, emu.now), "scan": math.ceil(len(cat) / 1000)}
            for strategy in ("tree", "scan"):
                times, requests = [], 0
                for _ in range(REPEATS):
                    engine = open_store(f"sqlite:///{tempfile.mkdtemp(prefix='bench-')}/crawl.db")
                    emu.reset_stats()
                    began = time.perf_counter()
                    with HubClient(emu.url) as client:
                        take_snapshot(engine, client, llama, strategy=strategy, concurrency=4)
                    times.append(time.perf_counter() - began)
                    requests = emu.stats()["requests"]
                    engine.dispose()
                rows.append((size, members, strategy, requests, floors[strategy], statistics.median(times)))
            if size == NAIVE_SIZE:
                emu.reset_stats()
                began = time.perf_counter()
                found = naive_crawl(emu.url, list(llama[0].root_ids))
                rows.append(
                    (
                        size,
                        found,
                        "naive",
                        emu.stats()["requests"],
                        floors["tree"],
                        time.perf_counter() - began,
                    )
                )
        finally:
            emu.stop()
    out.write(
        f"\nCrawl of the Llama ecosystem, {LATENCY_MS:.0f} ms added per request, concurrency 4 "
        f"(median of {REPEATS}; naive once)\n"
    )
    out.write(
        f"{'hub models':>10} {'members':>8} {'strategy':<8} {'requests':>9} {'floor':>7} {'x floor':>8} "
        f"{'wall s':>8} {'free-tier quota s':>18}\n"
    )
    for size, members, strategy, requests, floor, seconds in rows:
        out.write(
            f"{size:>10,} {members:>8,} {strategy:<8} {requests:>9,} {floor:>7,} {requests / floor:>8.2f} "
            f"{seconds:>8.1f} {quota_seconds(requests):>18,}\n"
        )


if __name__ == "__main__":
    main(sys.stdout)
