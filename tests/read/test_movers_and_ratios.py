"""Movers and relative adoption through the read layer, on literal histories: weekly figures from the all-time
counts (over a two-week gap), the floors, shared ranks, base models left out; the Compare page's standing
with references under the floor. Then the roll-ups' movers against the whole history's, on emulator weeks
where many models move (most of them under the floors)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import text

from tests.support.dashboard_db import build_database
from tests.support.moves import rewrite
from tracker.core.adoption import compute_relative_adoption
from tracker.read import compare, metrics, queries
from tracker.read.metrics import Filters
from tracker.storage.database import open_store

T1, T2, T3 = (pd.Timestamp(d, tz="UTC") for d in ("2026-01-05", "2026-01-12", "2026-01-26"))

# model -> (depth, all-time downloads at T1, T2, T3); T3 is two weeks after T2: its weekly figure is half
ALL_TIME = {
    "m/base": (0, 0, 10_000, 110_000),  # a base model: 10,000 -> 50,000 a week, but not a derivative
    "r/riser": (1, 1_400, 3_000, 11_000),  # 1,600 -> 4,000 a week: +2,400, +150%
    "r/steady": (1, 0, 100_000, 310_000),  # 100,000 -> 105,000: +5%, not a riser
    "r/fader": (1, 0, 20_000, 38_000),  # 20,000 -> 9,000: -11,000, -55%
    "r/twin-a": (1, 0, 2_000, 9_000),  # 2,000 -> 3,500: +1,500, +75%
    "r/twin-b": (1, 5, 2_005, 9_005),  # the same figures
    "r/revised": (1, 5_000, 1_000, 7_000),  # -4,000 (a revision) -> 3,000: no base, no rise
    "r/quiet": (1, 0, 500, 1_300),  # 500 -> 400
}


def history() -> pd.DataFrame:
    rows = []
    for model_id, (depth, *counts) in ALL_TIME.items():
        previous = None
        for run, (at, count) in enumerate(zip((T1, T2, T3), counts, strict=True), start=1):
            rows.append(
                {
                    "run_id": run,
                    "taken_at": at,
                    "ecosystem": "llama",
                    "family": "Llama 3.1",
                    "model_id": model_id,
                    "relation": "base" if depth == 0 else "finetune",
                    "depth": depth,
                    "downloads_30d": 0,
                    "downloads_all_time": count,
                    "downloads_delta": None if previous is None else count - previous,
                    "likes": 0,
                    "trending_score": 0,
                    "live_providers": None,
                    "author": model_id.split("/")[0],
                    "created_at": T1,
                    "library_name": "transformers",
                    "license": "mit",
                    "tags": [],
                }
            )
            previous = count
    return metrics._typed(pd.DataFrame(rows))


def listed(board: pd.DataFrame, *columns: str) -> list[tuple]:
    return [tuple(row) for row in board[["model_id", *columns]].itertuples(index=False)]


def test_movers_of_a_literal_history() -> None:
    movers = metrics.compute_movers(history(), n=10)
    assert listed(
        movers["risers"], "weekly_downloads_before", "weekly_downloads", "change", "rank", "tied"
    ) == [
        ("r/riser", 1_600, 4_000, 2_400, 1, False),
        ("r/twin-a", 2_000, 3_500, 1_500, 2, True),
        ("r/twin-b", 2_000, 3_500, 1_500, 2, True),
    ]
    assert listed(movers["fallers"], "change", "rank") == [("r/fader", -11_000, 1)]
    assert listed(movers["relative_risers"], "relative_change", "rank", "tied") == [
        ("r/riser", 1.5, 1, False),
        ("r/twin-a", 0.75, 2, True),
        ("r/twin-b", 0.75, 2, True),
    ]
    assert movers["compared"]["run_id"].tolist() == [3, 2]
    # the top 2 by weekly downloads now (r/steady, r/fader) were the top 2 before: no entrant; the 3rd
    # now (r/riser) was 4th before (behind r/twin-a)
    assert metrics.compute_movers(history(), n=2)["entrants"].empty
    assert movers["entrants"].empty  # n=10: every derivative was in the top 10 before
    assert listed(metrics.compute_movers(history(), n=3)["entrants"], "weekly_downloads") == [
        ("r/riser", 4_000)
    ]


def test_a_single_run_has_no_movers() -> None:
    first = history()
    movers = metrics.compute_movers(first[first["run_id"] == 1], n=5)
    assert movers["compared"].empty
    assert all(movers[board].empty for board in ("risers", "fallers", "relative_risers", "entrants"))


def test_the_standing_leaves_references_under_the_floor_out() -> None:
    at = {T1: None, T2: None}
    figures = {f"s/{i}": 200 for i in range(9)} | {"s/tenth": 1} | {f"m/{i}": 2_000 for i in range(10)}
    observations = pd.DataFrame(
        [{"model_id": m, "taken_at": t, "downloads_all_time": v} for m, v in figures.items() for t in at]
    )
    roots = pd.DataFrame(
        {
            "model_id": list(figures),
            "ecosystem": ["llama"] * 10 + ["qwen"] * 10,
            "created_at": T1 - pd.Timedelta(days=7),
            "size_class": ["<3B"] * 10 + ["3-9B"] * 10,
        }
    )
    adoption = compute_relative_adoption(observations, roots, latest=T2, milestones=(7,))
    assert adoption.loc[adoption["ecosystem"] == "llama", "note"].str.startswith("reference too small").all()
    standing = compare.compute_standing(adoption)
    assert standing.to_dict("records") == [
        {"ecosystem": "llama", "on_track": 0, "below": 0, "no_ratio": 10},
        {"ecosystem": "qwen", "on_track": 10, "below": 0, "no_ratio": 0},
    ]


# --- the roll-ups rank as the whole history does --------------------------------------------------------

DERIVATIVES = """
SELECT DISTINCT m.model_id FROM membership AS m
JOIN model_snapshot AS one ON one.model_id = m.model_id AND one.run_id = 1
JOIN model_snapshot AS two ON two.model_id = m.model_id AND two.run_id = 2
WHERE m.run_id = 3 AND m.depth > 0
  AND one.downloads_all_time IS NOT NULL AND two.downloads_all_time IS NOT NULL
ORDER BY m.model_id
"""


@pytest.mark.slow
def test_the_rollups_rank_movers_as_the_history_when_many_move(tmp_path: Path) -> None:
    """Half the derivatives become large models whose week moves by 5% (more change than any riser's, but
    under the 25% floor): the roll-ups' boards, kept per family and relation, must still hold the risers
    and fallers that clear the floors, and rank them as the whole history does."""
    url = build_database(tmp_path / "weeks.db")
    engine = open_store(url)
    try:
        with engine.connect() as connection:
            ids = list(connection.execute(text(DERIVATIVES)).scalars())
    finally:
        engine.dispose()
    moves = {}
    for i, model_id in enumerate(ids):
        kind, turn = i % 6, i // 6
        if kind < 3:  # 50,000 a week more, both weeks, then +2,500 or +3,000 (about 5%): not a riser
            moves[model_id] = (50_000, 50_000 + (2_500, 3_000)[turn % 2])
        elif kind == 3:  # a riser: +1,000, +1,500 or +2,000 over a few thousand at most
            moves[model_id] = (0, (1_000, 1_500, 2_000)[turn % 3])
        elif kind == 4:  # a faller: its week before raised, its week now as steady
            moves[model_id] = ((1_000, 1_500, 4_000)[turn % 3], 0)
    rewrite(url, moves)
    engine = open_store(url)
    try:
        for filters in (
            Filters(),
            Filters(ecosystems=("llama",), families=("Llama 3.1",)),
            Filters(ecosystems=("qwen",), relations=("quantized", "finetune")),
        ):
            history = metrics.load_history(engine, filters)
            for n in (5, 50):
                expected = metrics.compute_movers(history, n=n)
                found = queries.load_movers(engine, filters, n=n)
                for board in ("risers", "fallers", "relative_risers"):
                    columns = ["ecosystem", "model_id", "weekly_downloads", "change", "rank", "tied"]
                    a = expected[board][columns].reset_index(drop=True).astype(str)
                    b = found[board][columns].reset_index(drop=True).astype(str)
                    assert a.equals(b), (filters, n, board)
                assert len(expected["risers"]) >= min(n, 10), (filters, n)  # not vacuous
    finally:
        engine.dispose()
