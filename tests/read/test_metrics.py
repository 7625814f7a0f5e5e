"""Metrics: golden tables on a literal history (hand-computed), then an emulator history against truth."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import pandas as pd
import pytest
from sqlalchemy import Engine

from tracker.collect.hub import HubClient
from tracker.core.ecosystems import load_ecosystems, select_ecosystems
from tracker.core.measures import quant_format
from tracker.core.movers import Floors
from tracker.emulator.builders.synthetic import build_synthetic
from tracker.emulator.routes.server import HubEmulator
from tracker.emulator.truth import ground_truth
from tracker.read import metrics
from tracker.run.snapshot import take_snapshot

T1, T2, T3 = (pd.Timestamp(d, tz="UTC") for d in ("2026-01-05", "2026-01-12", "2026-01-26"))
RUN_AT = {1: T1, 2: T2, 3: T3}

# model -> (family, relation, depth, author, created_at, library, tags, licence, {run: (all_time, 30d)})
MODELS = {
    "m/base": (
        "F",
        "base",
        0,
        "m",
        "2025-06-01",
        "transformers",
        [],
        "llama3",
        {1: (900, 90), 2: (990, 90), 3: (1200, 99)},
    ),
    "a/ft": (
        "F",
        "finetune",
        1,
        "a",
        "2025-12-29",
        "transformers",
        [],
        "mit",
        {1: (100, 30), 2: (170, 40), 3: (310, 60)},
    ),
    "b/q": (
        "F",
        "quantized",
        1,
        "b",
        "2025-12-31",
        "gguf",
        ["gguf"],
        "llama3",
        {1: (50, 20), 2: (40, 15), 3: (60, 25)},
    ),
    "c/ad": ("G", "adapter", 2, "a", "2026-01-08", "peft", ["lora"], None, {2: (5, 5), 3: (9, 4)}),
    "d/gone": ("G", "finetune", 1, "d", "2025-12-20", "transformers", [], "mit", {1: (10, 3)}),
}


def literal_history() -> pd.DataFrame:
    rows = []
    for model_id, (family, relation, depth, author, created, library, tags, licence, runs) in MODELS.items():
        previous = None
        for run in (1, 2, 3):
            if run not in runs:
                previous = None
                continue
            all_time, d30 = runs[run]
            delta = all_time - previous if previous is not None else None
            rows.append(
                {
                    "run_id": run,
                    "taken_at": RUN_AT[run],
                    "ecosystem": "llama",
                    "family": family,
                    "model_id": model_id,
                    "relation": relation,
                    "depth": depth,
                    "downloads_30d": d30,
                    "downloads_all_time": all_time,
                    "downloads_delta": delta,
                    "likes": 0,
                    "trending_score": 0,
                    "live_providers": None,
                    "author": author,
                    "created_at": pd.Timestamp(created, tz="UTC"),
                    "library_name": library,
                    "license": licence,
                    "tags": tags,
                }
            )
            previous = all_time
    return metrics._typed(pd.DataFrame(rows))


def records(frame: pd.DataFrame, columns: list[str]) -> list[tuple]:
    return [tuple(None if pd.isna(v) else v for v in row) for row in frame[columns].itertuples(index=False)]


def test_counts_new_and_backfill() -> None:
    h = literal_history()
    assert records(metrics.compute_counts(h), ["run_id", "derivatives"]) == [(1, 3), (2, 3), (3, 3)]
    by_family = metrics.compute_counts(h, "family")
    assert records(by_family, ["run_id", "family", "derivatives"]) == [
        (1, "F", 2),
        (1, "G", 1),
        (2, "F", 2),
        (2, "G", 1),
        (3, "F", 2),
        (3, "G", 1),
    ]
    assert records(metrics.compute_new(h), ["run_id", "new"]) == [(1, None), (2, 1), (3, 0)]
    backfill = metrics.compute_backfill(h)
    assert records(backfill, ["week", "ecosystem", "new", "backfilled"]) == [
        (pd.Timestamp("2025-12-15", tz="UTC"), "llama", 1, True),
        (pd.Timestamp("2025-12-29", tz="UTC"), "llama", 2, True),
    ]


def test_downloads_deltas_weeks_and_negative_revisions() -> None:
    d = metrics.compute_downloads(literal_history())
    assert records(
        d,
        [
            "run_id",
            "downloads_30d",
            "downloads_delta",
            "weeks",
            "weekly_downloads",
            "negative_deltas",
            "negative_sum",
        ],
    ) == [
        (1, 53, None, None, None, 0, 0),
        (2, 60, 60, 1.0, 60, 1, -10),  # b/q was revised down by 10: kept, flagged
        (3, 89, 164, 2.0, 82, 0, 0),  # two weeks between runs: 164 / 2
    ]
    growth = metrics.compute_growth(d, "weekly_downloads", periods=(1,))
    assert growth["weekly_downloads_growth_1"].iloc[-1] == pytest.approx((82 - 60) / 60)


def test_movers_and_entrants() -> None:
    # Even at floors of 10 a week and 10%, nobody moved: a/ft had 70 a week both times; b/q's +20 is over
    # a figure before of -10 a week (a Hub revision), which is no base; c/ad has no figure before.
    floors = Floors(change=10, share=0.1, before=50)
    movers = metrics.compute_movers(literal_history(), n=2, floors=floors)
    for board in ("risers", "fallers", "relative_risers"):
        assert movers[board].empty, board
    assert records(movers["compared"], ["run_id", "taken_at"]) == [(3, T3), (2, T2)]
    assert movers["entrants"].empty
    entrants = metrics.compute_movers(literal_history(), n=3, floors=floors)["entrants"]
    assert list(entrants["model_id"]) == ["c/ad"]


@pytest.mark.parametrize(
    ("values", "top", "share", "hhi"),
    [
        ([50, 30, 20], 1, 0.5, 3800.0),
        ([25, 25, 25, 25], 2, 0.5, 2500.0),
        ([7], 10, 1.0, 10000.0),
        ([10, 0, None, 30], 1, 0.75, 6250.0),
    ],
)
def test_concentration(values: list, top: int, share: float, hhi: float) -> None:
    result = metrics.compute_concentration(pd.Series(values, dtype="Float64"), top=top)
    assert result["top_share"] == pytest.approx(share)
    assert result["hhi"] == pytest.approx(hhi)


def test_concentration_of_nothing_is_undefined() -> None:
    assert math.isnan(metrics.compute_concentration(pd.Series([], dtype="Float64"))["hhi"])


def test_builders_leaderboard() -> None:
    b = metrics.compute_builders(literal_history())
    assert records(b, ["author", "derivatives", "downloads_30d", "weekly_downloads"]) == [
        ("a", 2, 64, 72),
        ("b", 1, 25, 10),
    ]
    assert b["share_30d"].iloc[0] == pytest.approx(64 / 89)


@pytest.mark.parametrize(
    ("tags", "library", "expected"),
    [
        (["gguf", "llama-cpp"], "gguf", "GGUF"),
        ([], "gguf", "GGUF"),
        (["safetensors", "4-bit", "awq"], None, "AWQ"),
        (["gptq"], "transformers", "GPTQ"),
        (["exl2", "8-bit"], None, "EXL2"),
        (["mlx"], "mlx", "MLX"),
        (["4-bit", "bitsandbytes"], "transformers", "bitsandbytes"),
        (["safetensors"], "transformers", "other"),
        ('["gguf"]', None, "GGUF"),
        (None, None, "other"),
    ],
)
def test_quant_format(tags: object, library: str | None, expected: str) -> None:
    assert quant_format(tags, library) == expected  # type: ignore[arg-type]


def test_formats_licences_depths() -> None:
    h = literal_history()
    assert records(metrics.compute_formats(h), ["run_id", "format", "derivatives"]) == [
        (1, "GGUF", 1),
        (2, "GGUF", 1),
        (3, "GGUF", 1),
    ]
    licences = metrics.compute_licences(h)
    assert records(licences[licences["run_id"] == 3], ["license", "derivatives"]) == [
        ("llama3", 1),
        ("mit", 1),
        ("none", 1),
    ]
    depths = metrics.compute_depths(h)
    assert records(depths[depths["run_id"] == 2], ["depth", "models"]) == [(0, 1), (1, 2), (2, 1)]


def test_orphans_lost_and_unknown_bases() -> None:
    edges = pd.DataFrame(
        [
            (3, "a/ft", "m/base", "finetune"),
            (3, "b/q", "m/base", "quantized"),
            (3, "c/ad", "a/ft", "adapter"),
            (3, "c/ad", "d/gone", "adapter"),
            (3, "a/ft", "ghost/x", "finetune"),
            (1, "d/gone", "m/base", "finetune"),
        ],
        columns=["run_id", "child_id", "parent_id", "relation"],
    )
    orphans = metrics.compute_orphans(literal_history(), edges)
    assert records(orphans, ["model_id", "parent_id", "reason"]) == [
        ("a/ft", "ghost/x", "unknown"),
        ("c/ad", "d/gone", "lost"),
    ]


# --- an emulator history against ground truth --------------------------------------------------------------


@pytest.mark.slow
def test_emulator_history_agrees_with_ground_truth(engine: Engine) -> None:
    cat = build_synthetic(seed=11, models=4000)
    ecosystems = select_ecosystems(load_ecosystems(), ["llama", "qwen"])
    emulator = HubEmulator(cat)
    emulator.start()
    truths = []
    try:
        for week in range(3):
            if week:
                emulator.advance(7 * 86_400)
            truths.append(ground_truth(cat, ecosystems, emulator.now))
            with HubClient(emulator.url) as client:
                at = datetime.fromtimestamp(emulator.now, UTC)  # the run represents the emulator's instant
                take_snapshot(engine, client, ecosystems, strategy="scan", taken_at=at)
    finally:
        emulator.stop()
    history = metrics.load_history(engine)
    counts = metrics.compute_counts(history, "family")
    downloads = metrics.compute_downloads(history)
    new = metrics.compute_new(history)
    for i, truth in enumerate(truths):
        run_id = i + 1
        expected_counts: dict[tuple[str, str], int] = {}
        for m in truth.models:
            if m.depth > 0:
                expected_counts[(m.ecosystem, m.family)] = expected_counts.get((m.ecosystem, m.family), 0) + 1
        got = counts[counts["run_id"] == run_id]
        assert (
            dict(zip(zip(got["ecosystem"], got["family"], strict=True), got["derivatives"], strict=True))
            == expected_counts
        )
        if i == 0:
            continue
        before = {(m.ecosystem, m.model_id): m for m in truths[i - 1].models}
        for eco in ("llama", "qwen"):
            now = [m for m in truth.models if m.ecosystem == eco and m.depth > 0]
            delta = sum(
                m.downloads_all_time - before[(eco, m.model_id)].downloads_all_time
                for m in now
                if (eco, m.model_id) in before
            )
            fresh = sum(
                1 for m in now if (eco, m.model_id) not in before or before[(eco, m.model_id)].depth == 0
            )
            row = downloads[(downloads["run_id"] == run_id) & (downloads["ecosystem"] == eco)].iloc[0]
            assert row["downloads_delta"] == delta
            assert row["weekly_downloads"] == delta  # exactly a week apart
            assert row["downloads_30d"] == sum(m.downloads_30d for m in now)
            got_new = new[(new["run_id"] == run_id) & (new["ecosystem"] == eco)]["new"].iloc[0]
            assert got_new == fresh
