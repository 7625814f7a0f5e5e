"""Instants as naive UTC: how the charts draw them (Vega-Lite reads a zone-aware time in the reader's zone)
and how numpy's datetime64 holds them (relative adoption)."""

from __future__ import annotations

import pandas as pd


def naive_utc(stamp: object) -> pd.Timestamp:
    """An instant (a Timestamp, datetime or ISO text; zone-aware or naive UTC) as naive UTC."""
    stamp = pd.Timestamp(stamp)
    return stamp.tz_convert("UTC").tz_localize(None) if stamp.tzinfo else stamp
