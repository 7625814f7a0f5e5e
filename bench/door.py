"""The id door's cost on the crawl's hot path (`./dev bench door`).

Every listed model's id and its declared parents' ids pass `tracker.core.hub_ids.is_hub_id` (issue
"Hardening"). Over the real catalogue's models, the checks per item against `parse_parents`, the parse every
scan already ran per item (itself checking its parents' ids now), in the same run; medians of 5.
"""

from __future__ import annotations

import statistics
import sys
import time
from typing import TextIO

from bench.common import Summary


def main(out: TextIO) -> list[Summary]:
    from tracker.core.hub_ids import is_hub_id
    from tracker.core.lineage import parse_parents
    from tracker.emulator.builders.real import load_real_catalogue

    models = load_real_catalogue().models
    items = []
    for m in models:
        parents = [models[p].repo_id if isinstance(p, int) else p for p in m.parents]
        declared = {"relation": m.relation or "finetune", "models": [{"id": p} for p in parents]}
        items.append((m.repo_id, declared if parents else None))

    def checks() -> None:
        for model_id, declared in items:
            is_hub_id(model_id)
            for entry in declared["models"] if declared else ():
                is_hub_id(entry["id"])

    def parses() -> None:
        for model_id, declared in items:
            parse_parents(declared, (), model_id)

    timed: dict[str, list[float]] = {"checks": [], "parses": []}
    for _ in range(5):
        for name, work in (("checks", checks), ("parses", parses)):
            began = time.perf_counter()
            work()
            timed[name].append(time.perf_counter() - began)
    per = {name: statistics.median(t) / len(items) * 1e6 for name, t in timed.items()}
    print(
        f"{len(items):,} items: id checks {per['checks']:.2f} us, parse_parents {per['parses']:.2f} us",
        file=out,
    )
    return [
        Summary(
            "door",
            "id checks per listed model (real catalogue)",
            f"{per['checks']:.1f} us",
            baseline=f"parse_parents {per['parses']:.1f} us",
            ratio=f"{per['checks'] / per['parses']:.2f} x",
        )
    ]


if __name__ == "__main__":
    main(sys.stdout)
