"""The dashboard in a real headless Chromium: `tracker dashboard` on a free port, every page loaded with
Playwright, charts drawn, no error box; a screenshot per page (kept in the test's tmp folder)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.dashboard_db import build_database

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# url path of each page (st.Page derives it from the file name) and whether it draws charts
PAGES = {
    "": True,
    "families": True,
    "lineage": True,
    "movers": True,
    "builders": True,
    "formats": True,
    "ecosystems": True,
    "data": False,
}

pytestmark = pytest.mark.browser
if not Path(CHROMIUM).exists():
    reason = f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    pytestmark = [pytestmark, pytest.mark.skip(reason=reason)]
try:
    from playwright.sync_api import sync_playwright
except ImportError:  # pragma: no cover - the dev group installs it
    sync_playwright = None
    pytestmark = [pytestmark, pytest.mark.skip(reason="playwright is not installed (uv sync --group dev)")]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`tracker dashboard` on a database of three weekly emulator snapshots; its base URL."""
    url = build_database(tmp_path_factory.mktemp("browser") / "tracker.db")
    port = _free_port()
    env = {**os.environ, "TRACKER_DATABASE_URL": url}
    log = tmp_path_factory.mktemp("browser-log") / "dashboard.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "tracker", "dashboard", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as answer:
                    if answer.read() == b"ok":
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the dashboard did not start: {log.read_text()[-2000:]}")
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


def test_every_page_in_chromium(dashboard: str, tmp_path: Path) -> None:
    shots = tmp_path / "screenshots"
    shots.mkdir()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 1800})
            for path, has_charts in PAGES.items():
                page.goto(f"{dashboard}/{path}", wait_until="domcontentloaded")
                page.wait_for_selector("h1", state="visible", timeout=60_000)
                if has_charts:
                    page.wait_for_selector(
                        '[data-testid="stVegaLiteChart"] canvas, [data-testid="stVegaLiteChart"] svg',
                        state="visible",
                        timeout=60_000,
                    )
                page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached", timeout=60_000)
                page.wait_for_timeout(500)  # let the charts finish their first paint
                name = path or "overview"
                page.screenshot(path=str(shots / f"{name}.png"))
                assert page.locator('[data-testid="stException"]').count() == 0, name
                assert page.locator('[data-testid="stAlertContentError"]').count() == 0, name
        finally:
            browser.close()
    saved = os.environ.get("TRACKER_SCREENSHOTS")
    if saved:  # keep them for a look: TRACKER_SCREENSHOTS=/some/folder pytest -m browser
        for shot in shots.iterdir():
            Path(saved).mkdir(parents=True, exist_ok=True)
            (Path(saved) / shot.name).write_bytes(shot.read_bytes())
    assert len(list(shots.iterdir())) == len(PAGES)
