"""The door: with a login configured, nothing of the data is read or sent before the reader is admitted.

`admit()` runs first in `app.py`, before the database is opened. Without a login (no `[auth]` settings,
and `tracker dashboard` did not ask for one) it does nothing: the dashboard as on loopback. With one,
a reader who has not logged in sees a login button, an account outside the allow-list a polite
refusal naming it with a log-out button, and both pages end there (`st.stop()`), so no page's figures
are computed or sent. It fails closed: a login asked for but unreadable, an empty allow-list, or claim
rules that cannot be safe (`login.claim_rules`) admit no one.
"""

from __future__ import annotations

import os

import streamlit as st

from dashboard.links import literal
from tracker.core import login


def _auth_configured() -> bool:
    try:
        return "auth" in st.secrets
    except FileNotFoundError:  # no secrets file at all
        return False


def _closed(title: str, message: str) -> None:
    st.title(title)
    st.error(message, icon=":material/lock:")
    st.stop()


def admit(title: str) -> None:
    """Return only for a reader the dashboard may show its data to; otherwise render why, and stop."""
    configured = _auth_configured()
    if not configured and os.environ.get(login.REQUIRED_ENV) != "1":
        return
    if not configured:
        _closed(
            title, "This dashboard needs a login, but its login settings could not be read. Nothing is shown."
        )
    try:
        allow = login.parse_allow(os.environ.get(login.ALLOW_ENV))
    except login.LoginError as exc:
        _closed(title, f"No one can be let in: {exc}.")
    if not allow:
        _closed(title, f"No one can be let in yet: the list of readers ({login.ALLOW_ENV}) is empty.")
    try:
        rules = login.claim_rules_from(os.environ, str(st.secrets["auth"].get("server_metadata_url", "")))
    except login.LoginError as exc:
        _closed(title, f"No one can be let in: {exc}.")
    user = st.user
    if not user.get("is_logged_in"):
        st.title(title)
        st.markdown("This dashboard is for its team's readers. Log in to see it.")
        if st.button("Log in", type="primary", icon=":material/login:"):
            st.login()
        st.stop()
    account = str(user.get("email") or user.get("name") or user.get("sub") or "an unnamed account")
    why = login.refusal(allow, user.to_dict(), rules)
    if why:
        st.title(title)
        st.warning(f"Sorry, you are logged in as {literal(account)}, and {why}.", icon=":material/block:")
        st.markdown(
            "Ask the person who runs this dashboard to add you, or log out and log in with another account."
        )
        if st.button("Log out", icon=":material/logout:"):
            st.logout()
        st.stop()
    with st.sidebar:
        st.caption(f"Logged in as {literal(account)}")
        if st.button("Log out", key="gate_logout", icon=":material/logout:"):
            st.logout()
