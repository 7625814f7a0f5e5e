"""Pure usage curves of emulated models: downloads, likes and trending score at a clock time.

Each model has a peak daily download rate that decays towards a floor, so the cumulative
count has a closed form: the emulator can answer any clock time in O(1), every figure is a
deterministic function of (model, time), and `downloadsAllTime` never decreases except
through an explicit revision.
"""

from __future__ import annotations

import math


def cumulative_downloads(rate: float, tau_days: float, floor: float, age_days: float) -> int:
    """Downloads since creation, `age_days` after it, for a rate decaying from `rate` to `rate*floor`."""
    if age_days <= 0:
        return 0
    decayed = (1.0 - floor) * tau_days * (1.0 - math.exp(-age_days / tau_days))
    return int(rate * (floor * age_days + decayed))


def window_downloads(rate: float, tau_days: float, floor: float, age_days: float, window_days: float) -> int:
    """Downloads in the trailing window of `window_days` ending `age_days` after creation."""
    return cumulative_downloads(rate, tau_days, floor, age_days) - cumulative_downloads(
        rate, tau_days, floor, age_days - window_days
    )


def likes_at(likes_max: int, age_days: float) -> int:
    """Likes gathered `age_days` after creation; they saturate at `likes_max`."""
    if age_days <= 0:
        return 0
    return int(likes_max * (1.0 - math.exp(-age_days / 45.0)))


def trending_score(downloads_7d: int, likes_7d: int) -> int:
    """A small integer that follows recent activity, like the Hub's undocumented trendingScore."""
    return int(math.sqrt(max(downloads_7d, 0)) / 12.0) + likes_7d
