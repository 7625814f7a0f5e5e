"""The Compare page's relative adoption: which date each base model's ages count from, and a release-dates
file that cannot be read now."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from tracker.core.adoption import FROM_RELEASE, correction_text


def release_dates_problem(problem: str) -> None:
    """The user's release-dates file could not be read (it changed since the command checked it): say so,
    its one line shown as text, never markup."""
    if problem:
        st.warning("The release-dates file cannot be read now: the ages count from the shipped dates alone.")
        st.code(problem, language=None, wrap_lines=True)


def ages_from(at_age: pd.DataFrame) -> None:
    """The base models whose ages count from a release day rather than createdAt, with the correction."""
    corrected = at_age[at_age["age_from"] == FROM_RELEASE].sort_values("model_id")
    if corrected.empty:
        st.caption(
            "Every base model's ages count from its createdAt: the release-dates files name none of them."
        )
        return
    st.caption(
        f"Ages counted from a release day: {len(corrected):,} of {len(at_age):,} base models, listed "
        "below (the shipped release-dates file, from the ATOM project's corrections, and any given with "
        "--release-dates), from 00:00 UTC of that day; every other base model's ages count from its "
        "createdAt."
    )
    table = pd.DataFrame(
        {
            "model_id": corrected["model_id"],
            "released": pd.to_datetime(corrected["released_at"], utc=True).dt.strftime("%Y-%m-%d"),
            "created": pd.to_datetime(corrected["created_at"], utc=True)
            .dt.strftime("%Y-%m-%d")
            .fillna("none"),
            "correction": [
                correction_text(c, r)
                for c, r in zip(corrected["created_at"], corrected["released_at"], strict=True)
            ],
        }
    )
    st.dataframe(
        table,
        hide_index=True,
        key="cmp_ages_from",
        column_config={
            "model_id": st.column_config.TextColumn("Base model", width=200),
            "released": st.column_config.TextColumn(
                "Release day", width=95, help="Its ages count from 00:00 UTC of this day."
            ),
            "created": st.column_config.TextColumn(
                "createdAt", width=95, help="The day the Hub says its repository was created."
            ),
            "correction": st.column_config.TextColumn("Correction", width=170),
        },
    )
