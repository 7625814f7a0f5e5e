"""Inference providers serving emulated models: which, in what status, from when.

`HubModel.providers` holds entries `(provider, status, since)` in `since` order (then by name); status
is `live`, `staging` or `error` (the statuses huggingface_hub knows). At clock time `t` a provider maps
the model with its last entry whose `since <= t`: a later entry changes the status (a provider usually
stages a model before it goes live), and a provider with no such entry does not map it yet. The
mapping lists providers in the order they first mapped the model, as the real Hub's payloads do
(`fireworks-ai`, `sambanova`, `together`, `hf-inference`, ... for Llama-3.3-70B-Instruct).

Who gets providers (a few percent of the Hub, as on the real one, mostly the official releases):
- most official chat releases (Instruct, `-it`, chat, DeepSeek-V3/R1, Qwen 3) several of them, older
  generations fewer; official base releases one or two; unrelated official bases (BERT, Whisper,
  SDXL) the providers of their task;
- popular community finetunes and merges (more likely the higher their `rate`), mostly
  `featherless-ai`; text-to-image LoRA adapters on `fal-ai` or `replicate` (with `adapter`
  and `adapterWeightsPath` in the mapping); quantizations almost never;
- no provider before its launch date, nor before the model exists; official releases often on their
  first day, the others weeks or months after creation, so counts change from week to week.

Every draw comes from one 64-bit hash of the model (`draw`): same catalogue, same providers.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence

from tracker.emulator.vocabulary import DAY, parse_time

STATUSES = ("live", "staging", "error")
_LAUNCHES = {
    "hf-inference": "2022-06-01",
    "together": "2025-01-28",
    "sambanova": "2025-01-28",
    "fal-ai": "2025-01-28",
    "replicate": "2025-01-28",
    "fireworks-ai": "2025-02-13",
    "hyperbolic": "2025-02-18",
    "nebius": "2025-02-18",
    "novita": "2025-02-20",
    "cerebras": "2025-03-12",
    "cohere": "2025-04-16",
    "nscale": "2025-05-13",
    "featherless-ai": "2025-06-12",
    "groq": "2025-06-16",
    "scaleway": "2025-07-08",
    "wavespeed": "2025-08-20",
    "ovhcloud": "2025-09-10",
    "deepinfra": "2025-10-07",
}
LAUNCHES: dict[str, int] = {name: parse_time(date + "T00:00:00Z") for name, date in _LAUNCHES.items()}
# Providers by task, with how often each maps a model of that kind (weights of a draw without
# replacement). Chat models of the official releases; community models; other tasks.
_CHAT = {
    "together": 0.7,
    "novita": 0.6,
    "fireworks-ai": 0.6,
    "featherless-ai": 0.6,
    "nebius": 0.55,
    "nscale": 0.4,
    "hf-inference": 0.35,
    "sambanova": 0.35,
    "hyperbolic": 0.35,
    "groq": 0.35,
    "cerebras": 0.3,
    "scaleway": 0.3,
    "deepinfra": 0.3,
    "ovhcloud": 0.25,
}
_COMMUNITY = {
    "featherless-ai": 1.0,
    "hf-inference": 0.25,
    "novita": 0.15,
    "nscale": 0.15,
    "nebius": 0.1,
    "together": 0.1,
    "fireworks-ai": 0.1,
    "groq": 0.05,
    "cerebras": 0.05,
}
_BY_PIPELINE: dict[str, dict[str, float]] = {
    "text-to-image": {
        "fal-ai": 0.8,
        "replicate": 0.6,
        "hf-inference": 0.5,
        "together": 0.3,
        "nebius": 0.3,
        "wavespeed": 0.3,
        "nscale": 0.2,
    },
    "automatic-speech-recognition": {"hf-inference": 0.8, "fal-ai": 0.6},
    "sentence-similarity": {"hf-inference": 0.9, "nebius": 0.4, "scaleway": 0.3},
    **{
        name: {"hf-inference": 1.0}
        for name in (
            "fill-mask",
            "text-classification",
            "token-classification",
            "translation",
            "summarization",
            "image-classification",
        )
    },
}
_LORA = {"fal-ai": 0.8, "replicate": 0.5}
_TASKS = {"sentence-similarity": "feature-extraction"}
_CHAT_NAME = re.compile(r"instruct|chat|(^|[-_/.])it($|[-_.])|deepseek-(v3|r1)|qwen3-|distill|-r1", re.I)
_EMBEDDER_NAME = re.compile(r"embed|rerank", re.I)
NEW_GENERATION = parse_time("2024-01-01T00:00:00Z")  # official releases before it: fewer providers now


def is_chat(repo_id: str) -> bool:
    """Whether providers serve a text-generation model of this name as `conversational` (else
    `text-generation`, or `feature-extraction` for an embedder)."""
    return bool(_CHAT_NAME.search(repo_id)) and not _EMBEDDER_NAME.search(repo_id)


def task_for(repo_id: str, pipeline: str | None) -> str:
    """The `task` of a mapping: the pipeline, `conversational` for chat models, `feature-extraction`
    for embedders."""
    if pipeline == "text-generation":
        if _EMBEDDER_NAME.search(repo_id):
            return "feature-extraction"
        return "conversational" if is_chat(repo_id) else "text-generation"
    return _TASKS.get(pipeline or "", pipeline or "text-generation")


def chance(
    *, official: bool, relation: str | None, pipeline: str | None, repo_id: str, created: int, rate: float
) -> float:
    """The probability that a model of this kind has any provider entry."""
    if pipeline is None or (pipeline != "text-generation" and pipeline not in _BY_PIPELINE):
        return 0.0
    if relation == "quantized":
        return 0.0005
    if relation == "adapter":
        return 0.04 if pipeline == "text-to-image" else 0.001
    if official:
        if pipeline != "text-generation":
            return 0.85
        new = created >= NEW_GENERATION
        if is_chat(repo_id):
            return 0.92 if new else 0.45
        return 0.35 if new else 0.15
    return 0.6 * rate / (rate + 150.0) + 0.002


def _sample(rng: random.Random, weights: dict[str, float], k: int) -> list[str]:
    """`k` distinct keys of `weights`, drawn without replacement in proportion to their weights."""
    pool = dict(weights)
    out: list[str] = []
    while pool and len(out) < k:
        names = list(pool)
        u, acc, chosen = rng.random() * sum(pool.values()), 0.0, names[-1]
        for name in names:
            acc += pool[name]
            if u < acc:
                chosen = name
                break
        out.append(chosen)
        del pool[chosen]
    return out


def draw(
    h: int,
    *,
    official: bool,
    relation: str | None,
    pipeline: str | None,
    repo_id: str,
    created: int,
    rate: float,
) -> tuple[tuple[str, str, int], ...]:
    """The provider entries of a model (empty for most), from `h`, a 64-bit hash of the model."""
    p = chance(
        official=official, relation=relation, pipeline=pipeline, repo_id=repo_id, created=created, rate=rate
    )
    if (h >> 11) * (1.0 / (1 << 53)) >= p:
        return ()
    rng = random.Random(h)
    chat = pipeline == "text-generation" and is_chat(repo_id)
    if relation == "adapter":
        weights, k = _LORA, 1
    elif pipeline != "text-generation":
        weights = _BY_PIPELINE[pipeline or ""]
        k = 1 + int(rng.random() * 3) if official else 1
    elif official and chat and created >= NEW_GENERATION:
        weights, k = _CHAT, 2 + int(rng.random() ** 0.8 * 7)
    elif official:
        weights, k = _CHAT if chat else _COMMUNITY, 1 + int(rng.random() * 2)
    else:
        u = rng.random()
        weights, k = _COMMUNITY, 1 + (u < 0.3) + (u < 0.08)
    entries: list[tuple[str, str, int]] = []
    for name in _sample(rng, weights, k):
        start = max(created, LAUNCHES[name])
        if official and rng.random() < 0.5:
            delay = rng.random() * 2 * DAY  # a launch partner: on the first day or two
        elif official:
            delay = rng.random() ** 2 * 150 * DAY
        else:
            delay = (7 + rng.random() * 200) * DAY
        since = start + int(delay)
        u = rng.random()
        if u < 0.10:
            entries.append((name, "staging", since))  # staged, never live
        elif u < 0.12:
            entries.append((name, "error", since))
        elif u < 0.35:  # staged first, live some days later
            entries += [(name, "staging", since), (name, "live", since + int((3 + rng.random() * 37) * DAY))]
        else:
            entries.append((name, "live", since))
    return tuple(sorted(entries, key=lambda e: (e[2], e[0])))


def mapping_at(providers: Sequence[tuple[str, str, int]], t: int) -> dict[str, str]:
    """Provider -> status of a model's mapping at `t`, in the order providers first mapped it."""
    current: dict[str, str] = {}
    for name, status, since in providers:
        if since > t:
            break
        current[name] = status  # a later entry updates the status and keeps the provider's place
    return current


def live_at(providers: Sequence[tuple[str, str, int]], t: int) -> tuple[str, ...]:
    """The providers serving the model live at `t`, sorted by name."""
    return tuple(sorted(name for name, status in mapping_at(providers, t).items() if status == "live"))


def provider_id(provider: str, repo_id: str, task: str) -> str:
    """The model's id on the provider's side, in the style each provider uses."""
    name = repo_id.split("/")[-1]
    if provider == "fireworks-ai":
        return "accounts/fireworks/models/" + name.lower().replace("meta-", "").replace(".", "p")
    if provider == "together" and task == "conversational":
        return f"{repo_id}-Turbo"
    if provider == "nebius" and task in ("conversational", "text-generation"):
        return f"{repo_id}-fast"
    if provider in ("novita", "replicate"):
        return repo_id.lower()
    if provider == "sambanova":
        return name
    if provider in ("cerebras", "groq"):
        return name.lower()
    if provider == "fal-ai":
        return f"fal-ai/{name.lower()}"
    return repo_id
