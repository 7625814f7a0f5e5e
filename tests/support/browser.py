"""What the browser tests share: Debian's Chromium under Playwright, `tracker dashboard` served on a free
port until a block ends, a page loaded until Streamlit is idle, screenshots where they can be found."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.ports import free_port

CHROMIUM = "/usr/bin/chromium"
# url path of each page (st.Page derives it from the file name) and whether it draws charts: Movers
# draws none on the five-ecosystem test database, where no model clears the movers' floors (tests/dashboard/
# test_movers_browser.py draws them on figures that do)
PAGES = {
    "": True,
    "families": True,
    "lineage": True,
    "movers": False,
    "builders": True,
    "formats": True,
    "ecosystems": True,
    "whole_hub": True,
    "data": False,
}
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
pytestmark = pytest.mark.browser
if not Path(CHROMIUM).exists():
    reason = f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    pytestmark = [pytestmark, pytest.mark.skip(reason=reason)]
try:
    from playwright.sync_api import sync_playwright
except ImportError:  # pragma: no cover - the dev group installs it
    sync_playwright = None
    pytestmark = [pytestmark, pytest.mark.skip(reason="playwright is not installed (uv sync --group dev)")]


@contextlib.contextmanager
def serving(
    url: str,
    log: Path,
    *args: str,
    port: int | None = None,
    host: str = "127.0.0.1",
    base_path: str = "",
    env: dict[str, str] | None = None,
) -> Iterator[str]:
    """`tracker dashboard ARGS` on the database at `url`, until the block ends; its base URL
    (`http://HOST:PORT` then `/BASE_PATH` when the dashboard is served under one)."""
    port = port or free_port()
    env = {**os.environ, "TRACKER_DATABASE_URL": url, **(env or {})}
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "tracker", "dashboard", "--port", str(port), *args],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://{host}:{port}" + (f"/{base_path.strip('/')}" if base_path.strip("/") else "")
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


def screenshots(tmp_path: Path) -> Path:
    """Where the screenshots go: `TRACKER_SCREENSHOTS` (kept for a look), else the test's tmp folder."""
    folder = Path(os.environ.get("TRACKER_SCREENSHOTS") or tmp_path / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def announce(capsys: pytest.CaptureFixture[str], text: str) -> None:
    """A line in the test output, past the capture."""
    with capsys.disabled():
        sys.stdout.write(f"\n{text}\n")


def load(page, url: str, *, charts: bool = True) -> None:  # noqa: ANN001 - a Playwright page
    page.goto(url, wait_until="domcontentloaded")
    page.wait_for_selector("h1", state="visible", timeout=60_000)
    if charts:
        page.wait_for_selector(
            '[data-testid="stVegaLiteChart"] canvas, [data-testid="stVegaLiteChart"] svg',
            state="visible",
            timeout=60_000,
        )
    page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached", timeout=60_000)
    page.wait_for_timeout(800)  # let the charts finish their first paint
