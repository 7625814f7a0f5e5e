"""Relative adoption of the base models (the ATOM project's measure); pure: DataFrames in, DataFrames out.

For each base model (a root of a tracked ecosystem): its cumulative downloads (`downloads_all_time`) at
7, 14, 30, 60, 90, 180 and 365 days after its release, read from the runs, against the 10th largest value
among the roots of its size class at the same age. Above 1: on track for that size's top 10
(`notes/real-hub-2026.md` section 5).

- **Release**: 00:00 UTC of its release day where the release-dates file has one that is not the day of
  its `created_at` (`tracker.core.release_dates`: weights are often uploaded privately days or weeks
  before the launch), else `created_at` itself (`age_start`).
- **Value at an age**: at the instant release + days, interpolated linearly in time between the two
  runs that bracket it (a run exactly at it gives its figure). Never extrapolated: an instant before the
  root's first figure is `before history`, one after the latest run `not reached`, one after the root's
  last figure but not after the latest run (the root left the tracked set) `no longer recorded`.
- **Reference**: among the roots of the size class with a value at that age (its `peers`), the 10th
  largest; with fewer than 10 peers there is none, and no ratio. Roots of unknown size get none either:
  comparing them with each other would compare models of any size.
- **Reference floor**: a reference under `MIN_REFERENCE` downloads gives no ratio ("reference too small"):
  that few downloads is what automated traffic gives any public repository, and a ratio over it ranked a
  22M-parameter classifier first at 8,315,728.55 (docs/methodology.md, "Relative adoption of base models").
- A root in two ecosystems is one base model (its figures are the same model's).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Literal

import numpy as np
import pandas as pd

from tracker.core.instants import naive_utc
from tracker.core.release_dates import ReleaseDates
from tracker.core.usage import UNKNOWN

MILESTONES: tuple[int, ...] = (7, 14, 30, 60, 90, 180, 365)
TOP = 10
MIN_REFERENCE = 1_000  # cumulative downloads: a smaller reference gives no ratio
TOO_SMALL = "reference too small"

Status = Literal["recorded", "before history", "not reached", "no longer recorded", "no release date"]
RECORDED: Status = "recorded"
FROM_RELEASE = "release date"  # `age_from`: the ages count from the release-dates file's day
FROM_CREATED = "createdAt"  # `age_from`: from the repository's creation
COLUMNS = [
    "model_id",
    "size_class",
    "created_at",
    "days",
    "at",
    "downloads",
    "status",
    "peers",
    "reference",
    "ratio",
    "note",
    "released_at",
    "age_from",
]


def compute_relative_adoption(
    observations: pd.DataFrame,
    roots: pd.DataFrame,
    *,
    latest: pd.Timestamp,
    milestones: Sequence[int] = MILESTONES,
    top: int = TOP,
    min_reference: float = MIN_REFERENCE,
    release_dates: ReleaseDates | None = None,
) -> pd.DataFrame:
    """One row per root and milestone: the value at that age, its status, the reference, the ratio.

    `observations`: model_id, taken_at, downloads_all_time (a root's rows in complete runs; missing
    figures are ignored, duplicates of one run collapse); `roots`: model_id, created_at, size_class and
    any columns to carry along (ecosystem, family, ...); `latest`: the latest complete run's instant;
    `release_dates`: the release-dates files read (None: every age counts from `created_at`).
    Columns: `COLUMNS` (and the carried ones after `model_id`); `note` says why a ratio is missing
    (`TOO_SMALL` first where the reference is under `min_reference`); `released_at` is the instant the
    ages count from and `age_from` which date it is (`FROM_RELEASE`, `FROM_CREATED`; "" when none).
    """
    carried = [c for c in roots.columns if c not in ("model_id", "created_at", "size_class")]
    series = _series(observations.dropna(subset=["downloads_all_time"]))
    latest_at = naive_utc(latest).to_datetime64()
    rows = []
    for root in roots.drop_duplicates("model_id").itertuples(index=False):
        created = root.created_at
        start, age_from = age_start(
            created, None if release_dates is None else release_dates.released_on(root.model_id)
        )
        released = None if start is None else naive_utc(start)
        times, values = series.get(root.model_id, (np.array([], dtype="datetime64[ns]"), np.array([])))
        for days in milestones:
            if released is None:
                at, value, status = pd.NaT, np.nan, "no release date"
            else:
                at = released + pd.Timedelta(days=days)
                value, status = _value_at(times, values, at.to_datetime64(), latest_at)
            rows.append(
                {
                    "model_id": root.model_id,
                    **{c: getattr(root, c) for c in carried},
                    "size_class": root.size_class,
                    "created_at": created,
                    "days": days,
                    "at": at,
                    "downloads": value,
                    "status": status,
                    "released_at": start,
                    "age_from": age_from,
                }
            )
    frame = pd.DataFrame(rows, columns=["model_id", *carried, *COLUMNS[1:7], *COLUMNS[-2:]])
    frame["at"] = pd.to_datetime(frame["at"]).dt.tz_localize("UTC")
    frame["released_at"] = pd.to_datetime(frame["released_at"], utc=True)
    frame["downloads"] = frame["downloads"].astype("Float64")
    return _against_reference(frame, top, min_reference)[["model_id", *carried, *COLUMNS[1:]]]


def _utc(value: object) -> pd.Timestamp | None:
    """An instant in UTC (a naive one read as UTC), or None for a missing one."""
    if value is None or pd.isna(value):
        return None
    stamp = pd.Timestamp(value)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def age_start(created_at: object, released_on: date | None) -> tuple[pd.Timestamp | None, str]:
    """The instant a base model's ages count from, and which date it is (`FROM_RELEASE`, `FROM_CREATED`).

    A release day (`released_on`) counts from its 00:00 UTC, the whole day: the hour of a launch is not
    known. A release day that is `created_at`'s own UTC day corrects nothing, and the creation's instant,
    finer, is kept. Neither: (None, "")."""
    created = _utc(created_at)
    if released_on is not None:
        release = pd.Timestamp(released_on).tz_localize("UTC")
        if created is None or created.normalize() != release:
            return release, FROM_RELEASE
    return (None, "") if created is None else (created, FROM_CREATED)


def correction_days(created_at: object, released_at: object) -> int | None:
    """Whole days from `created_at`'s UTC day to the release's (negative: released before the repository
    was created); None without both."""
    created, released = _utc(created_at), _utc(released_at)
    if created is None or released is None:
        return None
    return (released.normalize() - created.normalize()).days


def correction_text(created_at: object, released_at: object) -> str:
    """How far a release day lies from the repository's creation, in words: `22 days after createdAt`,
    `1 day before createdAt`, `createdAt's own day`, or `no createdAt`."""
    days = correction_days(created_at, released_at)
    if days is None:
        return "no createdAt"
    if days == 0:
        return "createdAt's own day"
    unit = "day" if abs(days) == 1 else "days"
    return f"{abs(days)} {unit} {'after' if days > 0 else 'before'} createdAt"


def _series(figures: pd.DataFrame) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Each model's (times, all-time downloads), by time, one figure per instant (the last). Split by
    position, not by a pandas group per model: a group each cost 0.4 s over 400 roots."""
    ordered = (
        figures.assign(taken_at=_naive(figures["taken_at"]))
        .groupby(["model_id", "taken_at"], as_index=False)["downloads_all_time"]
        .last()
        .sort_values(["model_id", "taken_at"])
    )
    ids = ordered["model_id"].to_numpy()
    if not len(ids):
        return {}
    times = ordered["taken_at"].to_numpy(dtype="datetime64[ns]")
    values = ordered["downloads_all_time"].to_numpy(dtype="float64")
    starts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]])
    ends = np.r_[starts[1:], len(ids)]
    return {ids[a]: (times[a:b], values[a:b]) for a, b in zip(starts, ends, strict=True)}


def _naive(stamps: pd.Series) -> pd.Series:
    """UTC instants without their zone (numpy's datetime64), whatever zone they came in."""
    stamps = pd.to_datetime(stamps, utc=True)
    return stamps.dt.tz_convert("UTC").dt.tz_localize(None)


def _value_at(
    times: np.ndarray, values: np.ndarray, at: np.datetime64, latest: np.datetime64
) -> tuple[float, Status]:
    """The figure at `at`, interpolated between the runs around it; or why there is none."""
    at, latest = at.astype("datetime64[ns]"), latest.astype("datetime64[ns]")  # the runs' unit
    i = int(np.searchsorted(times, at, side="left"))
    if i < len(times) and times[i] == at:
        return float(values[i]), RECORDED
    if at > latest:
        return np.nan, "not reached"
    if i == 0:
        return np.nan, "before history"
    if i == len(times):
        return np.nan, "no longer recorded"
    t0, t1 = times[i - 1].astype("int64"), times[i].astype("int64")
    share = (at.astype("int64") - t0) / (t1 - t0)
    return float(values[i - 1] + (values[i] - values[i - 1]) * share), RECORDED


def _against_reference(frame: pd.DataFrame, top: int, min_reference: float) -> pd.DataFrame:
    """Adds peers, reference (the `top`-th largest value of the size class at that age), ratio (only over
    a reference of `min_reference` or more), note."""
    known = frame[(frame["status"] == RECORDED) & (frame["size_class"] != UNKNOWN)]
    groups = known.groupby(["size_class", "days"])["downloads"]
    peers = groups.size().rename("peers")
    # the top-th value of the sorted figures: ties take their places (ten equal figures: that figure)
    reference = groups.agg(lambda s: s.nlargest(top).iloc[-1] if len(s) >= top else np.nan)
    per_group = pd.concat([peers, reference.rename("reference")], axis=1).reset_index()
    out = frame.merge(per_group, on=["size_class", "days"], how="left")
    out["peers"] = out["peers"].fillna(0).astype("Int64")
    out["reference"] = out["reference"].astype("Float64")
    floor = float(min_reference)
    enough = (out["reference"] >= floor) & (out["reference"] > 0)
    usable = ((out["status"] == RECORDED) & enough).fillna(False).astype(bool)
    out["ratio"] = (out["downloads"] / out["reference"]).where(usable).astype("Float64")
    out["note"] = [_note(row, top, floor) for row in out.itertuples(index=False)]
    return out


def _note(row, top: int, floor: float) -> str:  # noqa: ANN001 - a row of the frame
    """Why the row has no ratio ("" when it has one)."""
    if row.status != RECORDED:
        return str(row.status)
    if row.size_class == UNKNOWN:
        return "size unknown"
    if pd.isna(row.reference):
        return f"fewer than {top} roots of its size at this age ({int(row.peers)})"
    if not (row.reference >= floor and row.reference > 0):
        count = f"{row.reference:,.0f} download" + ("" if round(row.reference) == 1 else "s")
        return f"{TOO_SMALL} ({count}" + (f", under {floor:,.0f})" if floor > 0 else ")")
    return ""


def ordinal(n: int) -> str:
    """`1st`, `2nd`, `3rd`, `10th`, `11th`, `21st`, ..."""
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"
