"""Shareable views: every page's choices live in its link's query parameters.

The widgets are bound with Streamlit's own `bind="query-params"` (keyed by the widget's key): choosing
writes the link, opening a link chooses. Streamlit drops a value a widget cannot take, silently; here a
parameter the page could not use (an unknown key, a value not among the options, a malformed date) is
named once in a small notice, and the page shows as if it were not there.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import streamlit as st

GIVEN = "_link_given"
STREAMLIT_OWN = frozenset({"embed", "embed_options"})  # Streamlit's own parameters, never a choice


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
        names = ", ".join(f"{key}={'&'.join(values) if values else ''}" for key, values in ignored.items())
        st.toast(f"Ignored in this link: {names} (not a choice of this page).", icon=":material/link_off:")


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
