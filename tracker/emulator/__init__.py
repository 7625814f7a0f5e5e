"""The bundled Hub emulator: the real Hub's API over HTTP on a catalogue of our own (tests, demo, bench).

A model of the real Hub, not a friend of the crawler. May import: `tracker.core` (the ecosystems file).

Bottom up: `vocabulary` (units, a model's record, shared helpers; imports nothing else of the emulator),
`figures` and `catalogue` (the data model), `builders/` (the catalogues), `payloads` (models in the Hub's
JSON shapes), `archive/` (the weekly archive), `truth` (what a perfect crawl records) and `routes/` (the
Hub over HTTP).
"""

from __future__ import annotations

import gc
import logging
import time

from tracker.emulator.catalogue import Catalogue

logger = logging.getLogger("tracker.emulator")
CATALOGUES = ("synthetic", "real", "realistic")


def load_catalogue(kind: str = "synthetic", *, seed: int = 0, models: int | None = None) -> Catalogue:
    """The catalogue of this kind: `synthetic` (seeded, `models` in all), `real` (16 real weeks) or
    `realistic` (the real Hub's size, 2.2 million models by default, about 100,000 of them Llama's)."""
    started = time.perf_counter()
    # Building allocates hundreds of thousands of long-lived objects: collecting meanwhile only costs time,
    # and freezing them afterwards keeps later collections (while serving) from walking the catalogue.
    gc.disable()
    try:
        if kind == "real":
            from tracker.emulator.builders.real import load_real_catalogue

            cat = load_real_catalogue(seed=seed)
        elif kind == "realistic":
            from tracker.emulator.builders.realistic import REALISTIC_MODELS, build_realistic

            cat = build_realistic(seed=seed, models=models or REALISTIC_MODELS)
        elif kind == "synthetic":
            from tracker.emulator.builders.synthetic import DEFAULT_MODELS, build_synthetic

            cat = build_synthetic(seed=seed, models=models or DEFAULT_MODELS)
        else:
            raise ValueError(f"unknown catalogue {kind!r} (known: {', '.join(CATALOGUES)})")
    finally:
        gc.enable()
    gc.freeze()
    logger.info("%s catalogue: %s models in %.1f s", kind, f"{len(cat):,}", time.perf_counter() - started)
    return cat
