"""The scenario of `./dev bench history`: the realistic Hub at a scale, its weekly archive, served.

The emulator runs in its own process (`python -m bench.history_scenario SCALE CACHE`), as in
`bench.backfill`: it builds the catalogue the way `tracker.emulator.builders.realistic` builds the
realistic Hub, with its sizes multiplied by SCALE, and serves it with its weekly archive, one file a week
from 2024-07-24 to the catalogue's clock (`grid_labels`: each file in the schema of its era). It prints one
JSON line of facts, then answers commands on stdin, one JSON line each:

- `file LABEL`: write the file of that label now (so that no measure includes its making): its size, rows
  and the seconds it took;
- `drop LABEL`: delete that file from the cache (a real-size archive is over 100 GB: a file is dropped once
  every database has imported it; asked again, it would be written again, the same bytes);
- end of input: stop.

Sizes: `MODELS` models and `LLAMA` Llama members aimed at, times SCALE. The realistic builder grows the Llama
tree as full models and the other tracked ecosystems (Qwen, Mistral, Gemma, DeepSeek) from its compact
part, whose declared bases are the rivals' roots and unrelated bases: at 2.2 million models and the
builder's own Llama size (100,000) the six tracked ecosystems hold about 320,000 members at the clock.
The issue's scenario has about 400,000: the one change is the builder's `llama` argument, 180,000
instead of 100,000 (measured: 39,200 members at SCALE 0.1, 18,159 of them Llama's). The Llama tree is then
the largest ecosystem, where the real Hub's newest derivatives are mostly Qwen's: the shape of the
search (the Llama tree is the deep one, depths up to 8) weighs more than it would.
"""

from __future__ import annotations

import json
import sys
import time
from datetime import date
from pathlib import Path

MODELS = 2_200_000
LLAMA = 180_000  # the builder's default is 100,000: see the module's docstring


def sizes(scale: float) -> tuple[int, int]:
    """(models, Llama members aimed at) of the scenario at `scale`."""
    return max(2_000, round(MODELS * scale)), max(100, round(LLAMA * scale))


def serve(scale: float, cache: str) -> None:
    """The emulator process (see the module's docstring)."""
    import gc

    from tracker.emulator.archive.repository import Archive
    from tracker.emulator.archive.schema import grid_labels, label_time
    from tracker.emulator.builders.realistic import build_realistic
    from tracker.emulator.routes.server import HubEmulator

    models, llama = sizes(scale)
    began = time.perf_counter()
    gc.disable()
    cat = build_realistic(seed=0, models=models, llama=llama)
    gc.enable()
    gc.freeze()
    built = time.perf_counter() - began
    labels = grid_labels(cat.default_now)
    archive = Archive(cat, labels, cache_dir=Path(cache))
    emu = HubEmulator(cat, archive=archive)
    emu.start()
    facts = {
        "url": emu.url,
        "labels": [str(label) for label in labels],
        "now": cat.default_now,
        "models": models,
        "llama": llama,
        "listed": cat.listed_count(cat.default_now),
        "build_s": built,
    }
    _say(facts)
    for line in sys.stdin:
        verb, _, arg = line.strip().partition(" ")
        label = date.fromisoformat(arg)
        if verb == "file":
            began = time.perf_counter()
            made = archive.weekly(label)
            seconds = time.perf_counter() - began
            _say({"size": made.size, "rows": cat.listed_count(label_time(label)), "generate_s": seconds})
        elif verb == "drop":
            made = archive.weekly(label)
            assert made.local is not None
            made.local.unlink(missing_ok=True)
            made.local.with_suffix(".json").unlink(missing_ok=True)
            archive._files.pop(label, None)  # the bench's disk, not the archive's behaviour
            _say({"dropped": str(label)})
        else:
            raise SystemExit(f"history_scenario: unknown command {line.strip()!r}")
    emu.stop()


def _say(facts: dict) -> None:
    sys.stdout.write(json.dumps(facts) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    serve(float(sys.argv[1]), sys.argv[2])
