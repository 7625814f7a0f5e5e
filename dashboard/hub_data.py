"""Cached loaders of the whole-Hub view (`tracker.read.hub`) for the Whole Hub page and the Overview.

As `dashboard.data`'s: each takes the data's version (`data.data_version`), so a new run shows on the
next rerun without a restart; the engine is the dashboard's read-only one.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st
from sqlalchemy.engine import Engine

from tracker.read import hub


@st.cache_data(show_spinner=False, max_entries=4)
def view_runs(_eng: Engine, url: str, version: tuple) -> pd.DataFrame:
    """The complete runs with the view, oldest first, with the Hub's totals (`hub.load_view_runs`)."""
    return hub.load_view_runs(_eng)


@st.cache_data(show_spinner=False, max_entries=4)
def runs_without_view(_eng: Engine, url: str, version: tuple) -> pd.DataFrame:
    """The complete runs that lack the view (trees, runs from before it), oldest first."""
    return hub.runs_without_view(_eng)


@st.cache_data(show_spinner=False, max_entries=8)
def bases(_eng: Engine, url: str, version: tuple, run_id: int) -> pd.DataFrame:
    """Every base of a run, most derivatives first, with `tracked` and `capture_share`."""
    return hub.load_bases(_eng, run_id)


@st.cache_data(show_spinner=False, max_entries=16)
def groups(
    _eng: Engine, url: str, version: tuple, kind: str, since: date | None = None, until: date | None = None
) -> pd.DataFrame:
    """A kind of group (`ecosystem`, `organisation`, `region`) over the runs with the view between `since`
    and `until` (whole UTC days), with `share` and `new_share`."""
    return hub.load_groups(_eng, kind, since, until)


@st.cache_data(show_spinner=False, max_entries=8)
def risers(_eng: Engine, url: str, version: tuple, run_id: int, n: int) -> pd.DataFrame:
    return hub.risers(_eng, run_id, n)


@st.cache_data(show_spinner=False, max_entries=8)
def newcomers(_eng: Engine, url: str, version: tuple, run_id: int) -> pd.DataFrame:
    return hub.newcomers(_eng, run_id)


@st.cache_data(show_spinner=False, max_entries=8)
def new_bases(_eng: Engine, url: str, version: tuple, run_id: int) -> pd.DataFrame:
    return hub.new_bases(_eng, run_id)


def within(runs: pd.DataFrame, since: date | None, until: date | None) -> pd.DataFrame:
    """The runs (rows with `taken_at`) within the sidebar's dates, whole UTC days, inclusive."""
    if runs.empty:
        return runs
    days = runs["taken_at"].dt.tz_convert("UTC").dt.date
    keep = pd.Series(True, index=runs.index)
    if since:
        keep &= days >= since
    if until:
        keep &= days <= until
    return runs[keep]
