"""The demo's estimate of the time left, and the line that says it, on literal inputs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from tracker.run.demo import week_kinds
from tracker.run.demo_progress import duration_text, estimate_text, overall_line, time_left

KINDS = ["archive"] * 3 + ["snapshot"] * 3


def test_the_weeks_are_half_archive_then_snapshots() -> None:
    assert week_kinds(16) == ["archive"] * 8 + ["snapshot"] * 8
    assert week_kinds(3) == ["archive", "snapshot", "snapshot"]
    assert week_kinds(1) == ["snapshot"]


@pytest.mark.parametrize(
    ("seconds", "left"),
    [
        ([], None),  # nothing to go on yet
        ([12.0], 12.0 * 2 + 12.0 * 3),  # the snapshots, none done, as the weeks done
        ([10.0, 20.0], 15.0 + 15.0 * 3),  # each week left as the mean of those done
        ([10.0, 20.0, 30.0], 20.0 * 3),  # each snapshot as the archive's mean, still
        ([10.0, 20.0, 30.0, 50.0], 50.0 * 2),  # now as the snapshot done: archive weeks weigh nothing
        ([10.0, 20.0, 30.0, 50.0, 70.0], 60.0),
        ([10.0, 20.0, 30.0, 50.0, 70.0, 65.0], 0.0),
    ],
)
def test_time_left_weighs_each_kind_apart(seconds: list[float], left: float | None) -> None:
    assert time_left(KINDS, seconds) == left


def test_time_left_follows_the_latest_weeks_of_a_kind() -> None:
    kinds = ["archive"] * 6
    assert time_left(kinds, [10.0, 20.0, 30.0, 40.0]) == 2 * 30.0  # the mean of the last three
    assert time_left(kinds, [10.0, 20.0, 30.0, 40.0], recent=1) == 2 * 40.0
    with pytest.raises(ValueError, match="5 weeks done of 4"):
        time_left(kinds[:4], [1.0] * 5)
    with pytest.raises(ValueError, match="recent"):
        time_left(kinds, [1.0], recent=0)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0 s"), (44.6, "45 s"), (59.6, "1 min"), (130, "2 min 10 s"), (3599.6, "1 h"), (3900, "1 h 5 min")],
)
def test_durations_read_as_said(seconds: float, text: str) -> None:
    assert duration_text(seconds) == text


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (2, "about 5 s"),
        (42, "about 40 s"),
        (58, "about 1 min"),
        (178, "about 3 min"),
        (187, "about 3 min 10 s"),
        (725, "about 12 min"),
    ],
)
def test_estimates_are_no_finer_than_they_can_be(seconds: float, text: str) -> None:
    assert estimate_text(seconds) == text


def test_the_overall_line() -> None:
    now = datetime(2026, 12, 7, 4, 9, tzinfo=UTC)
    assert (
        overall_line(5, 16, 130, 187, now)
        == "week 5 of 16, 2 min 10 s elapsed, about 3 min 10 s left (done about 04:12 UTC)"
    )
    paris = now.astimezone(timezone(timedelta(hours=1)))  # the same instant, said in UTC
    assert overall_line(5, 16, 130, 187, paris).endswith("(done about 04:12 UTC)")
    assert overall_line(16, 16, 400, None, now) == "week 16 of 16, 6 min 40 s elapsed"
    with pytest.raises(ValueError, match="zone-aware"):
        overall_line(5, 16, 130, 187, now.replace(tzinfo=None))


def test_an_end_on_another_day_names_its_date() -> None:
    now = datetime(2026, 12, 7, 22, 0, tzinfo=UTC)
    line = overall_line(3, 125, 180.0, 4 * 3600.0, now)
    assert line.endswith("about 4 h left (done about 2026-12-08 02:00 UTC)")
