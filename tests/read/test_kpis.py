"""The Overview's headline figures (`tracker.read.kpis`) on literal rows: sums per run that keep a run
with no figure missing, and the fastest-growing family, its floor and its ties."""

from __future__ import annotations

import pandas as pd

from tracker.read import kpis


def _families(rows: list[tuple[int, str, str, str, int]]) -> pd.DataFrame:
    """The series per run, ecosystem and family: (run_id, day, ecosystem, family, derivatives)."""
    frame = pd.DataFrame(rows, columns=["run_id", "taken_at", "ecosystem", "family", "derivatives"])
    frame["taken_at"] = pd.to_datetime(frame["taken_at"], utc=True)
    frame["derivatives"] = frame["derivatives"].astype("Int64")
    return frame


def test_the_fastest_family_clears_the_floor_and_ties_go_to_the_first_name() -> None:
    counts = _families(
        [
            (1, "2025-06-02", "llama", "Llama 3", 10),
            (1, "2025-06-02", "llama", "Code Llama", 8),
            (1, "2025-06-02", "qwen", "Code Llama", 12),  # one family in two ecosystems: summed, 20
            (1, "2025-06-02", "llama", "Llama 2", 9),  # under the floor of 10: not ranked
            (1, "2025-06-02", "llama", "Llama 1", 40),
            (2, "2025-06-09", "llama", "Llama 3", 15),  # +50%
            (2, "2025-06-09", "llama", "Code Llama", 30),  # +50%, a tie: "Code Llama" comes first
            (2, "2025-06-09", "llama", "Llama 2", 90),  # +900%, from 9
            (2, "2025-06-09", "llama", "Llama 4", 500),  # new: no previous run to grow from
            # Llama 1 is gone from the latest run: not ranked
        ]
    )
    assert kpis.fastest_family(counts) == ("Code Llama", 0.5)
    assert kpis.fastest_family(counts, minimum=9) == ("Llama 2", 9.0)
    assert kpis.fastest_family(counts, minimum=41) == (None, None)
    assert kpis.fastest_family(counts.iloc[0:0]) == (None, None)


def test_the_fastest_family_grows_from_its_own_previous_run() -> None:
    """A family missing from a run grows from the run it was last in, as `metrics.compute_growth` has it;
    the runs go by date, whatever their ids (a backfilled run slots in before later ones)."""
    counts = _families(
        [
            (5, "2025-05-26", "llama", "Llama 3", 20),
            (5, "2025-05-26", "llama", "Llama 3.1", 100),
            (2, "2025-06-02", "llama", "Llama 3.1", 110),  # a backfilled run: id 2, dated between
            (7, "2025-06-09", "llama", "Llama 3", 30),  # +50% against run 5
            (7, "2025-06-09", "llama", "Llama 3.1", 121),  # +10% against run 2
        ]
    )
    assert kpis.fastest_family(counts) == ("Llama 3", 0.5)


def test_the_headline_figures_sum_each_run_and_keep_a_run_without_figures_missing() -> None:
    series = pd.DataFrame(
        {
            "run_id": [1, 1, 2, 2],
            "taken_at": pd.to_datetime(["2025-06-02"] * 2 + ["2025-06-09"] * 2, utc=True),
            "ecosystem": ["llama", "qwen"] * 2,
            "derivatives": pd.array([100, 50, 130, 70], dtype="Int64"),
            "new": pd.array([None, None, 30, 20], dtype="Int64"),
            "weekly_downloads": pd.array([None, None, 1_000.0, None], dtype="Float64"),
        }
    )
    families = _families(
        [(1, "2025-06-02", "llama", "Llama 3", 100), (2, "2025-06-09", "llama", "Llama 3", 130)]
    )
    derivatives, new, weekly, fastest = kpis.overview(series, families)
    assert (derivatives.value, derivatives.delta) == ("200", "+50")
    assert (new.value, new.delta, new.before) == ("50", None, None)  # the first run counts no new model
    assert (weekly.value, weekly.delta) == ("1,000", None)
    assert (fastest.value, fastest.delta) == ("Llama 3", "+30.0%")
