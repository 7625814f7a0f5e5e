"""Shareable views: every page's choices live in its link's query parameters.

The widgets are bound with Streamlit's own `bind="query-params"` (keyed by the widget's key): choosing
writes the link, opening a link chooses. Streamlit drops a value a widget cannot take, silently; here a
parameter the page could not use (an unknown key, a value not among the options, a malformed date) is
named once in a small notice, and the page shows as if it were not there.

A link is anyone's to write, and Streamlit renders notices as Markdown: a parameter's value is shown as
text (`literal`, one code span), and a parameter the page does not know is named, never its value, so a
link cannot plant `[Session expired, sign in again](https://…)` inside the logged-in dashboard.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date

import streamlit as st

GIVEN = "_link_given"
STREAMLIT_OWN = frozenset({"embed", "embed_options"})  # Streamlit's own parameters, never a choice
SHOWN_CHARACTERS = 60  # of a value or an unknown name in a notice


def remember() -> None:
    """On a session's first run, before any widget: the query parameters the link came with."""
    if GIVEN not in st.session_state:
        st.session_state[GIVEN] = {
            key: st.query_params.get_all(key) for key in st.query_params if key not in STREAMLIT_OWN
        }


def report() -> None:
    """After the page: name the parameters of the link it could not use, once per session."""
    given = st.session_state.get(GIVEN)
    if not given:
        return
    st.session_state[GIVEN] = {}
    ignored = ignored_parameters(given, st.session_state)
    if ignored:
        names = describe_ignored(ignored, st.session_state)
        st.toast(f"Ignored in this link: {names} (not a choice of this page).", icon=":material/link_off:")


def describe_ignored(ignored: dict[str, list[str]], state) -> str:  # noqa: ANN001
    """The ignored parameters as Markdown that shows them as text: a choice of the page with the value it
    could not take (`mov_n=many`), an unknown parameter by its name alone (`note`)."""
    return ", ".join(
        literal(f"{key}={'&'.join(values)}") if key in state else literal(key)
        for key, values in ignored.items()
    )


def literal(text: str) -> str:
    """`text` as Markdown that shows it as typed and can never become markup (a link, an image, a colour):
    one code span on one line, fenced by more backticks than the text holds, cut to `SHOWN_CHARACTERS`."""
    flat = " ".join("".join(c if c.isprintable() else " " for c in text).split())
    if not flat:
        return "(empty)"
    if len(flat) > SHOWN_CHARACTERS:
        flat = flat[: SHOWN_CHARACTERS - 1] + "…"
    fence = "`" * (max((len(run) for run in re.findall(r"`+", flat)), default=0) + 1)
    return f"{fence} {flat} {fence}"  # CommonMark strips the one space each side


def ignored_parameters(given: dict[str, list[str]], state) -> dict[str, list[str]]:  # noqa: ANN001
    """The given parameters the page's widgets (their values in `state`) did not take as given."""
    return {key: values for key, values in given.items() if key not in state or not _same(state[key], values)}


def _same(value: object, given: list[str]) -> bool:
    shown = [v for v in _as_text(value) if v != ""]
    wanted = [v for v in given if v != ""]
    return [v.lower() for v in shown] == [v.lower() for v in wanted]


def _as_text(value: object) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, bool):
        return ["true" if value else "false"]
    if isinstance(value, date):
        return [value.isoformat()]
    if isinstance(value, Iterable):
        return [text for item in value for text in _as_text(item)]
    return [str(value)]
