"""Who is a mover, on literal rows: the floors (absolute and relative, inclusive), ties sharing a rank, the
cut at n, a model in two ecosystems, Hub revisions, nobody clearing the floor, and the sentences."""

from __future__ import annotations

import pandas as pd
import pytest

from tracker.core import movers
from tracker.core.movers import Floors

# model -> (weekly downloads the run before, this run); None: no figure (not a member the run before)
WEEKLY = {
    "a/launch": (0, 1_500),  # from nothing: needs only the 1,000
    "b/spike": (2_000, 9_000),  # +7,000, +350%
    "c/big-steady": (100_000, 110_000),  # +10,000 but +10%: not a riser
    "d/grow": (4_000, 5_000),  # +1,000, +25% exactly: both floors are inclusive
    "e/grow": (3_000, 4_000),  # +1,000, +33%: ties with d/grow
    "f/small": (10, 900),  # +890: under 1,000
    "g/fade": (20_000, 12_000),  # -8,000, -40%
    "h/dip": (50_000, 45_000),  # -5,000 but -10%: not a faller
    "i/revised": (-5_000, 3_000),  # the figure before is a Hub revision: +8,000 means nothing
    "k/new": (None, 50_000),  # no figure before: an entrant, not a riser
    "l/to-zero": (1_000, 0),  # -1,000, -100%
    "m/fall": (1_400, 400),  # -1,000, -71%: ties with l/to-zero
}


def rows(weekly: dict = WEEKLY, ecosystem: str = "llama") -> pd.DataFrame:
    frame = pd.DataFrame(
        [
            {
                "ecosystem": ecosystem,
                "model_id": model_id,
                "family": "Llama 3.1",
                "relation": "finetune",
                "author": model_id.split("/")[0],
                "weekly_downloads": now,
                "weekly_downloads_before": before,
            }
            for model_id, (before, now) in weekly.items()
        ]
    )
    for name in ("weekly_downloads", "weekly_downloads_before"):
        frame[name] = pd.array(frame[name], dtype="Int64")
    return frame


def listed(board: pd.DataFrame, *columns: str) -> list[tuple]:
    return [
        tuple(None if pd.isna(v) else v for v in row)
        for row in board[["model_id", *columns]].itertuples(index=False)
    ]


def test_the_documented_floors() -> None:
    assert (movers.MIN_CHANGE, movers.MIN_SHARE, movers.MIN_BEFORE) == (1_000, 0.25, 1_000)
    assert movers.FLOORS == Floors(1_000, 0.25, 1_000)


def test_risers_clear_both_floors_and_ties_share_a_rank() -> None:
    # j/both is in two ecosystems with the same figures: one row, +1,200
    frame = pd.concat([rows(), rows({"j/both": (1_000, 2_200)}), rows({"j/both": (1_000, 2_200)}, "qwen")])
    risers = movers.rank(frame, "risers", n=10)
    assert listed(risers, "ecosystem", "change", "rank", "tied") == [
        ("b/spike", "llama", 7_000, 1, False),
        ("a/launch", "llama", 1_500, 2, False),
        ("j/both", "llama, qwen", 1_200, 3, False),
        ("d/grow", "llama", 1_000, 4, True),
        ("e/grow", "llama", 1_000, 4, True),
    ]
    assert [movers.rank_label(r, t) for r, t in zip(risers["rank"], risers["tied"], strict=True)] == [
        "1",
        "2",
        "3",
        "=4",
        "=4",
    ]
    # relative change only over a base of 1,000 a week: a/launch (0 before) has none
    assert listed(risers, "relative_change")[1] == ("a/launch", None)
    assert list(risers.columns) == movers.COLUMNS


def test_the_cut_at_n_keeps_the_true_rank_and_the_tie_beyond_it() -> None:
    risers = movers.rank(rows(), "risers", n=3)
    assert listed(risers, "rank", "tied") == [
        ("b/spike", 1, False),
        ("a/launch", 2, False),
        ("d/grow", 3, True),
    ]


def test_fallers_mirror_the_risers() -> None:
    fallers = movers.rank(rows(), "fallers", n=10)
    assert listed(fallers, "change", "rank", "tied") == [
        ("g/fade", -8_000, 1, False),
        ("l/to-zero", -1_000, 2, True),
        ("m/fall", -1_000, 2, True),
    ]
    assert movers.is_ranking(fallers)


def test_relative_growth_only_over_a_meaningful_base() -> None:
    relative = movers.rank(rows(), "relative_risers", n=10)
    assert listed(relative, "relative_change", "rank") == [
        ("b/spike", 3.5, 1),
        ("e/grow", pytest.approx(1 / 3), 2),
        ("d/grow", 0.25, 3),
    ]


def test_a_floor_is_a_floor_not_a_rounding() -> None:
    just_under = rows(
        {
            "x/a": (4_000, 4_999),  # +999
            "x/b": (4_001, 5_001),  # +1,000 but 24.99%
            "x/c": (0, 999),
            "x/d": (-1, 5_000),  # a revision before
            "x/e": (5_000, -3_000),  # a revision now: not a fall of 8,000
        }
    )
    for board in movers.RANKED_BY:
        assert movers.rank(just_under, board, n=10).empty, board


def test_nobody_clears_the_floor_says_so() -> None:
    quiet = rows({"q/a": (10_000, 10_900), "q/b": (1, 2), "q/c": (500, 400)})
    found = movers.boards(quiet, n=5)
    assert all(board.empty for board in found.values())
    assert list(found) == ["risers", "fallers", "relative_risers"]
    assert list(found["risers"].columns) == movers.COLUMNS
    assert movers.nobody("risers") == (
        "No model's weekly downloads rose by at least 1,000 and 25% since the previous run."
    )
    assert movers.nobody("fallers") == (
        "No model's weekly downloads fell by at least 1,000 and 25% since the previous run."
    )
    assert movers.nobody("relative_risers") == (
        "No model with at least 1,000 weekly downloads the run before rose by at least 1,000 and 25%."
    )


def test_a_list_where_everybody_ties_is_not_a_leaderboard() -> None:
    tied = movers.rank(rows({"t/a": (2_000, 3_000), "t/b": (0, 1_000), "t/c": (3_000, 4_000)}), "risers", 5)
    assert listed(tied, "rank", "tied") == [("t/a", 1, True), ("t/b", 1, True), ("t/c", 1, True)]
    assert not movers.is_ranking(tied)
    assert movers.all_tied(tied, "risers") == (
        "The 3 models listed all rose by 1,000 weekly downloads: a tie, not a ranking."
    )
    one = movers.rank(rows({"t/a": (2_000, 3_000)}), "risers", 5)
    assert not movers.is_ranking(one)  # one bar is no leaderboard either
    assert movers.all_tied(one, "risers") == ""
    ranked = movers.rank(rows(), "risers", 5)
    assert movers.is_ranking(ranked)
    assert movers.all_tied(ranked, "risers") == ""


def test_other_floors_are_honoured() -> None:
    loose = Floors(change=500, share=0.05, before=100)
    risers = movers.rank(rows(), "risers", n=10, floors=loose)
    assert listed(risers, "change") == [
        ("c/big-steady", 10_000),
        ("b/spike", 7_000),
        ("a/launch", 1_500),
        ("d/grow", 1_000),
        ("e/grow", 1_000),
        ("f/small", 890),
    ]
    assert movers.nobody("risers", loose) == (
        "No model's weekly downloads rose by at least 500 and 5% since the previous run."
    )
    assert movers.describe() == (
        "A riser's weekly downloads rose by at least 1,000 and by at least 25% of its figure the run "
        "before; a faller's fell by as much."
    )
