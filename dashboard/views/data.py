"""Data: the filtered history in the export's columns, as a table and as CSV or Parquet downloads."""

from __future__ import annotations

import streamlit as st

from dashboard import data
from dashboard.context import current
from tracker.database import mask_url

PREVIEW = 10_000

ctx = current()
st.title("Data")
st.caption(
    "One row per model per ecosystem per complete run, in the columns of `tracker export history` "
    "(see its data dictionary), narrowed by the sidebar's filters."
)
f = ctx.filters()
total = data.count_rows(ctx.engine, ctx.url, ctx.version, f)
scope = st.segmented_control(
    "Rows",
    ["Latest run", "Every run"],
    default="Latest run",
    key="data_scope",
    help="The downloads hold these.",
)
latest_only = scope != "Every run"
# A year of history is millions of rows: the page holds one run's, or the first rows of every run's.
limit = None if latest_only or total <= data.MAX_DOWNLOAD_ROWS else data.MAX_DOWNLOAD_ROWS
frame = data.history_rows(ctx.engine, ctx.url, ctx.version, f, latest_only, limit)
frame = frame[list(data.export_columns())]
search = st.text_input("Model id contains", key="data_search")
if search:
    frame = frame[frame["model_id"].str.contains(search, case=False, regex=False)]
st.write(f"{len(frame):,} rows" + ("" if latest_only else f" of {total:,} within the filters"))
if limit is not None:
    st.info(
        f"The whole history within the filters is {total:,} rows; the page holds the first "
        f"{limit:,}. For all of them:",
        icon=":material/info:",
    )
    st.code(
        f"tracker export history --database {mask_url(ctx.url)} --format parquet --output history.parquet"
    )
left, right, _ = st.columns([1, 1, 4])
left.download_button(
    "CSV",
    data.as_csv(frame, ctx.version),
    "history.csv",
    "text/csv",
    key="data_csv",
    icon=":material/download:",
)
right.download_button(
    "Parquet",
    data.as_parquet(frame, ctx.version),
    "history.parquet",
    "application/vnd.apache.parquet",
    key="data_parquet",
    icon=":material/download:",
)
st.dataframe(frame.head(PREVIEW), hide_index=True, key="data_table")
if len(frame) > PREVIEW:
    st.caption(f"The table shows the first {PREVIEW:,} rows; the downloads hold them all.")
