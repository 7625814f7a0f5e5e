"""The stretch between the archive's last week of new data and the first live snapshot is drawn as a gap
(`tracker.report.charts.archive_gap`), never as a flat line; runs a week apart are no gap."""

from __future__ import annotations

import pandas as pd

from tracker.report import charts

WEEKS = pd.to_datetime(["2026-09-16", "2026-09-23", "2026-10-14"], utc=True)


def _frame(times: pd.DatetimeIndex) -> pd.DataFrame:
    return pd.DataFrame({"taken_at": list(times), "derivatives": range(len(times))})


def test_a_live_run_weeks_after_the_archive_s_end_opens_a_gap() -> None:
    times = WEEKS.append(pd.to_datetime(["2026-11-06", "2026-11-13"], utc=True))
    gap = charts.archive_gap(times, tuple(WEEKS))
    assert gap == (pd.Timestamp("2026-10-14"), pd.Timestamp("2026-11-06"))
    spec = charts.over_time(_frame(times), "derivatives", title="t", archived=tuple(WEEKS)).to_json()
    assert charts.GAP_STROKE in spec
    assert charts.NO_DATA in spec


def test_a_live_run_a_week_after_it_or_no_later_run_opens_none() -> None:
    near = WEEKS.append(pd.to_datetime(["2026-10-21"], utc=True))
    assert charts.archive_gap(near, tuple(WEEKS)) is None
    assert charts.archive_gap(WEEKS, tuple(WEEKS)) is None
    assert charts.archive_gap(WEEKS, ()) is None
    spec = charts.over_time(_frame(near), "derivatives", title="t", archived=tuple(WEEKS)).to_json()
    assert charts.GAP_STROKE not in spec
