"""`tracker dashboard`'s smaller hardening (issue 27, item 8): a discovery URL in plain http beyond loopback
is refused in one line; readers see an error's type, never its traceback (`client.showErrorDetails`); the
login's secrets file lives in the service's runtime or state folder, mode 0600 in a 0700 folder, never
under /tmp where a cleaner deletes it."""

from __future__ import annotations

import secrets
import stat
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit import config
from streamlit.testing.v1 import AppTest

from tests.support.browser import serving
from tests.support.commands import tracker
from tests.support.dashboard_db import build_database
from tests.support.ports import free_port
from tracker.commands.dashboard import streamlit_options
from tracker.core.login import LoginError, load_login, secrets_home

SETTINGS = {
    "client_id": "tracker-dashboard",
    "client_secret": "client-" + secrets.token_urlsafe(16),
    "cookie_secret": secrets.token_urlsafe(32),
    "redirect_uri": "https://intranet.example/oauth2callback",
}
WELL_KNOWN = "/.well-known/openid-configuration"


# --- an http discovery URL ------------------------------------------------------------------------------


@pytest.mark.parametrize("host", ["login.example.com", "10.0.0.5", "0.0.0.0", "[fe80::1]"])
def test_a_discovery_url_in_clear_beyond_loopback_is_refused(host: str) -> None:
    with pytest.raises(LoginError, match="must be https"):
        load_login({**SETTINGS, "server_metadata_url": f"http://{host}{WELL_KNOWN}"}, {})


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "[::1]", "127.0.0.1:8080"])
def test_a_discovery_url_in_clear_on_loopback_is_let_through(host: str) -> None:
    assert load_login({**SETTINGS, "server_metadata_url": f"http://{host}{WELL_KNOWN}"}, {}) is not None


@pytest.mark.subprocess
def test_tracker_dashboard_refuses_it_in_one_line(tmp_path: Path) -> None:
    login = tmp_path / "login.toml"
    settings = {**SETTINGS, "server_metadata_url": f"http://login.example.com{WELL_KNOWN}"}
    login.write_text("[auth]\n" + "".join(f'{key} = "{value}"\n' for key, value in settings.items()))
    done = tracker(
        "dashboard",
        "--database",
        f"sqlite:///{tmp_path / 'none.db'}",
        "--login",
        str(login),
        "--allow",
        "*",
        timeout=60,
    )
    assert done.returncode == 1
    (line,) = done.stderr.strip().splitlines()
    assert "must be https" in line
    assert SETTINGS["client_secret"] not in done.stderr


# --- error details ----------------------------------------------------------------------------------------

FAILING = """
import streamlit as st
st.title("A page")
raise RuntimeError("(psycopg.errors.UndefinedTable) SELECT secret FROM runs -- /var/lib/tracker/app.py")
"""


def _options(*, developer: bool) -> dict[str, str]:
    given = streamlit_options(developer=developer)
    return dict(zip(given[::2], given[1::2], strict=True))


def test_readers_see_the_type_of_an_error_developers_all_of_it() -> None:
    assert _options(developer=False)["--client.showErrorDetails"] == "type"
    assert _options(developer=True)["--client.showErrorDetails"] == "full"


@pytest.fixture
def reader_options() -> Iterator[None]:
    """Streamlit's configuration as `tracker dashboard` sets it for readers, for one test."""
    name = "client.showErrorDetails"
    before = config.get_option(name)
    config.set_option(name, _options(developer=False)["--" + name])
    try:
        yield
    finally:
        config.set_option(name, before)


@pytest.mark.usefixtures("reader_options")
def test_a_failing_page_shows_readers_no_sql_and_no_path() -> None:
    at = AppTest.from_string(FAILING).run()
    (shown,) = at.exception
    assert "SELECT" not in shown.message
    assert "/var/lib" not in shown.message
    assert not shown.stack_trace
    assert "RuntimeError" in str(shown.proto)  # the type, for the reader to report


# --- where the secrets file lives -------------------------------------------------------------------------

HOME = Path("/home/ops")


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, HOME / ".local/state/tracker"),
        ({"XDG_STATE_HOME": "/srv/state"}, Path("/srv/state/tracker")),
        ({"XDG_STATE_HOME": "relative/state"}, HOME / ".local/state/tracker"),  # XDG: relative is ignored
        (
            {"STATE_DIRECTORY": "/var/lib/tracker-dashboard", "XDG_STATE_HOME": "/srv"},
            Path("/var/lib/tracker-dashboard"),
        ),
        (
            {"RUNTIME_DIRECTORY": "/run/tracker-dashboard:/run/other", "STATE_DIRECTORY": "/var/lib/x"},
            Path("/run/tracker-dashboard"),
        ),
    ],
)
def test_the_secrets_folder_is_the_services_own(environ: dict[str, str], expected: Path) -> None:
    assert secrets_home(environ, HOME) == expected


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.subprocess
def test_the_secrets_file_is_private_and_gone_at_stop(tmp_path: Path) -> None:
    import oidc_provider_mock

    database = build_database(tmp_path / "tracker.db", weeks=1)
    state = tmp_path / "state"
    port = free_port()
    with oidc_provider_mock.run_server_in_thread() as provider:
        login = tmp_path / "login.toml"
        settings = {
            **SETTINGS,
            "server_metadata_url": f"http://localhost:{provider.server_port}{WELL_KNOWN}",
            "redirect_uri": f"http://localhost:{port}/oauth2callback",
        }
        login.write_text("[auth]\n" + "".join(f'{key} = "{value}"\n' for key, value in settings.items()))
        env = {"XDG_STATE_HOME": str(state), "RUNTIME_DIRECTORY": "", "STATE_DIRECTORY": ""}
        args = ("--login", str(login), "--allow", "@example.com")
        with serving(database, tmp_path / "dashboard.log", *args, port=port, env=env):
            (folder,) = (state / "tracker").glob("dashboard-*")
            written = folder / "secrets.toml"
            assert _mode(state / "tracker") == 0o700
            assert _mode(folder) == 0o700
            assert _mode(written) == 0o600
            assert SETTINGS["cookie_secret"] in written.read_text()
        deadline = time.monotonic() + 15
        while folder.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not folder.exists()
    assert SETTINGS["client_secret"] not in (tmp_path / "dashboard.log").read_text()


@pytest.mark.subprocess
def test_an_unusable_secrets_folder_is_one_line(tmp_path: Path) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    done = tracker(
        "dashboard",
        "--database",
        build_database(tmp_path / "tracker.db", weeks=1),
        env={"XDG_STATE_HOME": str(blocked), "RUNTIME_DIRECTORY": "", "STATE_DIRECTORY": ""},
        timeout=60,
    )
    assert done.returncode == 1
    (line,) = done.stderr.strip().splitlines()
    assert str(blocked / "tracker") in line
