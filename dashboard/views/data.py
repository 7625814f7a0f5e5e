"""Data: the filtered history in the export's columns, as a table and as CSV or Parquet downloads.

A year of history is millions of rows: the page reads the first rows for the table and the count from
the roll-ups; the downloads read their rows when clicked, up to `data.MAX_DOWNLOAD_ROWS` (beyond that
the page gives the `tracker export` command, which streams any size).
"""

from __future__ import annotations

import streamlit as st

from dashboard import data
from dashboard.context import current
from tracker.read import access

PREVIEW = 10_000

ctx = current()
st.title("Data")
st.caption(
    "One row per model per ecosystem per complete run, in the columns of `tracker export history` "
    "(see its data dictionary), narrowed by the sidebar's filters."
)
f = ctx.filters()
scope = st.segmented_control(
    "Rows", ["Latest run", "Every run"], default="Latest run", key="data_scope", bind="query-params"
)
latest_only = scope != "Every run"
search = st.text_input("Model id contains", key="data_search", bind="query-params")
rows = data.Rows(ctx.engine, ctx.url, ctx.version, f, latest_only, search)
frame = rows.read(PREVIEW)
total = data.count_rows(ctx.engine, ctx.url, ctx.version, f) if not (latest_only or search) else None
st.write(f"{total:,} rows" if total is not None else f"{len(frame):,} rows" if len(frame) < PREVIEW else "")
if total is not None and total > data.MAX_DOWNLOAD_ROWS:
    st.info(
        f"The downloads hold the first {data.MAX_DOWNLOAD_ROWS:,} of {total:,} rows. For all of them:",
        icon=":material/info:",
    )
    shown = access.shown_url(ctx.url)  # never show a password
    st.code(f"tracker export history --database {shown} --format parquet --output history.parquet")
left, right, _ = st.columns([1, 1, 4])
left.download_button("CSV", rows.csv, "history.csv", "text/csv", key="data_csv", icon=":material/download:")
right.download_button(
    "Parquet",
    rows.parquet,
    "history.parquet",
    "application/vnd.apache.parquet",
    key="data_parquet",
    icon=":material/download:",
)
st.dataframe(frame, hide_index=True, key="data_table")
if len(frame) >= PREVIEW:
    st.caption(f"The table shows the first {PREVIEW:,} rows; the downloads hold more.")
