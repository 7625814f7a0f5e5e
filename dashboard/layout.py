"""Layout the browser draws only when the reader asks for it: tabs and expanders whose hidden content the
page's script does not run, so it is neither sent nor drawn (Streamlit's tabs and expanders that track their
state: `bind="query-params"` or `on_change="rerun"`; opening one reruns the page).

Each page opens with what answers its question; a second chart of the same figures, or a section of a long
page, waits in a tab. The tab shown is in the link (its key is the query parameter), as every choice is.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import pandas as pd
import streamlit as st

from dashboard import methodology

SMALL_TABLE = 12  # rows: up to this many, a table is drawn static (`small_table`)


def sections(drawn: Mapping[str, Callable[[], object]], key: str) -> None:
    """One tab per entry (label: what draws it), bound to the link by `key`: only the open tab's function
    runs, so the others are neither computed nor sent until chosen."""
    tabs = st.tabs(list(drawn), key=key, bind="query-params")
    for tab, draw in zip(tabs, drawn.values(), strict=True):
        if tab.open:
            with tab:
                draw()


def chart(
    heading: str, make: Callable[..., object], frame: pd.DataFrame, field: str, title: str, **options: object
) -> Callable[[], None]:
    """What draws one chart of a section: its heading, then `make(frame, field, title=title, **options)`
    (a chart of `tracker.report.charts`), built only when the section is open."""

    def draw() -> None:
        st.subheader(heading)
        st.altair_chart(make(frame, field, title=title, **options))

    return draw


def methodology_note(key: str) -> None:
    """The methodology, in an expander whose text is sent and drawn once it is opened."""
    with st.expander("Methodology", icon=":material/info:", key=key, on_change="rerun") as box:
        if box.open:
            st.markdown(methodology.NOTE)


def small_table(frame: pd.DataFrame, headers: Mapping[str, str], formats: Mapping[str, str]) -> None:
    """A table of a few rows as static HTML (`st.table`), its columns renamed to `headers` and its figures
    shown with `formats` (the data stays numeric): drawn in a fraction of the data grid's time, whose
    scrolling, sorting and resizing a handful of rows does not need."""
    shown = frame[[name for name in headers if name in frame]].rename(columns=dict(headers))
    known = {headers[name]: text for name, text in formats.items() if name in frame}
    st.table(shown.style.format(known, na_rep="–").hide(axis="index"), hide_index=True, width="content")
