"""Formats and licences: the quantization formats and the licence mix over time."""

from __future__ import annotations

import streamlit as st

from dashboard.context import current
from tracker.report import charts

ctx = current()
archived = ctx.archived()
st.title("Formats and licences")
licences = ctx.series("license")
if licences.empty:
    st.warning("No model matches the filters in the sidebar.")
    st.stop()

quantized = tuple(r for r in ctx.relations or ("quantized",) if r == "quantized")
formats = ctx.series("format", relations=quantized) if quantized else licences.iloc[0:0].assign(format="")
formats = formats.groupby(["run_id", "taken_at", "format"], as_index=False)["derivatives"].sum()
licences = licences.groupby(["run_id", "taken_at", "license"], as_index=False)["derivatives"].sum()
top = licences[licences["run_id"] == licences["run_id"].max()].nlargest(8, "derivatives")["license"]
licences["license"] = licences["license"].where(licences["license"].isin(top), "other")
licences = licences.groupby(["run_id", "taken_at", "license"], as_index=False)["derivatives"].sum()

share = st.toggle("Show shares", key="fmt_share", bind="query-params")
st.subheader("Quantized derivatives by format")
if formats.empty:
    st.info("No quantized derivative within the filters.")
elif share:
    st.altair_chart(
        charts.shares(formats, "derivatives", "format", title="share of quantizations", archived=archived)
    )
else:
    st.altair_chart(
        charts.over_time(
            formats, "derivatives", title="quantized derivatives", by="format", archived=archived
        )
    )
st.subheader("Derivatives by licence")
if share:
    st.altair_chart(
        charts.shares(licences, "derivatives", "license", title="share of derivatives", archived=archived)
    )
else:
    st.altair_chart(
        charts.over_time(licences, "derivatives", title="derivatives", by="license", archived=archived)
    )
st.caption(
    "Licence: the model's `license:` tag (`none` when it declares none); the eight commonest in "
    "the latest run, the rest as `other`. Format: from tags and library (GGUF, AWQ, GPTQ, EXL2, MLX, "
    "bitsandbytes)."
)

if archive_note := ctx.archive_note():
    st.caption(archive_note)
