"""Relative adoption on literal tables: interpolation between runs, the milestones history does not reach,
the reference of each size class (fewer than ten roots, ties, unknown sizes), the floor under the reference.

The first tests set the floor to 0 (`min_reference=0`) to check the arithmetic on small figures; the
floor's own tests use the documented one."""

from __future__ import annotations

import pandas as pd
import pytest

from tracker.core.adoption import COLUMNS, MIN_REFERENCE, compute_relative_adoption

T0, T1, T2 = (pd.Timestamp(d, tz="UTC") for d in ("2026-01-01", "2026-01-11", "2026-01-31"))


def _observations(figures: dict[str, dict[pd.Timestamp, int | None]]) -> pd.DataFrame:
    rows = [
        {"model_id": model_id, "taken_at": at, "downloads_all_time": value}
        for model_id, by_run in figures.items()
        for at, value in by_run.items()
    ]
    frame = pd.DataFrame(rows)
    frame["downloads_all_time"] = pd.array(frame["downloads_all_time"], dtype="Int64")
    return frame


def _roots(created: dict[str, str | None], size: str = "3-9B", **extra: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "model_id": list(created),
            "ecosystem": [extra.get("ecosystem", "llama")] * len(created),
            "created_at": pd.to_datetime(list(created.values()), utc=True),
            "size_class": [size] * len(created),
        }
    )


def _at(frame: pd.DataFrame, model_id: str, days: int) -> pd.Series:
    (row,) = frame[(frame["model_id"] == model_id) & (frame["days"] == days)].itertuples(index=False)
    return pd.Series(row._asdict())


def test_values_interpolate_between_the_runs_around_each_age() -> None:
    observations = _observations({"a/base": {T0: 100, T1: 200, T2: 400}, "e/base": {T0: 70, T1: 90, T2: 95}})
    roots = _roots({"a/base": "2025-12-30", "e/base": "2025-12-25"})
    out = compute_relative_adoption(
        observations, roots, latest=T2, milestones=(7, 14, 30, 60), top=2, min_reference=0
    )
    assert list(out.columns) == ["model_id", "ecosystem", *COLUMNS[1:]]
    assert _at(out, "a/base", 7)["downloads"] == pytest.approx(150)  # 5 of the 10 days from 100 to 200
    assert _at(out, "a/base", 14)["downloads"] == pytest.approx(220)  # 2 of the 20 days from 200 to 400
    assert _at(out, "a/base", 30)["downloads"] == pytest.approx(380)
    assert _at(out, "a/base", 7)["at"] == pd.Timestamp("2026-01-06", tz="UTC")
    exact = _at(out, "e/base", 7)  # 2025-12-25 + 7 days is the first run itself
    assert (exact["downloads"], exact["status"]) == (70, "recorded")
    late = _at(out, "a/base", 60)
    assert late["status"] == "not reached"
    assert pd.isna(late["downloads"])
    assert pd.isna(late["ratio"])
    assert late["note"] == "not reached"
    # two roots of the size at 7 days, top 2: the reference is the smaller, 70
    assert _at(out, "a/base", 7)["reference"] == 70
    assert _at(out, "a/base", 7)["ratio"] == pytest.approx(150 / 70)
    assert _at(out, "e/base", 7)["ratio"] == pytest.approx(1.0)
    assert _at(out, "a/base", 7)["note"] == ""


def test_milestones_history_does_not_reach_say_so() -> None:
    observations = _observations(
        {
            "b/old": {T0: 1000, T1: 1100, T2: 1300},
            "c/gone": {T0: 10, T1: 20},  # not recorded in the latest run
            "g/late": {T0: None, T1: 50, T2: 60},  # no all-time figure in the first run (an early archive)
        }
    )
    roots = _roots({"b/old": "2025-12-01", "c/gone": "2025-12-31", "d/undated": None, "g/late": "2025-12-30"})
    out = compute_relative_adoption(observations, roots, latest=T2, milestones=(7, 14, 30, 60))
    assert _at(out, "b/old", 7)["status"] == "before history"
    assert _at(out, "b/old", 30)["status"] == "before history"  # 2025-12-31, the day before the first run
    assert _at(out, "b/old", 60)["status"] == "recorded"
    assert _at(out, "c/gone", 7)["status"] == "recorded"  # 2026-01-07, between its two runs
    assert _at(out, "c/gone", 14)["status"] == "no longer recorded"  # after its last run, before the latest
    assert _at(out, "c/gone", 60)["status"] == "not reached"
    assert set(out[out["model_id"] == "d/undated"]["status"]) == {"no release date"}
    assert _at(out, "g/late", 7)["status"] == "before history"  # its first figure is from T1
    assert _at(out, "g/late", 14)["downloads"] == pytest.approx(50 + 10 * 2 / 20)
    assert out[out["status"] != "recorded"]["downloads"].isna().all()
    assert out[out["status"] != "recorded"]["ratio"].isna().all()


def test_fewer_than_ten_roots_of_a_size_give_no_reference() -> None:
    created = {f"r/{i}": "2025-12-30" for i in range(9)}
    observations = _observations({m: {T0: 100 * (i + 1), T1: 200 * (i + 1)} for i, m in enumerate(created)})
    out = compute_relative_adoption(observations, _roots(created), latest=T2, milestones=(7,))
    assert out["reference"].isna().all()
    assert out["ratio"].isna().all()
    assert set(out["peers"]) == {9}
    assert set(out["note"]) == {"fewer than 10 roots of its size at this age (9)"}
    # a tenth root of the size: the reference is the 10th largest, the smallest here
    created["r/9"] = "2025-12-30"
    observations = _observations({m: {T0: 100 * (i + 1), T1: 200 * (i + 1)} for i, m in enumerate(created)})
    out = compute_relative_adoption(
        observations, _roots(created), latest=T2, milestones=(7,), min_reference=0
    )
    assert set(out["reference"]) == {150}  # r/0: 100 -> 200, at half-way
    assert _at(out, "r/9", 7)["ratio"] == pytest.approx(10.0)


def test_ties_take_their_places_and_sizes_are_compared_apart() -> None:
    created = {f"t/{i}": "2025-12-30" for i in range(12)}
    observations = _observations({m: {T0: 500, T1: 500} for m in created} | {"big/x": {T0: 9, T1: 9}})
    roots = pd.concat(
        [
            _roots(created),
            _roots({"big/x": "2025-12-30"}, size="100B+"),
            _roots({"u/x": "2025-12-30"}, "unknown"),
        ]
    )
    observations = pd.concat([observations, _observations({"u/x": {T0: 1, T1: 1}})])
    out = compute_relative_adoption(observations, roots, latest=T2, milestones=(7,), min_reference=0)
    tied = out[out["model_id"].str.startswith("t/")]
    assert set(tied["reference"]) == {500}
    assert set(tied["ratio"]) == {1.0}
    assert set(tied["peers"]) == {12}
    big = _at(out, "big/x", 7)
    assert big["peers"] == 1
    assert pd.isna(big["ratio"])
    unknown = _at(out, "u/x", 7)
    assert (unknown["status"], unknown["note"]) == ("recorded", "size unknown")
    assert pd.isna(unknown["ratio"])


def test_a_root_in_two_ecosystems_is_one_base_model() -> None:
    observations = _observations({"x/both": {T0: 100, T1: 200}})
    observations = pd.concat([observations, observations])  # one row per ecosystem per run
    roots = _roots({"x/both": "2025-12-30"})
    out = compute_relative_adoption(observations, pd.concat([roots, roots]), latest=T2, milestones=(7, 14))
    assert len(out) == 2
    assert _at(out, "x/both", 7)["downloads"] == pytest.approx(150)


def test_nothing_in_nothing_out() -> None:
    empty = _observations({"a/b": {T0: 1}}).iloc[0:0]
    out = compute_relative_adoption(empty, _roots({}), latest=T2)
    assert out.empty
    assert list(out.columns) == ["model_id", "ecosystem", *COLUMNS[1:]]


def test_a_reference_under_the_floor_gives_no_ratio_and_keeps_the_row() -> None:
    """The Compare page's case: ten small classifiers, the 10th with 1 download at 7 days, put a 22M model
    first at 8,315,728; a reference of exactly 1,000 is enough, one of 999 is not."""

    def same(value: int) -> dict:  # the same figure at both runs: no interpolation
        return {T0: value, T1: value}

    small = {"s/guard": same(8_315_728)} | {f"s/{i}": same(500) for i in range(8)} | {"s/tenth": same(1)}
    mid = {"m/top": same(5_000)} | {f"m/{i}": same(1_000) for i in range(9)}
    large = {"l/top": same(10_000)} | {f"l/{i}": same(999) for i in range(9)}
    observations = _observations(small | mid | large)
    roots = pd.concat(
        [
            _roots(dict.fromkeys(small, "2025-12-30"), "<3B"),
            _roots(dict.fromkeys(mid, "2025-12-30"), "3-9B"),
            _roots(dict.fromkeys(large, "2025-12-30"), "9-35B"),
        ]
    )
    out = compute_relative_adoption(observations, roots, latest=T2, milestones=(7,))
    guard = _at(out, "s/guard", 7)
    assert (guard["downloads"], guard["reference"], guard["peers"]) == (8_315_728, 1, 10)
    assert pd.isna(guard["ratio"])
    assert guard["note"] == "reference too small (1 download, under 1,000)"
    assert out[out["model_id"].str.startswith("s/")]["ratio"].isna().all()
    assert _at(out, "l/top", 7)["note"] == "reference too small (999 downloads, under 1,000)"
    assert pd.isna(_at(out, "l/top", 7)["ratio"])
    assert (_at(out, "m/top", 7)["reference"], _at(out, "m/top", 7)["ratio"]) == (1_000, 5.0)
    assert _at(out, "m/0", 7)["ratio"] == 1.0
    assert _at(out, "m/top", 7)["note"] == ""
    assert len(out) == 30  # every row kept, with or without a ratio
    ranked = out.dropna(subset=["ratio"]).sort_values("ratio", ascending=False)
    assert ranked["model_id"].iloc[0] == "m/top"
    assert MIN_REFERENCE == 1_000
