"""The login in a real Chromium: `tracker dashboard --host 0.0.0.0 --base-path /tracker/` with an OpenID
Connect login against a real provider on 127.0.0.1 (`oidc-provider-mock`: discovery, authorization form,
tokens, end of session), admitting `@example.com`.

An allowed reader logs in through the provider's form and sees the Overview, then logs out; an outsider is
refused by name; before logging in, no page holds any of the Overview's figures. Screenshots of each step go
to the test's tmp folder (or `TRACKER_SCREENSHOTS`), named in the test output."""

from __future__ import annotations

import contextlib
import os
import re
import secrets
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from tests.support.browser import (
    ARGS,
    CHROMIUM,
    announce,
    load,
    pytestmark,
    screenshots,
    serving,
    sync_playwright,
)
from tests.support.ports import free_port

__all__ = ["pytestmark"]  # the browser mark, and the skip when Chromium or Playwright is missing

BASE = "tracker"
READERS = {
    "alice": {"email": "alice@example.com", "email_verified": True, "name": "Alice Martin"},
    "bob": {"email": "bob@elsewhere.org", "email_verified": True, "name": "Bob Stone"},
}
PAGE_PATHS = ("", "families", "lineage", "movers", "builders", "formats", "ecosystems", "data")
_DATA = '[data-testid="stMetric"], [data-testid="stVegaLiteChart"], [data-testid="stDataFrame"]'


@pytest.fixture(scope="module")
def provider() -> Iterator[str]:
    """A real OpenID Connect provider on localhost, knowing alice and bob; its base URL."""
    import oidc_provider_mock

    os.environ.setdefault("AUTHLIB_INSECURE_TRANSPORT", "1")  # the provider's own check: plain http here
    with oidc_provider_mock.run_server_in_thread() as server:
        url = f"http://localhost:{server.server_port}"
        for sub, claims in READERS.items():
            assert httpx.put(f"{url}/users/{quote(sub)}", json=claims).status_code == 204
        yield url


@pytest.fixture(scope="module")
def login_secrets() -> dict[str, str]:
    return {"client_secret": secrets.token_urlsafe(24), "cookie_secret": secrets.token_urlsafe(32)}


@pytest.fixture(scope="module")
def team(
    five_ecosystems: str,
    provider: str,
    login_secrets: dict[str, str],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[str, Path]]:
    """The dashboard for a team: every interface, under /tracker/, the login in a file but its secrets
    in the environment (as a systemd credentials file would give them); (its URL, its log)."""
    folder = tmp_path_factory.mktemp("team")
    port = free_port()
    login = folder / "login.toml"
    login.write_text(
        "[auth]\n"
        f'server_metadata_url = "{provider}/.well-known/openid-configuration"\n'
        'client_id = "tracker-dashboard"\n'
        f'redirect_uri = "http://localhost:{port}/{BASE}/oauth2callback"\n'
    )
    env = {
        "TRACKER_DASHBOARD_AUTH_CLIENT_SECRET": login_secrets["client_secret"],
        "TRACKER_DASHBOARD_AUTH_COOKIE_SECRET": login_secrets["cookie_secret"],
        "TRACKER_DASHBOARD_ALLOW": "@example.com",
    }
    log = folder / "dashboard.log"
    args = ("--host", "0.0.0.0", "--base-path", f"/{BASE}/", "--login", str(login))
    with serving(five_ecosystems, log, *args, port=port, host="localhost", base_path=BASE, env=env) as url:
        yield url, log


@contextlib.contextmanager
def _browser() -> Iterator[tuple[object, object]]:
    """A fresh Chromium context (no cookies) and its page; the provider's form's stylesheet, on a CDN, is
    not fetched (offline)."""
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 800})
            context.route(re.compile(r"^https://cdn\.jsdelivr\.net/"), lambda route: route.abort())
            yield context, context.new_page()
        finally:
            browser.close()


def _log_in(page, who: str) -> None:  # noqa: ANN001 - a Playwright page
    """Through the provider's own form: the dashboard's button, then the provider's Authorize."""
    page.get_by_role("button", name="Log in").click()
    page.wait_for_selector('input[name="sub"]', timeout=30_000)
    page.fill('input[name="sub"]', who)


def _texts_of_figures(page) -> list[str]:  # noqa: ANN001
    """The Overview's headline figures as shown (`1,234`), to look for on pages that must not hold them."""
    values = page.locator('[data-testid="stMetricValue"]').all_inner_texts()
    return [value.strip() for value in values if re.search(r"\d", value)]


def test_an_allowed_reader_logs_in_sees_the_overview_and_logs_out(
    team: tuple[str, Path], login_secrets: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url, log = team
    folder = screenshots(tmp_path)
    with _browser() as (context, page):
        load(page, f"{url}/", charts=False)
        page.get_by_role("button", name="Log in").wait_for(timeout=30_000)
        assert page.get_by_role("button", name="Log in").count() == 1
        assert page.locator(_DATA).count() == 0
        page.screenshot(path=str(folder / "login-1-before.png"))

        _log_in(page, "alice")
        page.screenshot(path=str(folder / "login-2-provider.png"))
        page.get_by_role("button", name="Authorize").click()
        page.wait_for_url(re.compile(rf"^http://localhost:\d+/{BASE}/"), timeout=30_000)
        load(page, page.url)
        assert page.title().startswith("Overview")
        assert page.locator('[data-testid="stMetric"]').count() >= 4
        assert "Logged in as alice@example.com" in page.locator('[data-testid="stSidebar"]').inner_text()
        figures = _texts_of_figures(page)
        assert figures
        page.screenshot(path=str(folder / "login-3-overview.png"))

        page.get_by_role("button", name="Log out").click()
        # the provider ends its session too (OpenID Connect RP-initiated logout), then sends us back
        page.wait_for_url(re.compile(r"/oauth2/end_session"), timeout=30_000)
        page.screenshot(path=str(folder / "login-4-provider-logout.png"))
        page.get_by_role("button", name="End session").click()
        page.wait_for_url(re.compile(rf"^http://localhost:\d+/{BASE}/"), timeout=30_000)
        load(page, page.url, charts=False)
        page.get_by_role("button", name="Log in").wait_for(timeout=30_000)
        assert page.locator(_DATA).count() == 0
        page.screenshot(path=str(folder / "login-5-logged-out.png"))
        assert not [c for c in context.cookies() if c["name"].startswith("_streamlit_user")]

        # logged out, no page holds a figure: not one of the Overview's numbers, nor a chart or table
        for path in PAGE_PATHS:
            load(page, f"{url}/{path}", charts=False)
            page.get_by_role("button", name="Log in").wait_for(timeout=30_000)
            assert page.locator(_DATA).count() == 0, path
            text = page.locator("body").inner_text()
            shown = [figure for figure in figures if figure in text]
            assert not shown, (path, shown)
    output = log.read_text()
    assert "login through" in output
    assert "readers: @example.com" in output
    assert "warning" not in output.lower().split("dashboard at")[0]  # a login is configured: no warning
    for secret in login_secrets.values():  # never logged
        assert secret not in output
    announce(capsys, f"login flow screenshots: {folder}/login-*.png")


def test_an_outsider_is_refused_by_name(
    team: tuple[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url, _ = team
    folder = screenshots(tmp_path)
    with _browser() as (context, page):
        load(page, f"{url}/lineage?lin_model=meta-llama%2FLlama-3.1-8B", charts=False)
        _log_in(page, "bob")
        page.get_by_role("button", name="Authorize").click()
        page.wait_for_url(re.compile(rf"^http://localhost:\d+/{BASE}/"), timeout=30_000)
        page.get_by_role("button", name="Log out").wait_for(timeout=30_000)  # the refusal's last element
        body = page.locator("body").inner_text()
        assert "bob@elsewhere.org" in body
        assert "not on the dashboard's list of readers" in body
        assert page.get_by_role("button", name="Log out").count() == 1
        assert page.locator(_DATA).count() == 0
        page.screenshot(path=str(folder / "login-refused.png"))
        for path in PAGE_PATHS:  # logged in, but no page is his to read
            load(page, f"{url}/{path}", charts=False)
            page.get_by_role("button", name="Log out").wait_for(timeout=30_000)
            assert "bob@elsewhere.org" in page.locator("body").inner_text(), path
            assert page.locator(_DATA).count() == 0, path
    announce(capsys, f"refusal screenshot: {folder}/login-refused.png")
