"""Data: the filtered history in the export's columns, as a table and as CSV or Parquet downloads."""

from __future__ import annotations

import streamlit as st

from dashboard import data
from dashboard.context import current

ctx = current()
st.title("Data")
st.caption(
    "One row per model per ecosystem per complete run, in the columns of `tracker export history` "
    "(see its data dictionary), narrowed by the sidebar's filters."
)
history = ctx.history()
frame = history[list(data.export_columns())]
search = st.text_input("Model id contains", key="data_search")
if search:
    frame = frame[frame["model_id"].str.contains(search, case=False, regex=False)]
st.write(f"{len(frame):,} rows")
left, right, _ = st.columns([1, 1, 4])
left.download_button(
    "CSV",
    data.as_csv(frame, ctx.run_id),
    "history.csv",
    "text/csv",
    key="data_csv",
    icon=":material/download:",
)
right.download_button(
    "Parquet",
    data.as_parquet(frame, ctx.run_id),
    "history.parquet",
    "application/vnd.apache.parquet",
    key="data_parquet",
    icon=":material/download:",
)
st.dataframe(frame.head(10_000), hide_index=True, key="data_table")
if len(frame) > 10_000:
    st.caption("The table shows the first 10,000 rows; the downloads hold them all.")
