"""Adoption beyond downloads, read from a model's payload: its size and who serves it (pure logic).

- **Parameters**: the Hub's `safetensors` (`{"parameters": {dtype: count}, "total": count}`), else its
  `gguf` (`{"total": count, ...}`), an estimate either way: `safetensors.total` is wrong on some repos
  (a 27B model showing 2.6M) and packed 4-bit repos count an eighth of the truth, so the larger of the
  total and the dtype sum is taken (`notes/real-hub-2026.md` section 2). None when the Hub gives neither.
- **Live providers**: `inferenceProviderMapping`, a list of `{provider, status, ...}` on listings and
  an object keyed by provider on `model_info`; the providers whose status is `live` (not `staging` or
  `error`), sorted.
- **Size classes**: the buckets derivatives and downloads are compared in (the ATOM project compares
  models by size class because downloads are not comparable across sizes).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

# (name, lower bound inclusive, upper bound exclusive), in order; then `unknown`.
SIZE_BOUNDS: tuple[tuple[str, float, float], ...] = (
    ("<3B", 0.0, 3e9),
    ("3-9B", 3e9, 9e9),
    ("9-35B", 9e9, 35e9),
    ("35-100B", 35e9, 100e9),
    ("100B+", 100e9, math.inf),
)
UNKNOWN = "unknown"
SIZE_CLASSES: tuple[str, ...] = (*(name for name, _, _ in SIZE_BOUNDS), UNKNOWN)
SIZE_LABELS: dict[str, str] = {
    "<3B": "under 3B",
    "3-9B": "3B to 9B",
    "9-35B": "9B to 35B",
    "35-100B": "35B to 100B",
    "100B+": "100B and over",
    UNKNOWN: "size unknown",
}
# Relations whose weights are their base's, repackaged: their own count misleads (a LoRA's few million
# trainable parameters, a packed quantization's eighth), so they take their base's size class.
INHERIT_SIZE = frozenset({"adapter", "quantized"})


def _count(value: Any) -> int | None:
    """A non-negative integer count from a JSON number (bools and junk are not counts)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if not math.isfinite(value) or value < 0:
        return None
    return int(value)


def parse_parameters(safetensors: Any, gguf: Any) -> int | None:
    """The parameter count these payload values imply (see the module's docstring); None if neither."""
    if isinstance(safetensors, dict):
        total = _count(safetensors.get("total"))
        by_dtype = safetensors.get("parameters")
        summed = None
        if isinstance(by_dtype, dict):
            counts = [c for c in map(_count, by_dtype.values()) if c is not None]
            summed = sum(counts) if counts else None
        best = max((c for c in (total, summed) if c is not None), default=None)
        if best:
            return best
    if isinstance(gguf, dict):
        total = _count(gguf.get("total"))
        if total:
            return total
    return None


def parse_live_providers(mapping: Any) -> tuple[str, ...]:
    """The providers serving the model live, sorted, from either shape of `inferenceProviderMapping`."""
    entries: Iterable[tuple[Any, Any]]
    if isinstance(mapping, dict):  # model_info: {provider: {status, providerId, task, ...}}
        entries = ((name, value) for name, value in mapping.items())
    elif isinstance(mapping, list):  # listings: [{provider, status, providerId, task, ...}]
        entries = ((item.get("provider"), item) for item in mapping if isinstance(item, dict))
    else:
        return ()
    live = {
        name
        for name, value in entries
        if isinstance(name, str) and name and isinstance(value, dict) and value.get("status") == "live"
    }
    return tuple(sorted(live))


def size_class(parameters: int | float | None) -> str:
    """The size class of a parameter count (`unknown` for None, zero or nonsense)."""
    if parameters is None or not parameters > 0:
        return UNKNOWN
    for name, low, high in SIZE_BOUNDS:
        if low <= parameters < high:
            return name
    return UNKNOWN


def effective_size_classes(
    members: Iterable[tuple[str, str, int, int | None]], links: Iterable[tuple[str, str]]
) -> dict[str, str]:
    """Each member's size class, by model id: its own count's, except adapters and quantizations
    (`INHERIT_SIZE`), which take their parent's effective class (walking up through such parents),
    else, when no parent has one, their own count's.

    `members`: (model_id, relation, depth, parameters) of one ecosystem in one run; `links`: that run's
    declared (child, parent) links. Only parents among `members` count (ids match in any case); of
    several, the first of least depth (then id) with a known class. A cycle of inheriting models (the
    Hub allows them) is not followed round: the walk tries the next parent, then the model's own count.
    """
    own: dict[str, str] = {}
    inherits: set[str] = set()
    depth_of: dict[str, int] = {}
    by_key: dict[str, str] = {}
    for model_id, relation, depth, parameters in members:
        own[model_id] = size_class(parameters)
        depth_of[model_id] = depth
        by_key.setdefault(model_id.lower(), model_id)
        if relation in INHERIT_SIZE:
            inherits.add(model_id)
    parents: dict[str, list[str]] = {}
    for child, parent in links:
        found = by_key.get(parent.lower())
        if child in inherits and found is not None and found != child:
            parents.setdefault(child, []).append(found)
    for options in parents.values():
        options.sort(key=lambda p: (depth_of[p], p))

    resolved = {model_id: own[model_id] for model_id in own if model_id not in inherits}
    for start in sorted(inherits):
        if start in resolved:
            continue
        # Depth first without recursion (a chain of quantizations of quantizations can be long): each
        # model on the path remembers which of its parents it is waiting for.
        path, waiting = [start], {start: 0}
        while path:
            model_id = path[-1]
            options = parents.get(model_id, [])
            at, found = waiting[model_id], None
            while at < len(options):
                parent = options[at]
                if parent in resolved:
                    if resolved[parent] != UNKNOWN:
                        found = resolved[parent]
                        break
                elif parent not in waiting:  # unresolved and not on the path: resolve it first
                    break
                at += 1
            if found is None and at < len(options):
                waiting[model_id] = at
                waiting[options[at]] = 0
                path.append(options[at])
                continue
            resolved[model_id] = found or own[model_id]
            del waiting[model_id]
            path.pop()
    return resolved
