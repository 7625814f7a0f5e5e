"""A shared link's parameters in a real Chromium (issue 27, item 6): what Streamlit renders from a link that
carries a Markdown link holds no live link; the value shows as text, in a code element."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest

from tests.support.browser import ARGS, CHROMIUM, load, pytestmark, serving, sync_playwright
from tests.support.dashboard_db import build_database

__all__ = ["pytestmark"]  # the browser mark, and the skip when Chromium or Playwright is missing

PHISH = "[Session expired, sign in again](https://evil.example/login)"


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("link-text-browser")
    database = build_database(folder / "tracker.db", weeks=1)
    with serving(database, folder / "dashboard.log") as url:
        yield url


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("", {"note": "x", "f_ecosystems": PHISH}),  # the notice of what the link could not set
        ("lineage", {"lin_search": PHISH}),  # the explorer's search, echoed when nothing matches
    ],
)
def test_no_live_link_reaches_the_page(
    dashboard: str, path: str, params: dict[str, str], tmp_path: Path
) -> None:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            load(page, f"{dashboard}/{path}?{urlencode(params)}", charts=False)
            shown = page.locator("code", has_text="Session expired")
            shown.first.wait_for(timeout=10_000)  # the value, as text
            assert page.locator('a[href*="evil.example"]').count() == 0
            page.screenshot(path=str(tmp_path / f"link-text-{path or 'overview'}.png"))
        finally:
            browser.close()
