"""The emulated Hub's usage curves (`tracker.emulator.figures`): launch spikes that fade, slow growers,
second waves and long-tail floors, with all-time downloads that never go down (but for the explicit
revision), a 30-day window that is the cumulative's difference, likes that follow the burst, and the
same parameters from the same seed. On the demo's real catalogue: real risers and fallers."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from tracker.emulator import figures
from tracker.emulator.builders import traits
from tracker.emulator.builders.realistic import build_realistic
from tracker.emulator.builders.synthetic import build_synthetic
from tracker.emulator.catalogue import Catalogue
from tracker.emulator.vocabulary import DAY, HubModel

WEEK = 7 * DAY
AGES = [a / 4 for a in range(0, 4 * 800)]  # every 6 hours over 800 days


def model(
    shape: int, *, tau: float, floor: float = 0.05, wave: float = 0.0, rate: float = 1000.0
) -> HubModel:
    return HubModel(
        oid="0" * 24,
        repo_id="u/m",
        created=0,
        shape=shape,
        rate=rate,
        tau_days=tau,
        floor=floor,
        wave_days=wave,
        likes_max=500,
    )


def weekly(m: HubModel, weeks: int) -> list[int]:
    """Downloads in each of the model's first `weeks` weeks."""
    return [figures.window_downloads(m, 7 * (w + 1), 7) for w in range(weeks)]


def params(cat: Catalogue) -> list[tuple]:
    return [(m.oid, m.shape, m.rate, m.tau_days, m.floor, m.wave_days, m.likes_max) for m in cat.models]


# --- the shapes --------------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", range(4))
@pytest.mark.parametrize("tau", [1.0, 9.0, 60.0, 240.0])
def test_all_time_never_decreases_and_likes_stay_within_their_maximum(shape: int, tau: float) -> None:
    m = model(shape, tau=tau, wave=35.0 * tau / 9.0)
    downloads = [figures.cumulative_downloads(m, a) for a in AGES]
    likes = [figures.likes_at(m, a) for a in AGES]
    assert downloads[0] == likes[0] == 0
    assert all(b >= a for a, b in zip(downloads, downloads[1:], strict=False)), figures.SHAPES[shape]
    assert all(b >= a for a, b in zip(likes, likes[1:], strict=False))
    assert 0 < likes[-1] <= m.likes_max
    # Each burst peaks at `rate` a day: no day downloads more than the peaks above the floor.
    daily = np.diff([figures.cumulative_downloads(m, d) for d in range(801)])
    peaks = 2 if shape == figures.WAVE else 1
    assert daily.max() <= m.rate * (peaks + m.floor) + 1


def test_a_spike_fades_to_its_floor() -> None:
    m = model(figures.SPIKE, tau=5.0, floor=0.04)
    weeks = weekly(m, 60)
    assert all(b <= a + 1 for a, b in zip(weeks, weeks[1:], strict=False))  # whole downloads: +-1
    assert weeks[0] > 10 * weeks[-1]
    assert weeks[-1] == pytest.approx(7 * m.rate * m.floor, rel=0.6)  # the power law's tail above it


def test_a_grower_rises_for_weeks_then_fades() -> None:
    m = model(figures.GROWER, tau=120.0)
    weeks = weekly(m, 60)
    peak = int(np.argmax(weeks))
    assert 16 <= peak <= 17  # about `tau_days` after creation
    assert all(b > a for a, b in zip(weeks[:peak], weeks[1 : peak + 1], strict=False))  # rises every week
    assert all(b < a for a, b in zip(weeks[peak:], weeks[peak + 1 :], strict=False))  # then fades
    assert weeks[peak] > 3 * weeks[0]
    assert weeks[peak] == pytest.approx(7 * m.rate * (1 + m.floor), rel=0.02)
    # Likes come with the downloads: a third by the peak, most of them once the curve has faded.
    assert 0.2 * m.likes_max < figures.likes_at(m, 120) < 0.5 * m.likes_max
    assert figures.likes_at(m, 500) > 0.95 * m.likes_max


def test_a_second_wave_comes_back_after_the_launch_has_faded() -> None:
    m = model(figures.WAVE, tau=4.0, wave=140.0)  # rises for wave_rise(140) = 35 days after day 140
    weeks = weekly(m, 40)
    onset = 140 // 7
    assert all(b <= a + 1 for a, b in zip(weeks[: onset - 1], weeks[1:onset], strict=False))  # launch fades
    assert all(
        b > a for a, b in zip(weeks[onset:], weeks[onset + 1 : onset + 5], strict=False)
    )  # it comes back
    assert max(weeks[onset:]) > 5 * weeks[onset - 1]
    assert figures.likes_at(m, 200) > figures.likes_at(m, 130)


def test_a_long_tail_stays_on_its_floor() -> None:
    m = model(figures.TAIL, tau=2.0, floor=0.6)
    weeks = weekly(m, 52)
    assert weeks[-1] == pytest.approx(7 * m.rate * m.floor, rel=0.05)
    assert max(weeks) < 2 * weeks[-1]


def test_before_creation_nothing() -> None:
    for shape in range(4):
        m = model(shape, tau=10.0, wave=30.0)
        assert figures.cumulative_downloads(m, -3.0) == figures.likes_at(m, -3.0) == 0
        assert figures.window_downloads(m, 10.0, 30.0) == figures.cumulative_downloads(m, 10.0)


# --- the catalogue's figures --------------------------------------------------------------------------


def test_catalogue_figures_are_the_curves(small: Catalogue) -> None:
    """All time never decreases week to week, but through the revision; the 30-day window is the
    all-time difference (before revisions); likes and the trending score follow activity."""
    revised = small.index_of(small.features["revision"][0])
    ts = [small.default_now + w * WEEK for w in range(-40, 8)]
    for i in range(0, len(small), 7):
        m = small.models[i]
        before = None
        for t in ts:
            f = small.figures(i, t)
            age = (t - m.created) / DAY
            raw = figures.cumulative_downloads(m, age)
            assert f.downloads == raw - figures.cumulative_downloads(m, age - 30)
            if i != revised:
                assert f.downloads_all_time == raw
                assert f.downloads == raw - small.figures(i, t - 30 * DAY).downloads_all_time
                if before is not None:
                    assert f.downloads_all_time >= before.downloads_all_time
            if before is not None:
                assert f.likes >= before.likes
            d7 = raw - figures.cumulative_downloads(m, age - 7)
            likes_7d = f.likes - figures.likes_at(m, age - 7)
            assert f.trending_score == figures.trending_score(d7, likes_7d)
            before = f
    m = small.models[revised]
    assert (
        small.figures(revised, m.revision_at).downloads_all_time
        < small.figures(revised, m.revision_at - 1).downloads_all_time
    )


def test_every_shape_in_the_synthetic_hub_derivatives_mostly_spikes_roots_growers(
    catalogue: Catalogue,
) -> None:
    shapes = Counter(figures.SHAPES[m.shape] for m in catalogue.models if m.relation)
    assert set(shapes) == set(figures.SHAPES)
    assert shapes["spike"] > 0.5 * sum(shapes.values())
    assert shapes["grower"] > 0.05 * sum(shapes.values())
    root = catalogue.models[catalogue.index_of("meta-llama/Llama-3.1-8B")]
    assert root.shape == figures.GROWER
    assert root.floor == 0.35
    # Popular derivatives grow over months more often than the others.
    derivatives = [m for m in catalogue.models if m.relation]
    popular = [m for m in derivatives if m.rate >= traits.POPULAR]
    share = sum(m.shape == figures.GROWER for m in popular) / len(popular)
    assert share > 1.5 * sum(m.shape == figures.GROWER for m in derivatives) / len(derivatives)


def test_same_seed_same_curves_other_seed_others() -> None:
    a, b, c = (build_synthetic(seed=s, models=1500) for s in (4, 4, 5))
    assert params(a) == params(b)
    assert params(a) != params(c)
    assert traits.dynamics(12345, "quantized", 3.0, 0.5, 0.5) == traits.dynamics(
        12345, "quantized", 3.0, 0.5, 0.5
    )


def test_the_compact_part_draws_the_same_curves_each_time() -> None:
    cat = build_realistic(seed=2, models=20_000, llama=600)
    compact = cat.compact
    assert compact is not None
    js = range(0, len(compact), 97)
    first = [(compact.model(j).shape, compact.model(j).tau_days, compact.model(j).wave_days) for j in js]
    compact.model.cache_clear()
    assert first == [
        (compact.model(j).shape, compact.model(j).tau_days, compact.model(j).wave_days) for j in js
    ]
    assert {s for s, _, _ in first} == set(range(4))


# --- the demo ------------------------------------------------------------------------------------------


def tracked(real: Catalogue, at: int) -> set[int]:
    """The derivatives the shipped ecosystems file tracks at `at`, near enough: models listed then that
    descend, through listed models, from a model of the five ecosystems' organisations."""
    roots = ("meta-llama/", "codellama/", "qwen/", "mistralai/", "google/", "deepseek-ai/")
    children: dict[int, list[int]] = {}
    for i, m in enumerate(real.models):
        for p in m.parents:
            if isinstance(p, int):
                children.setdefault(p, []).append(i)
    todo = [
        i for i, m in enumerate(real.models) if m.repo_id.lower().startswith(roots) and real.listed(i, at)
    ]
    seen = set(todo)
    while todo:
        for c in children.get(todo.pop(), ()):
            if c not in seen and real.listed(c, at):
                seen.add(c)
                todo.append(c)
    return {i for i in seen if not real.models[i].repo_id.lower().startswith(roots)}


@pytest.mark.slow
def test_the_demo_has_risers_and_fallers_by_thousands(real: Catalogue) -> None:
    """Weekly downloads (all-time delta over a week) of the derivatives the demo tracks, at its last two
    week ends: risers and fallers that clear the Movers page's floors (`tracker.core.movers`), ranked
    without ties, and relative risers from a thousand weekly downloads up."""
    from tracker.core.movers import MIN_BEFORE, MIN_CHANGE, MIN_SHARE
    from tracker.run.demo import demo_instants  # the demo's week ends: tracker.run may import the emulator

    last, before = demo_instants()[-1], demo_instants()[-2]
    models = tracked(real, last)
    assert len(models) > 30_000
    rose, fell, relative = [], [], []
    for i in models:
        if real.listed(i, before - WEEK):
            a, b, c = (real.figures(i, t).downloads_all_time for t in (before - WEEK, before, last))
            now, was = c - b, b - a
            if now - was >= MIN_CHANGE and now - was >= MIN_SHARE * was:
                rose.append(now - was)
                if was >= MIN_BEFORE:
                    relative.append(now / was)
            if was - now >= MIN_CHANGE and was - now >= MIN_SHARE * was:
                fell.append(was - now)
    # seed 0: 38 risers (+38,438 the largest), 32 of them from 1,000 weekly downloads up; 98 fallers
    assert len(rose) >= 20
    assert len(relative) >= 10
    assert len(fell) >= 20
    assert len(set(rose)) == len(rose)  # a ranking, not a tie
    assert max(rose) > 10_000
