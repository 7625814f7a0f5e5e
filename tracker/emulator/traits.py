"""Shared traits of emulated models: quantization formats, licences, popularity draws.

Both catalogues (synthetic and real) take their tags, `library_name` and figures from here,
so a model looks the same whichever catalogue it comes from.
"""

from __future__ import annotations

import bisect
import itertools
import math
import random
import re
from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")

# Quantization formats as the Hub shows them: (format, library_name, extra tags).
QUANT_FORMATS: dict[str, tuple[str | None, tuple[str, ...]]] = {
    "gguf": ("gguf", ("gguf", "llama-cpp", "imatrix")),
    "awq": ("transformers", ("safetensors", "4-bit", "awq")),
    "gptq": ("transformers", ("safetensors", "4-bit", "gptq")),
    "exl2": (None, ("exl2", "8-bit")),
    "mlx": ("mlx", ("mlx", "safetensors", "4-bit")),
    "bitsandbytes": ("transformers", ("safetensors", "4-bit", "bitsandbytes")),
}
# Share of each format among quantizations, roughly as on the Hub (GGUF dominates).
QUANT_WEIGHTS: dict[str, float] = {
    "gguf": 0.55,
    "mlx": 0.12,
    "bitsandbytes": 0.12,
    "awq": 0.08,
    "gptq": 0.08,
    "exl2": 0.05,
}
_FORMAT_PATTERNS = [
    ("gguf", re.compile(r"gguf|ggml", re.I)),
    ("awq", re.compile(r"awq", re.I)),
    ("gptq", re.compile(r"gptq", re.I)),
    ("exl2", re.compile(r"exl2|\d(\.\d+)?bpw", re.I)),
    ("mlx", re.compile(r"^mlx-community/|mlx", re.I)),
    ("bitsandbytes", re.compile(r"bnb|bitsandbytes|4bit|8bit", re.I)),
]

# Relation mix of derivatives on the Hub (hub-stats, Oct 2025): adapter 42.6%, finetune 35.9%,
# quantized 19.2%, merge 2.3%.
RELATION_WEIGHTS: dict[str, float] = {"adapter": 0.426, "finetune": 0.359, "quantized": 0.192, "merge": 0.023}

FAMILY_LICENSES: dict[str, str] = {
    "Llama 1": "other",
    "Llama 2": "llama2",
    "Code Llama": "llama2",
    "Llama 3": "llama3",
    "Llama 3.1": "llama3.1",
    "Llama 3.2": "llama3.2",
    "Llama 3.3": "llama3.3",
    "Llama 4": "llama4",
    "Llama Guard": "llama3.1",
    "Gemma": "gemma",
    "Gemma 2": "gemma",
    "Gemma 3": "gemma",
}
# Licences derivative authors pick instead of inheriting their base's.
OTHER_LICENSES = ("apache-2.0", "mit", "cc-by-nc-4.0", "other", "openrail", "cc-by-4.0")


def detect_format(model_id: str) -> str | None:
    """The quantization format a repository name suggests, if any."""
    for name, pattern in _FORMAT_PATTERNS:
        if pattern.search(model_id):
            return name
    return None


# Plain-arithmetic draws: random.Random's own choice/randrange/uniform are Python-level and run
# hundreds of thousands of times while a large catalogue is built.
def choice(rng: random.Random, seq: Sequence[T]) -> T:
    """An element of `seq`, uniformly."""
    return seq[int(rng.random() * len(seq))]


def randrange(rng: random.Random, start: int, stop: int) -> int:
    """An integer in [start, stop), uniformly."""
    return start + int(rng.random() * (stop - start))


def uniform(rng: random.Random, a: float, b: float) -> float:
    """A float in [a, b), uniformly."""
    return a + (b - a) * rng.random()


_CUMULATIVE: dict[int, tuple[dict[str, float], list[str], list[float]]] = {}


def pick(rng: random.Random, weights: dict[str, float]) -> str:
    """One key of `weights`, drawn in proportion to its weight (deterministic for a seeded rng).

    The same draw as `rng.choices(keys, weights)[0]` (one `random()` against cumulative weights),
    with the cumulative table computed once per weights table: this runs once per generated model.
    """
    table = _CUMULATIVE.get(id(weights))
    if table is None or table[0] is not weights:  # the table keeps `weights` alive, so its id stays its own
        keys = list(weights)
        table = _CUMULATIVE[id(weights)] = (
            weights,
            keys,
            list(itertools.accumulate(weights[k] for k in keys)),
        )
    _, keys, cumulative = table
    return keys[bisect.bisect(cumulative, rng.random() * cumulative[-1], 0, len(keys) - 1)]


def library_and_tags(relation: str | None, fmt: str | None) -> tuple[str | None, tuple[str, ...]]:
    """`library_name` and file-format tags for a model of this relation and quantization format."""
    if fmt is not None:
        return QUANT_FORMATS[fmt]
    if relation == "adapter":
        return "peft", ("safetensors", "lora")
    if relation == "merge":
        return "transformers", ("safetensors", "mergekit", "merge")
    return "transformers", ("safetensors",)


def license_for(rng: random.Random, inherited: str | None) -> str | None:
    """A derivative's licence: mostly its base's, sometimes another, sometimes none declared."""
    u = rng.random()
    if u < 0.72 and inherited:
        return inherited
    if u < 0.93:
        return choice(rng, OTHER_LICENSES)
    return None


def popularity(rng: random.Random, *, scale: float = 1.0) -> tuple[float, float, float, int]:
    """Peak daily downloads, decay (days), floor share and saturated likes: heavy-tailed.

    With `scale` 1 the median model draws about one download a day (tens a month) and one in a
    few thousand draws tens of thousands a day; `scale` lifts a whole class (bases, popular quantizers).
    """
    rate = scale * math.exp(rng.gauss(0.0, 1.7)) * rng.paretovariate(1.6)
    tau = uniform(rng, 60.0, 360.0)
    floor = uniform(rng, 0.25, 0.7)
    likes_max = int(rate**0.75 * uniform(rng, 0.2, 1.5))
    return rate, tau, floor, likes_max


_SIZE = re.compile(r"(\d+(?:\.\d+)?)\s*([bm])(?![a-z])", re.I)
MAX_PARAMETERS = 2.0e12  # a size in a name above this is not a size


def parameters_for(model_id: str, rng: random.Random) -> int:
    """A parameter count from the size in the name (`8B`, `70b`, `1.5B`, `22M`), else a plausible one."""
    match = _SIZE.search(model_id)
    base = float(match.group(1)) * (1e9 if match.group(2).lower() == "b" else 1e6) if match else 0.0
    if not 0 < base <= MAX_PARAMETERS:  # none in the name, or digits of a hash (`...d7573350292b`)
        base = choice(rng, (1.2e9, 3.2e9, 8.0e9, 70.6e9))
    return int(base * uniform(rng, 0.97, 1.03))
