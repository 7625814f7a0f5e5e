"""The measures every reader and writer of downloads shares (pure: no clock, no I/O): weekly downloads
from an all-time delta, negative deltas kept apart, the relative change the movers rank by, and the
quantization format a model's tags and library show. `tracker.read.metrics` applies them to the whole
history, `tracker.core.rollup_rows` and `tracker.storage.rollups` to one run and the one before.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import numpy as np
import pandas as pd

QUANT_FORMATS = ("GGUF", "AWQ", "GPTQ", "EXL2", "MLX", "bitsandbytes", "other")
WEEK = pd.Timedelta(days=7)
MIN_WEEKLY = 100  # movers: relative change only from this many weekly downloads before


def weekly_rate(delta: pd.Series, weeks: pd.Series | float | None) -> pd.Series:
    """Downloads per week: an all-time delta over the weeks it spans, rounded; missing where either is."""
    if weeks is None:
        return pd.Series(pd.NA, index=delta.index, dtype="Int64")
    return (delta.astype("Float64") / weeks).round().astype("Int64")


def negatives(delta: pd.Series) -> dict[str, pd.Series]:
    """Columns `negative` (1 where the delta is below zero: a Hub revision) and `negative_sum` (its value)."""
    return {
        "negative": (delta < 0).fillna(False).astype(int),
        "negative_sum": delta.where(delta < 0, 0).fillna(0),
    }


def relative_change(change: pd.Series, before: pd.Series, min_weekly: int = MIN_WEEKLY) -> pd.Series:
    """The change over the weekly downloads before, for models with at least `min_weekly` of them."""
    base = before.astype("Float64")
    return change.astype("Float64") / base.where(base >= max(min_weekly, 1))


def quant_format(tags: Sequence[str] | str | None, library_name: str | None) -> str:
    """The quantization format shown by tags and library: GGUF, AWQ, GPTQ, EXL2, MLX, bitsandbytes, other."""
    if isinstance(tags, str):
        tags = json.loads(tags) if tags.startswith("[") else [tags]
    elif not isinstance(tags, Sequence | np.ndarray):
        tags = ()  # missing (None, or NaN from a left join)
    found = {t.lower() for t in tags}
    library = library_name.lower() if isinstance(library_name, str) else ""  # NaN when missing
    if "gguf" in found or library == "gguf":
        return "GGUF"
    if "awq" in found:
        return "AWQ"
    if "gptq" in found:
        return "GPTQ"
    if "exl2" in found:
        return "EXL2"
    if "mlx" in found or library == "mlx":
        return "MLX"
    if "bitsandbytes" in found or "4-bit" in found and "bnb" in found:
        return "bitsandbytes"
    return "other"
