"""Data: the filtered history in the export's columns, as a table and as CSV or Parquet downloads.

A year of history is millions of rows: the page reads the first rows for the table and the count from
the roll-ups; the downloads read their rows when clicked, up to `data.MAX_DOWNLOAD_ROWS` (beyond that
the page gives the `tracker export` command, which streams any size). The table shows the columns the
reader picks (by default as many as fit beside the sidebar at 1024 px); the downloads hold them all.
"""

from __future__ import annotations

import streamlit as st

from dashboard import data
from dashboard.context import current
from tracker.read import access

PREVIEW = 10_000
# each column of `tracker export history`: its header, and its width in pixels in the table
COLUMNS = {
    "run_id": ("Run", 60),
    "taken_at": ("Run date", 95),
    "ecosystem": ("Ecosystem", 90),
    "family": ("Family", 120),
    "model_id": ("Model", 210),
    "relation": ("Relation", 80),
    "depth": ("Depth", 60),
    "downloads_30d": ("30-day downloads", 125),
    "downloads_all_time": ("All-time downloads", 135),
    "downloads_delta": ("Downloads since the run before", 200),
    "likes": ("Likes", 70),
    "trending_score": ("Trending score", 110),
    "live_providers": ("Live providers", 110),
}
SHOWN = ["taken_at", "model_id", "relation", "downloads_30d"]


def _config(name: str) -> object:
    header, width = COLUMNS.get(name, (name, None))
    if name == "taken_at":
        return st.column_config.DatetimeColumn(header, format="YYYY-MM-DD", width=width)
    if name in ("run_id", "depth"):
        return st.column_config.NumberColumn(header, format="plain", width=width)
    if name in ("downloads_30d", "downloads_all_time", "downloads_delta", "likes", "trending_score"):
        return st.column_config.NumberColumn(header, format="localized", width=width)
    if name == "live_providers":
        return st.column_config.NumberColumn(header, width=width)
    return st.column_config.TextColumn(header, width=width)


ctx = current()
st.title("Data")
st.caption(
    "One row per model per ecosystem per complete run, in the columns of `tracker export history` "
    "(see its data dictionary), narrowed by the sidebar's filters. Base models included (`relation` "
    "`base`); ecosystems by their names in the ecosystems file (`llama`), as in the export."
)
f = ctx.filters()
scope = st.segmented_control(
    "Rows", ["Latest run", "Every run"], default="Latest run", key="data_scope", bind="query-params"
)
latest_only = scope != "Every run"
search = st.text_input("Model id contains", key="data_search", bind="query-params")
names = list(data.export_columns())
shown = st.pills(
    "Columns shown",
    names,
    selection_mode="multi",
    default=[name for name in SHOWN if name in names],
    format_func=lambda name: COLUMNS.get(name, (name,))[0],
    key="data_columns",
    bind="query-params",
    help="The table's columns; the downloads hold every one.",
)
rows = data.Rows(ctx.engine, ctx.url, ctx.version, f, latest_only, search)
frame = rows.read(PREVIEW)
total = data.count_rows(ctx.engine, ctx.url, ctx.version, f) if not (latest_only or search) else None
st.write(f"{total:,} rows" if total is not None else f"{len(frame):,} rows" if len(frame) < PREVIEW else "")
if total is not None and total > data.MAX_DOWNLOAD_ROWS:
    st.info(
        f"The downloads hold the first {data.MAX_DOWNLOAD_ROWS:,} of {total:,} rows. For all of them:",
        icon=":material/info:",
    )
    shown_url = access.shown_url(ctx.url)  # never show a password
    st.code(f"tracker export history --database {shown_url} --format parquet --output history.parquet")
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
order = [name for name in names if name in (shown or SHOWN)]  # the export's order
st.dataframe(
    frame[order],  # the columns shown, and only those sent: the downloads hold them all
    hide_index=True,
    key="data_table",
    column_order=order,
    column_config={name: _config(name) for name in order},
)
if len(frame) >= PREVIEW:
    st.caption(f"The table shows the first {PREVIEW:,} rows; the downloads hold more.")
