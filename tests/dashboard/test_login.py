"""Who may read the dashboard (`tracker.core.login`), and `tracker dashboard`'s checks of where and to whom it
serves: one line and exit 1 for a login that cannot work, before anything is served; one warning line for
a dashboard open beyond loopback; secrets never in a line."""

from __future__ import annotations

import secrets
import tomllib
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.dashboard.test_dashboard import APP
from tests.support.browser import serving
from tests.support.commands import tracker
from tests.support.dashboard_db import build_database
from tests.support.ports import free_port
from tracker.core.login import (
    AllowList,
    LoginError,
    base_path,
    insecure_callback,
    is_loopback,
    load_login,
    parse_allow,
    read_login_file,
    refusal,
)

COOKIE = secrets.token_urlsafe(32)
CLIENT_SECRET = "client-" + secrets.token_urlsafe(16)
SETTINGS = {
    "server_metadata_url": "https://login.example.com/.well-known/openid-configuration",
    "client_id": "tracker-dashboard",
    "client_secret": CLIENT_SECRET,
    "cookie_secret": COOKIE,
    "redirect_uri": "https://intranet.example/tracker/oauth2callback",
}


def test_the_allow_list_admits_addresses_and_domains_in_any_case() -> None:
    allow = parse_allow("Alice@Example.com, @partner.org  carol@lab.example.net")
    assert allow.entries() == ["alice@example.com", "carol@lab.example.net", "@partner.org"]
    assert refusal(allow, {"email": "ALICE@example.com", "email_verified": True}) is None
    assert refusal(allow, {"email": "dan@partner.org", "email_verified": "true"}) is None
    assert "verified" in refusal(allow, {"email": "dan@partner.org"})  # no email_verified claim: not a yes
    assert (
        refusal(allow, {"email": "dan@sub.partner.org", "email_verified": True})
        == "this account is not on the dashboard's list of readers"
    )
    assert refusal(allow, {"email": "eve@example.com", "email_verified": True}) is not None  # not its domain
    assert refusal(allow, {"email": "mallory@partner.org.evil.com", "email_verified": True}) is not None
    assert "not verified" in refusal(allow, {"email": "dan@partner.org", "email_verified": False})
    assert "not verified" in refusal(allow, {"email": "dan@partner.org", "email_verified": "false"})
    assert "no e-mail address" in refusal(allow, {"sub": "123"})
    everyone = parse_allow("*")
    assert everyone
    assert refusal(everyone, {"sub": "123"}) is None
    assert not parse_allow("")
    assert not parse_allow(None)
    assert not AllowList()


@pytest.mark.parametrize("entry", ["example.com", "@", "a@b", "alice@@example.com", "@exa mple.com"[:4]])
def test_a_malformed_allow_entry_is_named(entry: str) -> None:
    with pytest.raises(LoginError, match="TRACKER_DASHBOARD_ALLOW"):
        parse_allow(entry)


def test_the_login_comes_from_the_file_and_the_environment_which_wins() -> None:
    file = {key: value for key, value in SETTINGS.items() if key not in ("client_secret", "cookie_secret")}
    env = {
        "TRACKER_DASHBOARD_AUTH_CLIENT_SECRET": CLIENT_SECRET,
        "TRACKER_DASHBOARD_AUTH_COOKIE_SECRET": COOKIE,
        "TRACKER_DASHBOARD_AUTH_CLIENT_ID": "from-env",
        "PATH": "/usr/bin",
    }
    login = load_login(file, env, base_path="tracker")
    assert login is not None
    assert login.settings["client_id"] == "from-env"
    assert login.provider == "login.example.com"
    assert CLIENT_SECRET not in login.describe()
    assert COOKIE not in login.describe()
    written = tomllib.loads(login.secrets_toml())  # what Streamlit reads back: the same settings
    assert written == {"auth": dict(login.settings)}
    assert load_login(None, {"PATH": "/usr/bin"}) is None  # nothing said: no login


def test_the_secrets_file_keeps_any_character_and_a_table() -> None:
    odd = {**SETTINGS, "client_secret": 'quote" back\\slash \u00e9', "client_kwargs": {"prompt": "login"}}
    login = load_login(odd, {}, base_path="tracker")
    assert tomllib.loads(login.secrets_toml())["auth"] == odd


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"client_secret": None}, r"missing client_secret \(TRACKER_DASHBOARD_AUTH_CLIENT_SECRET\)"),
        ({"cookie_secret": "short"}, "cookie_secret is too short"),
        ({"redirect_uri": "https://intranet.example/oauth2callback"}, "must end in /tracker/oauth2callback"),
        ({"redirect_uri": "/tracker/oauth2callback"}, "absolute URL"),
        ({"server_metadata_url": "login.example.com"}, "discovery URL"),
        ({"client_secrets": "x"}, "unknown key 'client_secrets'"),
        ({"google": {"client_id": "x"}}, "one provider"),
    ],
)
def test_a_login_that_cannot_work_is_named_without_its_secrets(change: dict, message: str) -> None:
    settings = {key: value for key, value in {**SETTINGS, **change}.items() if value is not None}
    with pytest.raises(LoginError, match=message) as caught:
        load_login(settings, {}, base_path="/tracker/")
    assert CLIENT_SECRET not in str(caught.value)
    assert COOKIE not in str(caught.value)


def test_an_unknown_environment_setting_is_named() -> None:
    with pytest.raises(LoginError, match="TRACKER_DASHBOARD_AUTH_SECRET"):
        load_login(SETTINGS, {"TRACKER_DASHBOARD_AUTH_SECRET": "x"})


def test_the_login_file_is_streamlits_auth_table() -> None:
    assert read_login_file('[auth]\nclient_id = "x"\n', "f.toml") == {"client_id": "x"}
    with pytest.raises(LoginError, match="f.toml: not valid TOML"):
        read_login_file("[auth\n", "f.toml")
    with pytest.raises(LoginError, match="f.toml: no \\[auth\\] table"):
        read_login_file("# nothing yet\n", "f.toml")
    with pytest.raises(LoginError, match="unknown table or key 'connections'"):
        read_login_file('[auth]\nclient_id = "x"\n[connections]\nx = 1\n', "f.toml")


def test_addresses_and_paths() -> None:
    assert [is_loopback(h) for h in ("127.0.0.1", "127.1.2.3", "::1", "[::1]", "localhost")] == [True] * 5
    assert [is_loopback(h) for h in ("0.0.0.0", "::", "10.0.0.5", "intranet.example")] == [False] * 4
    assert base_path("/tracker/") == base_path("tracker") == "tracker"
    assert base_path("/team/tracker") == "team/tracker"
    assert base_path("") == base_path("/") == ""
    with pytest.raises(LoginError, match="base path"):
        base_path("/tracker?x=1")
    plain = load_login(
        {**SETTINGS, "redirect_uri": "http://intranet.example/tracker/oauth2callback"},
        {},
        base_path="tracker",
    )
    local = load_login({**SETTINGS, "redirect_uri": "http://localhost:8501/oauth2callback"}, {})
    assert insecure_callback(plain)
    assert not insecure_callback(local)
    assert not insecure_callback(load_login(SETTINGS, {}, base_path="tracker"))


# --- the command ---------------------------------------------------------------------------------------


def _login_file(tmp_path: Path, **settings: str) -> Path:
    path = tmp_path / "login.toml"
    path.write_text("[auth]\n" + "".join(f'{key} = "{value}"\n' for key, value in settings.items()))
    return path


@pytest.mark.subprocess
@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["--allow", "@example.com"], {}, "needs a login to check it against"),
        (["--login", "{login}"], {}, "a login needs a list of readers"),
        (["--login", "{login}", "--allow", "example.com"], {}, "is neither an e-mail address"),
        (["--login", "{missing}"], {"TRACKER_DASHBOARD_ALLOW": "*"}, "cannot read login file"),
        (["--login", "{binary}"], {"TRACKER_DASHBOARD_ALLOW": "*"}, "not UTF-8 text"),
        (
            ["--login", "{login}", "--base-path", "/team/"],
            {"TRACKER_DASHBOARD_ALLOW": "*"},
            "must end in /team/",
        ),
        (["--login", "{login}"], {"TRACKER_DASHBOARD_ALLOW": "*"}, "the login's provider does not answer at"),
        ([], {"TRACKER_DASHBOARD_AUTH_CLIENT_ID": "x"}, "the login is incomplete"),
    ],
)
def test_tracker_dashboard_refuses_a_login_that_cannot_work(
    args: list[str], env: dict[str, str], message: str, tmp_path: Path
) -> None:
    nobody = free_port()  # nothing listens there: a provider that does not answer
    login = _login_file(
        tmp_path,
        server_metadata_url=f"http://127.0.0.1:{nobody}/.well-known/openid-configuration",
        client_id="tracker-dashboard",
        client_secret=CLIENT_SECRET,
        cookie_secret=COOKIE,
        redirect_uri="http://localhost:8501/oauth2callback",
    )
    binary = tmp_path / "binary.toml"
    binary.write_bytes(b'[auth]\nclient_id = "\xff\xfe"\n')
    filled = [arg.format(login=login, missing=tmp_path / "nowhere.toml", binary=binary) for arg in args]
    done = tracker(
        "dashboard", "--database", f"sqlite:///{tmp_path / 'none.db'}", *filled, env=env, timeout=60
    )
    assert done.returncode == 1, done.stdout + done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("tracker: ")
    assert message in lines[0], done.stderr
    assert CLIENT_SECRET not in done.stderr + done.stdout
    assert COOKIE not in done.stderr + done.stdout


@pytest.mark.subprocess
def test_beyond_loopback_without_a_login_it_warns_once(five_ecosystems: str, tmp_path: Path) -> None:
    with serving(five_ecosystems, tmp_path / "open.log", "--host", "0.0.0.0") as base:
        assert base
    lines = (tmp_path / "open.log").read_text().splitlines()
    warnings = [line for line in lines if line.startswith("warning:")]
    assert len(warnings) == 1, lines
    assert "anyone who can reach this address can read it" in warnings[0]
    assert "--login FILE" in warnings[0]
    assert "Serving the dashboard to a team" in warnings[0]
    with serving(five_ecosystems, tmp_path / "loopback.log") as base:
        assert base
    assert not [line for line in (tmp_path / "loopback.log").read_text().splitlines() if "warning" in line]


# --- the gate (AppTest): it fails closed, and reads nothing before it opens ---------------------------

AUTH = {
    "redirect_uri": "http://localhost:8501/oauth2callback",
    "cookie_secret": COOKIE,
    "client_id": "tracker-dashboard",
    "client_secret": CLIENT_SECRET,
    "server_metadata_url": "http://localhost:9/.well-known/openid-configuration",
}


@pytest.fixture(scope="module")
def one_week(tmp_path_factory: pytest.TempPathFactory) -> str:
    return build_database(tmp_path_factory.mktemp("gate") / "tracker.db", weeks=1)


def _gate(one_week: str, monkeypatch: pytest.MonkeyPatch, *, auth: bool, env: dict[str, str]) -> AppTest:
    monkeypatch.setenv("TRACKER_DATABASE_URL", one_week)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    at = AppTest.from_file(APP, default_timeout=60)
    if auth:
        at.secrets["auth"] = AUTH
    at.run()
    assert not at.exception
    return at


def _shows_data(at: AppTest) -> bool:
    return bool(at.metric or at.get("vega_lite_chart") or at.sidebar.header)


@pytest.mark.parametrize(
    ("auth", "env", "shown"),
    [
        (False, {"TRACKER_DASHBOARD_LOGIN_REQUIRED": "1"}, "login settings could not be read"),
        (True, {}, "the list of readers (TRACKER_DASHBOARD_ALLOW) is empty"),
        (True, {"TRACKER_DASHBOARD_ALLOW": "example.com"}, "No one can be let in: TRACKER_DASHBOARD_ALLOW"),
    ],
)
def test_the_gate_fails_closed(
    one_week: str, monkeypatch: pytest.MonkeyPatch, auth: bool, env: dict[str, str], shown: str
) -> None:
    at = _gate(one_week, monkeypatch, auth=auth, env=env)
    assert shown in at.error[0].value
    assert not _shows_data(at)
    assert not at.button


def test_before_logging_in_only_the_login_button(one_week: str, monkeypatch: pytest.MonkeyPatch) -> None:
    at = _gate(one_week, monkeypatch, auth=True, env={"TRACKER_DASHBOARD_ALLOW": "@example.com"})
    assert [button.label for button in at.button] == ["Log in"]
    assert not _shows_data(at)
    shown = " ".join(str(element.value) for element in (*at.markdown, *at.title))
    assert CLIENT_SECRET not in shown
    assert COOKIE not in shown


def test_without_a_login_the_dashboard_is_as_before(one_week: str, monkeypatch: pytest.MonkeyPatch) -> None:
    at = _gate(one_week, monkeypatch, auth=False, env={})
    assert _shows_data(at)
    assert not at.button
