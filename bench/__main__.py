"""`python -m bench [NAME ...]`: run the benchmarks (all by default), print their tables, then one summary."""

from __future__ import annotations

import argparse
import importlib
import sys

from bench.common import print_summary

BENCHMARKS = {
    "emulator": "bench.emulator_scale",
    "crawl": "bench.crawl",
    "ingest": "bench.ingest",
    "queries": "bench.queries",
    "memory": "bench.memory",
    "export": "bench.export",
    "backfill": "bench.backfill",
    "pages": "bench.pages",
    "demo": "bench.demo",
    "door": "bench.door",
    "hub_view": "bench.hub_view",
    "history": "bench.history_bench",
}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "names", nargs="*", choices=[*BENCHMARKS, []], help="benchmarks to run (default: all)"
    )
    args = parser.parse_args()
    summary = []
    for name in args.names or list(BENCHMARKS):
        module = importlib.import_module(BENCHMARKS[name])
        summary.extend(module.main(sys.stdout) or [])
        sys.stdout.flush()
    print_summary(summary, sys.stdout)


if __name__ == "__main__":
    main()
