"""The one line every page opens with when its database was recorded from the Hub emulator (the demo's).

How the dashboard knows, without a schema change (`tracker.read.origin`): a database is the emulator's
when it holds complete runs and every one of them records an endpoint on a loopback address
(`snapshot_run.endpoint`: `http://127.0.0.1:<port>`, as every run of `tracker demo` does, its snapshots
and its imports of the emulated weekly archive alike); the real Hub is never on a loopback address, and a
run recording no endpoint is not known to be the emulator's. Its ids and lineage are real when every run
lies in the weeks of real Hub lineage the demo replays (2025-03-12 to 2025-07-02); the emulator's
synthetic catalogue makes them up. Either way its figures (downloads, likes, trending scores) are
synthetic, and the history starts part-way through the Hub's life: its first run already holds every
model made before it, so growth multiples count from there. The sentence is `tracker.read.origin.line`,
so the digest can say the same.

`app.py` calls `banner` once, above every page; a database from the Hub shows nothing.
"""

from __future__ import annotations

import streamlit as st
from sqlalchemy.engine import Engine

from dashboard import data
from tracker.read import origin


def banner_text(found: origin.Origin) -> str | None:
    """The line for a database of this origin (`tracker.read.origin.line`, which the digest shares), or
    None for one recorded from the Hub."""
    text = origin.line(found)
    return None if text is None else f":material/science: {text}"


def banner(engine: Engine, url: str, version: tuple) -> None:
    """Show the line (a caption above the page) when the database was recorded from the emulator."""
    text = banner_text(data.origin_of(engine, url, version))
    if text:
        st.caption(text)
