"""`python -m bench [NAME ...]`: run the benchmarks (all by default) and print their tables."""

from __future__ import annotations

import argparse
import importlib
import sys

BENCHMARKS = {"emulator": "bench.emulator_scale", "crawl": "bench.crawl", "export": "bench.export"}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "names", nargs="*", choices=[*BENCHMARKS, []], help="benchmarks to run (default: all)"
    )
    args = parser.parse_args()
    for name in args.names or list(BENCHMARKS):
        module = importlib.import_module(BENCHMARKS[name])
        module.main(sys.stdout)


if __name__ == "__main__":
    main()
