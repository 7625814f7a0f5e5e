"""The Hub emulator at 200,000 models: start time and page latency, against baselines of the same run.

Start: wall time from launching `tracker hub serve` until its first API answer, at 200,000 models,
against the same at 2,000 models (fixed costs: interpreter, imports, sockets).
Pages: median and 95th percentile of full 1,000-model pages over one keep-alive connection, against a
1-model page (the cost of HTTP and routing alone).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from typing import TextIO

import httpx2

from tracker.collect.expand import CRAWL_EXPAND

MODELS = 200_000
BASELINE_MODELS = 2_000
STARTS = 3
REPEATS = 21


def start_server(models: int) -> tuple[subprocess.Popen, str, float]:
    """Launch the emulator; return it, its URL and the seconds until it answered an API request."""
    began = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "tracker", "-q", "hub", "serve", "--port", "0", "--models", str(models)],
        stdout=subprocess.PIPE,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    assert proc.stdout is not None
    url = proc.stdout.readline().split()[3]
    httpx2.get(f"{url}/api/models", params={"limit": 1}, timeout=60).raise_for_status()
    return proc, url, time.perf_counter() - began


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    proc.wait(timeout=30)


def timed_pages(client: httpx2.Client, url: str, params: list[tuple[str, str | int]]) -> list[float]:
    times = []
    for _ in range(REPEATS):
        began = time.perf_counter()
        response = client.get(url, params=params)
        response.raise_for_status()
        response.json()
        times.append((time.perf_counter() - began) * 1000)
    return times


def main(out: TextIO) -> None:
    starts: dict[int, list[float]] = {MODELS: [], BASELINE_MODELS: []}
    for _ in range(STARTS):
        for n in (BASELINE_MODELS, MODELS):
            proc, _, seconds = start_server(n)
            stop(proc)
            starts[n].append(seconds)
    base_start = statistics.median(starts[BASELINE_MODELS])
    out.write(f"\nHub emulator start (median of {STARTS})\n")
    out.write(f"{'models':>10} {'start s':>9} {'ratio':>7}\n")
    for n in (BASELINE_MODELS, MODELS):
        med = statistics.median(starts[n])
        out.write(f"{n:>10,} {med:>9.2f} {med / base_start:>7.1f}\n")

    proc, url, _ = start_server(MODELS)
    try:
        with httpx2.Client(timeout=60) as client:
            api = f"{url}/api/models"
            first = client.get(api, params={"limit": 1000}).headers["Link"]
            middle_cursor = first  # follow 100 pages to reach the middle of the Hub
            for _ in range(99):
                middle_cursor = client.get(middle_cursor.split(";")[0].strip("<>")).headers["Link"]
            deep = middle_cursor.split(";")[0].strip("<>")
            # What a crawl asks a listing for under the real Hub's rules (they refuse childrenModelCount).
            expand = [("expand", e) for e in CRAWL_EXPAND if e != "childrenModelCount"]
            children = [("filter", "base_model:meta-llama/Llama-3.1-8B-Instruct"), ("limit", 1000), *expand]
            cases = {
                "1-model page (baseline)": (api, [("limit", 1)]),
                "scan page 1, default fields": (api, [("limit", 1000)]),
                "scan page 1, crawl expand": (api, [("limit", 1000), *expand]),
                "scan page 101 (cursor), default": (deep, []),
                "children of the big parent, expand": (api, children),
                "sort=downloads page 1 (cached order)": (api, [("sort", "downloads"), ("limit", 1000)]),
            }
            results = {name: timed_pages(client, u, p) for name, (u, p) in cases.items()}
    finally:
        stop(proc)
    base = statistics.median(results["1-model page (baseline)"])
    out.write(
        f"\nPage latency at {MODELS:,} models, ms over one keep-alive connection ({REPEATS} requests)\n"
    )
    out.write(f"{'request':<40} {'median':>8} {'p95':>8} {'ratio':>7}\n")
    for name, times in results.items():
        med = statistics.median(times)
        p95 = sorted(times)[int(0.95 * (len(times) - 1))]
        out.write(f"{name:<40} {med:>8.1f} {p95:>8.1f} {med / base:>7.1f}\n")


if __name__ == "__main__":
    main(sys.stdout)
