"""Shared traits of emulated models: quantization formats, licences, popularity draws, sizes.

Every catalogue (synthetic, real, and the realistic one's compact part) takes its tags,
`library_name`, figures and parameter counts from here (the size in a name, a known release's real
count, a derivative's from its base), so a model looks the same whichever catalogue it comes from.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import math
import random
import re
from collections.abc import Sequence
from typing import TypeVar

from tracker.emulator import figures

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


def popularity(
    rng: random.Random, *, scale: float = 1.0, tail: float = 1.6
) -> tuple[float, float, float, int]:
    """Peak daily downloads (heavy-tailed), two uniform draws for `dynamics` (time scale, floor) and
    saturated likes.

    With `scale` 1 the median model peaks at about one download a day (tens a month) and one in a
    few thousand at tens of thousands a day; `scale` lifts a whole class (bases, popular quantizers).
    `tail` is the Pareto factor's index: lower, a heavier tail (more hits, the median barely moves). The
    draws are those of the decaying curves these replaced, so every later draw is unchanged.
    """
    rate = scale * math.exp(rng.gauss(0.0, 1.7)) * rng.paretovariate(tail)
    u_time, u_floor = rng.random(), rng.random()
    likes_max = int(rate**0.75 * uniform(rng, 0.2, 1.5))
    return rate, u_time, u_floor, likes_max


# Usage shapes (`tracker.emulator.figures`): weights of SPIKE, GROWER, WAVE and TAIL by relation (None:
# an official release or a model declaring no base). Most derivatives spike at launch and fade.
SHAPE_WEIGHTS: dict[str | None, tuple[float, float, float, float]] = {
    None: (0.15, 0.45, 0.15, 0.25),
    "finetune": (0.58, 0.15, 0.14, 0.13),
    "merge": (0.65, 0.10, 0.10, 0.15),
    "adapter": (0.60, 0.08, 0.07, 0.25),
    "quantized": (0.68, 0.05, 0.17, 0.10),
}
POPULAR = 50.0  # peak daily downloads from which a model is a slow grower 4 times as often
# Per shape: time scale in days (drawn log-uniformly: a spike's relaxation, a grower's days to its peak)
# and the floor's share of the peak (uniformly).
SHAPE_RANGES = {
    figures.SPIKE: ((2.0, 30.0), (0.01, 0.10)),
    figures.GROWER: ((30.0, 240.0), (0.05, 0.30)),
    figures.WAVE: ((2.0, 20.0), (0.01, 0.10)),
    figures.TAIL: ((1.0, 7.0), (0.35, 0.90)),
}
WAVE_ONSET = (21.0, 400.0)  # days after creation a second wave starts, log-uniformly
# A derivative that catches on peaks sooner than a base: 2 weeks to 4 months after its creation (a base
# grows for 1 to 8 months, `SHAPE_RANGES`), so the Hub's weekly risers are mostly young derivatives.
DERIVED_GROWER_DAYS = (14.0, 120.0)


def dynamics(
    h: int, relation: str | None, rate: float, u_time: float, u_floor: float, *, shape: int | None = None
) -> tuple[int, float, float, float]:
    """A model's usage curve: shape, time scale (days), floor share and second wave's onset (days).

    `relation` None is a base (or an official release); a derivative that grows peaks sooner
    (`DERIVED_GROWER_DAYS`).

    The shape (unless given) and the onset come from `h`, a 64-bit hash of the model (of its `_id`, or
    of its compact index), so drawing them changes no other draw; the time scale and floor from the
    two uniforms `popularity` drew."""
    if shape is None:
        weights = SHAPE_WEIGHTS.get(relation, SHAPE_WEIGHTS[None])
        if rate >= POPULAR:
            weights = (weights[0], 4.0 * weights[1], weights[2], weights[3])
        pick = (h & 0xFFFFFFFF) / 2**32 * sum(weights)
        shape = 0
        while shape < 3 and pick >= weights[shape]:
            pick -= weights[shape]
            shape += 1
    (t_lo, t_hi), (f_lo, f_hi) = SHAPE_RANGES[shape]
    if shape == figures.GROWER and relation is not None:
        t_lo, t_hi = DERIVED_GROWER_DAYS
    tau = t_lo * (t_hi / t_lo) ** u_time
    floor = f_lo + (f_hi - f_lo) * u_floor
    wave = 0.0
    if shape == figures.WAVE:
        lo, hi = WAVE_ONSET
        wave = lo * (hi / lo) ** ((h >> 32) / 2**32)
    return shape, tau, floor, wave


_SIZE = re.compile(r"(\d+(?:\.\d+)?)\s*([bm])(?![a-z])", re.I)
_EXPERTS = re.compile(r"(?<![\d.])(\d+)x(\d+(?:\.\d+)?)b(?![a-z])", re.I)  # `8x7B`: experts x size
MAX_PARAMETERS = 2.0e12  # a size in a name above this is not a size
EXPERT_SHARE = 0.83  # a mixture's total over experts x size (Mixtral-8x7B: 46.7B of 56B; 8x22B: 141B of 176B)
# Real counts of well-known releases, by a pattern on the lower-cased id (first match wins), which
# derivatives keeping the base's name share: the sizes most derivatives descend from, as the Hub shows
# them (Llama-3.1-8B-Instruct: 8,030,261,248), and releases whose name states no size (DeepSeek-V3,
# Mistral Nemo, BERT). An entry applies when the id states no size or one within `KNOWN_TOLERANCE` of
# the count (`Qwen2.5-7B-DeepSeek-R1-sft` states 7B: not DeepSeek-R1's 671B); those marked `True`
# always apply: their names state the active parameters (`17B-16E`: 16 experts of 17B active).
KNOWN_TOLERANCE = 0.25
# (needle, pattern, count, always): the pattern is only tried on ids holding the needle (a substring test
# costs a fraction of a regular expression's search, and building a large catalogue names every model).
KNOWN_PARAMETERS: tuple[tuple[str, re.Pattern[str], int, bool], ...] = tuple(
    (needle, re.compile(pattern), count, always)
    for needle, pattern, count, always in (
        ("llama-4-scout", r"llama-4-scout-17b-16e", 108_641_793_536, True),
        ("llama-4-maverick", r"llama-4-maverick-17b-128e", 401_583_781_376, True),
        ("mixtral-8x7b", r"mixtral-8x7b", 46_702_792_704, False),
        ("mixtral-8x22b", r"mixtral-8x22b", 140_630_071_296, False),
        ("deepseek-", r"deepseek-(v3|r1)(?!-distill)", 671_026_419_200, False),
        ("mistral-nemo", r"mistral-nemo", 12_247_782_400, False),
        ("mistral-small-", r"mistral-small-(3\.1-)?24b", 23_572_403_200, False),
        ("mistral-7b", r"mistral-7b", 7_241_732_096, False),
        ("llama-3", r"(meta-llama-3|llama-3\.1)-8b(?![\d.])", 8_030_261_248, False),
        ("llama-3", r"(meta-llama-3|llama-3\.[13])-70b(?![\d.])", 70_553_706_496, False),
        ("llama-3.1-405b", r"llama-3\.1-405b", 405_853_388_800, False),
        ("llama-3.2-1b", r"llama-3\.2-1b(?![\d.])", 1_235_814_400, False),
        ("llama-3.2-3b", r"llama-3\.2-3b(?![\d.])", 3_212_749_824, False),
        ("llama-2-7b", r"llama-2-7b", 6_738_415_616, False),
        ("llama-2-13b", r"llama-2-13b", 13_015_864_320, False),
        ("llama-2-70b", r"llama-2-70b", 68_976_648_192, False),
        ("qwen2.5-7b", r"qwen2\.5-7b", 7_615_616_512, False),
        ("qwen2.5-72b", r"qwen2\.5-72b", 72_706_203_648, False),
        ("gemma-2-2b", r"gemma-2-2b", 2_614_341_888, False),
        ("gemma-2-9b", r"gemma-2-9b", 9_241_705_984, False),
        ("gemma-2-27b", r"gemma-2-27b", 27_227_128_320, False),
        ("gemma-3-27b", r"gemma-3-27b", 27_432_406_640, False),
        ("bert-base-uncased", r"bert-base-uncased", 109_514_298, False),
        ("t5-small", r"t5-small", 60_506_624, False),
        ("gpt2", r"^(openai-community/)?gpt2$", 124_439_808, False),
        ("whisper-large-v3", r"whisper-large-v3", 1_543_490_560, False),
        ("phi-2", r"microsoft/phi-2$", 2_779_683_840, False),
        ("stable-diffusion-xl-base", r"stable-diffusion-xl-base", 3_468_838_380, False),
    )
)


def _size_match(model_id: str) -> float | None:
    """The first `8B`, `70b`, `1.5B`, `22M` in an id as a count, None if none or not a size."""
    match = _SIZE.search(model_id)
    base = float(match.group(1)) * (1e9 if match.group(2).lower() == "b" else 1e6) if match else 0.0
    return base if 0 < base <= MAX_PARAMETERS else None  # none, or digits of a hash (`...d7573350292b`)


@functools.lru_cache(maxsize=1 << 16)  # a builder asks twice per model; the compact part, for a few names
def _name_sizes(model_id: str) -> tuple[float | None, int | None]:
    """(the size an id states, the known count it names): see `size_in_name`, `known_parameters`."""
    size = _size_match(model_id)
    key = model_id.lower()
    if size is not None and "x" in key:
        experts = _EXPERTS.search(model_id)
        if experts is not None:
            size = min(MAX_PARAMETERS, int(experts.group(1)) * float(experts.group(2)) * 1e9 * EXPERT_SHARE)
    for needle, pattern, count, always in KNOWN_PARAMETERS:
        if needle in key and pattern.search(key):
            if always or size is None or abs(count / size - 1.0) <= KNOWN_TOLERANCE:
                return size, count
    return size, None


def known_parameters(model_id: str) -> int | None:
    """The real count of a well-known release this id names (or keeps the name of), else None."""
    return _name_sizes(model_id)[1]


def size_in_name(model_id: str) -> float | None:
    """The size an id states: `8x7B` as a mixture (experts x size x EXPERT_SHARE), else the first `8B`,
    `70b`, `1.5B`, `22M`; None if it states none (`Qwen3-30B-A3B` states 30B: the first size)."""
    return _name_sizes(model_id)[0]


def named_parameters(model_id: str) -> int | None:
    """The count an id implies, without drawing: a known release's, else the size it states, else None."""
    size, known = _name_sizes(model_id)
    if known is not None:
        return known
    return None if size is None else int(size)


def parameters_for(model_id: str, rng: random.Random) -> int:
    """A parameter count from the name: a known release's exact count (`KNOWN_PARAMETERS`), else the size
    it states (`8B`, `70b`, `1.5B`, `22M`, `8x7B`) within 3%, else a plausible one.

    Draws as it always has (a fallback size when the name states none, then the 3%), whatever the
    answer, so that a catalogue's other draws stay where they were."""
    size, known = _name_sizes(model_id)  # a stated size is None exactly when the first `8B` is
    fallback = choice(rng, (1.2e9, 3.2e9, 8.0e9, 70.6e9)) if size is None else 0.0
    noise = uniform(rng, 0.97, 1.03)
    if known is not None:
        return known
    return int((size or fallback) * noise)


SIZE_TOLERANCE = 0.2  # a derivative's name states "another size" when it is off its base's by more


def derived_parameters(relation: str | None, base: int, named: int | None, own: int, h: int | None) -> int:
    """A derivative's count from its (first) base's `base`: quantizations and adapters keep it exactly
    (their weights are the base's); finetunes and merges keep it too, unless the count their name implies
    (`named`, `named_parameters` of the id) is another size (then `own`, the count drawn from the name),
    and one in 30 grows its vocabulary (half a million to 34 million more, embeddings and head). `h`: a
    64-bit hash of the model for that draw; None for none (an official release keeps its base's)."""
    if relation in ("quantized", "adapter") or not base:
        return base or own
    if named is not None and abs(named / base - 1.0) > SIZE_TOLERANCE:
        return own
    if h is not None and h % 30 == 0:
        return base + 2 * 4096 * 64 * (1 + (h >> 8) % 64)
    return base
