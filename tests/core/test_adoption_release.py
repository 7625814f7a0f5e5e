"""Relative adoption counted from the release day where a release-dates file has one, else from createdAt:
on literal tables, the milestones of a corrected base move to the release day's ages, exactly."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from tracker.core.adoption import (
    COLUMNS,
    FROM_CREATED,
    FROM_RELEASE,
    age_start,
    compute_relative_adoption,
    correction_text,
)
from tracker.core.release_dates import parse_release_dates

T0, T1, T2 = (pd.Timestamp(d, tz="UTC") for d in ("2026-01-01", "2026-01-11", "2026-01-31"))
HEADER = "model_id,created_on,released_on\n"


def _observations(figures: dict[str, dict[pd.Timestamp, int]]) -> pd.DataFrame:
    rows = [
        {"model_id": m, "taken_at": at, "downloads_all_time": v}
        for m, runs in figures.items()
        for at, v in runs.items()
    ]
    frame = pd.DataFrame(rows)
    frame["downloads_all_time"] = pd.array(frame["downloads_all_time"], dtype="Int64")
    return frame


def _roots(created: dict[str, str | None]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "model_id": list(created),
            "created_at": pd.to_datetime(list(created.values()), utc=True),
            "size_class": ["9-35B"] * len(created),
        }
    )


def _at(frame: pd.DataFrame, model_id: str, days: int) -> pd.Series:
    (row,) = frame[(frame["model_id"] == model_id) & (frame["days"] == days)].itertuples(index=False)
    return pd.Series(row._asdict())


FIGURES = {
    "google/early": {T0: 100, T1: 200, T2: 400},  # uploaded privately on 20 Dec, released on 30 Dec
    "acme/plain": {T0: 70, T1: 90, T2: 95},  # not in the file
    "acme/same-day": {T0: 10, T1: 20, T2: 30},  # in the file, on createdAt's own day
    "acme/undated": {T0: 1, T1: 2, T2: 3},  # no createdAt, a release day in the file
}
CREATED = {
    "google/early": "2025-12-20T15:00:00Z",
    "acme/plain": "2025-12-25T00:00:00Z",
    "acme/same-day": "2025-12-28T18:00:00Z",
    "acme/undated": None,
}
FILE = HEADER + (
    "google/Early,2025-12-20,2025-12-30\n"  # any case
    "acme/same-day,2025-12-28,2025-12-28\n"
    "acme/undated,,2025-12-31\n"
)


def test_a_corrected_base_s_milestones_move_to_the_release_day_s_ages() -> None:
    dates = parse_release_dates(FILE, "dates.csv")
    args = (_observations(FIGURES), _roots(CREATED))
    before = compute_relative_adoption(*args, latest=T2, milestones=(7, 14, 30), top=2, min_reference=0)
    after = compute_relative_adoption(
        *args, latest=T2, milestones=(7, 14, 30), top=2, min_reference=0, release_dates=dates
    )
    assert list(after.columns) == COLUMNS  # the two new columns last
    assert COLUMNS[-2:] == ["released_at", "age_from"]
    # from createdAt (20 Dec 15:00): 7 days is 27 Dec, before the first run; 14 days is 3 Jan 15:00
    assert _at(before, "google/early", 7)["status"] == "before history"
    assert _at(before, "google/early", 14)["downloads"] == pytest.approx(100 + 100 * 2.625 / 10)
    assert _at(before, "google/early", 30)["downloads"] == pytest.approx(200 + 200 * 8.625 / 20)
    assert _at(before, "google/early", 7)["age_from"] == FROM_CREATED
    # from the release day (30 Dec, 00:00 UTC): 6 Jan, 13 Jan, 29 Jan
    early7 = _at(after, "google/early", 7)
    assert early7["at"] == pd.Timestamp("2026-01-06", tz="UTC")
    assert (early7["status"], early7["downloads"]) == ("recorded", 150)  # half-way from 100 to 200
    assert _at(after, "google/early", 14)["downloads"] == 220  # 2 of the 20 days from 200 to 400
    assert _at(after, "google/early", 30)["downloads"] == 380
    assert early7["released_at"] == pd.Timestamp("2025-12-30", tz="UTC")
    assert early7["age_from"] == FROM_RELEASE
    assert early7["created_at"] == pd.Timestamp(CREATED["google/early"])  # kept as the Hub gave it
    # at 7 days the reference (top 2) is now the smaller of its 150 and acme/plain's 70 (1 Jan, a run)
    assert early7["reference"] == 70
    assert early7["ratio"] == pytest.approx(150 / 70)
    # a base the file does not name: unchanged, from createdAt
    plain = after[after["model_id"] == "acme/plain"]
    assert set(plain["age_from"]) == {FROM_CREATED}
    assert set(plain["released_at"]) == {pd.Timestamp(CREATED["acme/plain"])}
    assert plain["downloads"].tolist() == before[before["model_id"] == "acme/plain"]["downloads"].tolist()
    # a release day on createdAt's own day corrects nothing: the creation's instant is kept
    same = _at(after, "acme/same-day", 7)
    assert (same["age_from"], same["released_at"]) == (FROM_CREATED, pd.Timestamp(CREATED["acme/same-day"]))
    assert same["at"] == pd.Timestamp("2026-01-04T18:00:00Z")
    # no createdAt: the release day gives it ages at last
    assert set(before[before["model_id"] == "acme/undated"]["status"]) == {"no release date"}
    undated = _at(after, "acme/undated", 14)
    assert (undated["age_from"], undated["status"]) == (FROM_RELEASE, "recorded")
    assert undated["downloads"] == pytest.approx(2 + 1 * 3 / 20)  # 14 Jan: 3 of the 20 days from T1
    assert pd.isna(_at(before, "acme/undated", 14)["released_at"])
    assert _at(before, "acme/undated", 14)["age_from"] == ""


def test_the_release_day_counts_from_its_midnight_utc() -> None:
    created = pd.Timestamp("2026-03-11T09:30:00Z")
    assert age_start(created, date(2026, 4, 2)) == (pd.Timestamp("2026-04-02", tz="UTC"), FROM_RELEASE)
    assert age_start(created, None) == (created, FROM_CREATED)
    assert age_start(created, date(2026, 3, 11)) == (created, FROM_CREATED)  # the same day
    # a createdAt late on the 10th in New York is the 11th in UTC: the same day, nothing to correct
    assert age_start(pd.Timestamp("2026-03-10T22:00:00-05:00"), date(2026, 3, 11))[1] == FROM_CREATED
    assert age_start(None, date(2026, 4, 2)) == (pd.Timestamp("2026-04-02", tz="UTC"), FROM_RELEASE)
    assert age_start(pd.NaT, None) == (None, "")
    # released before its repository was created (the file has three): the ages count from the release
    assert age_start(pd.Timestamp("2026-07-05T12:00:00Z"), date(2026, 6, 30))[0] == pd.Timestamp(
        "2026-06-30", tz="UTC"
    )


def test_the_correction_in_words() -> None:
    release = pd.Timestamp("2026-04-02", tz="UTC")
    assert correction_text(pd.Timestamp("2026-03-11T09:30:00Z"), release) == "22 days after createdAt"
    assert correction_text(pd.Timestamp("2026-04-01T23:59:00Z"), release) == "1 day after createdAt"
    assert correction_text(pd.Timestamp("2026-04-07T00:00:00Z"), release) == "5 days before createdAt"
    assert correction_text(pd.Timestamp("2026-04-02T12:00:00Z"), release) == "createdAt's own day"
    assert correction_text(pd.NaT, release) == "no createdAt"
