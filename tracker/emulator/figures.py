"""Pure usage curves of emulated models: downloads, likes and trending score at a clock time.

A model's daily downloads at age `a` (days since its creation) are `rate` times a floor share
(`floor`: mirrors, CI jobs, the long tail's steady trickle) plus a burst of one of four shapes, its
`shape`, each from a published model of adoption and attention:

- `SPIKE`, a launch spike that fades (most quantizations and finetunes): the response of a social
  system to an outside shock relaxes as a power law (Crane & Sornette 2008, "Robust dynamic classes
  revealed by measuring the response function of a social system", PNAS 105(41), on YouTube views):
  `s(a) = (1 + a/c)^-(1+θ)`, with `c = tau_days` and θ = 0.4; cumulative `(c/θ) (1 - (1 + a/c)^-θ)`.
- `GROWER`, a slow grower over months (a popular base or instruct finetune): the Bass diffusion
  model (Bass 1969, "A new product growth for model consumer durables", Management Science 15(5)),
  cumulative adoption `F(t) = (1 - e^{-(p+q)t}) / (1 + (q/p) e^{-(p+q)t})`; daily downloads follow
  its density `F'`, which rises to its peak `tau_days` after creation (`ln(q/p) / (p+q)`) and fades.
  `q/p` is 0.38/0.03, the mean coefficients of Sultan, Farley & Lehmann's meta-analysis (1990).
- `WAVE`, a late second wave: a launch spike, then a second Bass curve from `wave_days` after
  creation (a popular derivative or a new quantization brings users back; a new generation's own
  Bass curve, as in Norton & Bass 1987), peaking `wave_rise(wave_days)` days after it starts.
- `TAIL`, a long-tail floor: a short spike, then a high floor for the rest of its life.

Every burst peaks at 1 (so `rate` is the peak daily downloads above the floor) and every term has a
closed-form cumulative: the emulator answers any clock time in O(1) from five numbers per model,
every figure is a deterministic function of (model, time), and `downloadsAllTime` (the cumulative,
truncated to an integer) never decreases except through an explicit revision
(`HubModel.revision_at`, applied in `Catalogue.figures`). Likes follow the burst: `likes_max` times
the share of the burst's lifetime downloads done by then, so a slow grower gathers likes for months
and a second wave brings new ones. The trending score follows the last 7 days' downloads and likes.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tracker.emulator.vocabulary import HubModel

SPIKE, GROWER, WAVE, TAIL = 0, 1, 2, 3
SHAPES = ("spike", "grower", "wave", "tail")  # names, by code
THETA = 0.4  # the spike's power-law exponent is 1 + THETA
BASS_RATIO = 0.38 / 0.03  # q/p of the Bass curves
_LN_RATIO = math.log(BASS_RATIO)
_BASS_SCALE = 4.0 * BASS_RATIO / ((1.0 + BASS_RATIO) * _LN_RATIO)  # F/F'(peak) = _BASS_SCALE * days to peak


def spike(c: float, age: float) -> float:
    """Downloads of a spike of peak 1 and relaxation time `c` days, from creation to `age` days."""
    if age <= 0:
        return 0.0
    return c / THETA * (1.0 - (1.0 + age / c) ** -THETA)


def bass(peak_days: float, age: float) -> float:
    """Downloads of a Bass curve of peak 1 reached `peak_days` after its start, up to `age` days after it."""
    if age <= 0:
        return 0.0
    e = math.exp(-_LN_RATIO * age / peak_days)
    return _BASS_SCALE * peak_days * (1.0 - e) / (1.0 + BASS_RATIO * e)


def wave_rise(onset_days: float) -> float:
    """Days from a second wave's start to its peak: a quarter of its onset, within 7 to 60 days."""
    return min(60.0, max(7.0, onset_days / 4.0))


def burst(shape: int, tau_days: float, wave_days: float, age: float) -> float:
    """The burst's downloads (in peak days) from creation to `age` days, for a model of this shape."""
    if shape == GROWER:
        return bass(tau_days, age)
    done = spike(tau_days, age)
    if shape == WAVE and age > wave_days:
        done += bass(wave_rise(wave_days), age - wave_days)
    return done


def burst_total(shape: int, tau_days: float, wave_days: float) -> float:
    """The burst's downloads over the model's whole life (in peak days): what `burst` tends to."""
    if shape == GROWER:
        return _BASS_SCALE * tau_days
    total = tau_days / THETA
    if shape == WAVE:
        total += _BASS_SCALE * wave_rise(wave_days)
    return total


def cumulative_downloads(m: HubModel, age_days: float) -> int:
    """Downloads of `m` since its creation, `age_days` after it (before any revision)."""
    if age_days <= 0:
        return 0
    return int(m.rate * (m.floor * age_days + burst(m.shape, m.tau_days, m.wave_days, age_days)))


def window_downloads(m: HubModel, age_days: float, window_days: float) -> int:
    """Downloads of `m` in the trailing window of `window_days` ending `age_days` after its creation."""
    return cumulative_downloads(m, age_days) - cumulative_downloads(m, age_days - window_days)


def likes_at(m: HubModel, age_days: float) -> int:
    """Likes of `m` `age_days` after its creation: `likes_max` times the share of its burst done."""
    if age_days <= 0 or m.likes_max <= 0:
        return 0
    done = burst(m.shape, m.tau_days, m.wave_days, age_days)
    return int(m.likes_max * done / burst_total(m.shape, m.tau_days, m.wave_days))


def usage(m: HubModel, age_days: float) -> tuple[int, int, int, int, int]:
    """All-time downloads (before any revision), the last 30 and 7 days' downloads, likes and the last 7
    days' likes of `m`, `age_days` after its creation: `cumulative_downloads` and `likes_at`, each burst
    computed once (a listing asks this of every model it serves)."""
    if age_days <= 0:
        return 0, 0, 0, 0, 0
    shape, tau, wave, rate, floor, likes_max = m.shape, m.tau_days, m.wave_days, m.rate, m.floor, m.likes_max
    now = burst(shape, tau, wave, age_days)
    all_time = int(rate * (floor * age_days + now))
    a7, a30 = age_days - 7, age_days - 30
    b7 = burst(shape, tau, wave, a7) if a7 > 0 else 0.0
    d7 = all_time - (int(rate * (floor * a7 + b7)) if a7 > 0 else 0)
    d30 = all_time - (int(rate * (floor * a30 + burst(shape, tau, wave, a30))) if a30 > 0 else 0)
    if likes_max <= 0:
        return all_time, d30, d7, 0, 0
    total = burst_total(shape, tau, wave)
    likes = int(likes_max * now / total)
    return all_time, d30, d7, likes, likes - (int(likes_max * b7 / total) if a7 > 0 else 0)


def trending_score(downloads_7d: int, likes_7d: int) -> int:
    """A small integer that follows recent activity, like the Hub's undocumented trendingScore."""
    return int(math.sqrt(max(downloads_7d, 0)) / 12.0) + likes_7d
