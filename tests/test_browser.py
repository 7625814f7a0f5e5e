"""The dashboard in a real headless Chromium: `tracker dashboard` on a free port over five ecosystems, every
page loaded with Playwright, charts drawn, no error box; the Compare page at 1440 x 1000 and 1024 x 768,
no chart's text outside its chart. Screenshots go to the test's tmp folder (or `TRACKER_SCREENSHOTS`),
named in the test output."""

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

from tests.dashboard_db import FIVE
from tests.ports import free_port

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


@contextlib.contextmanager
def _serving(url: str, log: Path, *args: str) -> Iterator[str]:
    """`tracker dashboard ARGS` on the database at `url`, until the block ends; its base URL."""
    port = free_port()
    env = {**os.environ, "TRACKER_DATABASE_URL": url}
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "tracker", "dashboard", "--port", str(port), *args],
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


@pytest.fixture(scope="module")
def dashboard(five_ecosystems: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`tracker dashboard` on five ecosystems over 14 months of emulator snapshots; its base URL."""
    with _serving(five_ecosystems, tmp_path_factory.mktemp("browser-log") / "dashboard.log") as base:
        yield base


def _screenshots(tmp_path: Path) -> Path:
    """Where the screenshots go: `TRACKER_SCREENSHOTS` (kept for a look), else the test's tmp folder."""
    folder = Path(os.environ.get("TRACKER_SCREENSHOTS") or tmp_path / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _announce(capsys: pytest.CaptureFixture[str], text: str) -> None:
    """A line in the test output, past the capture."""
    with capsys.disabled():
        sys.stdout.write(f"\n{text}\n")


def _load(page, url: str, *, charts: bool = True) -> None:  # noqa: ANN001 - a Playwright page
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


# Every chart's text (axis labels, legends, the key's names) inside its own drawing, and no chart wider
# than the page's main column: what a legend too long for its chart, or a label cut, looks like.
_CUT = """() => {
    const SLACK = 3;
    const main = document.querySelector('[data-testid="stMain"]');
    const out = {charts: 0, cut: [], texts: [], wide: []};
    if (main.scrollWidth > main.clientWidth + 1) out.wide.push('main: ' + main.scrollWidth);
    for (const chart of document.querySelectorAll('[data-testid="stVegaLiteChart"]')) {
        const svg = chart.querySelector('svg');
        if (!svg) continue;
        out.charts += 1;
        const box = svg.getBoundingClientRect();
        if (box.right > main.getBoundingClientRect().right + 1) out.wide.push(Math.round(box.width));
        for (const text of svg.querySelectorAll('text')) {
            const r = text.getBoundingClientRect();
            if (!r.width || !text.textContent.trim()) continue;
            out.texts.push(text.textContent.trim());
            // a text's box is its font's line, a few pixels taller and wider than its glyphs
            const outside = r.left < box.left - SLACK || r.right > box.right + SLACK
                || r.top < box.top - SLACK || r.bottom > box.bottom + SLACK;
            if (outside) out.cut.push(text.textContent.trim());
        }
    }
    return out;
}"""


def _scroll_shots(page, folder: Path, name: str, height: int) -> list[Path]:  # noqa: ANN001
    """Screenshots of the whole page, a viewport at a time (Streamlit scrolls its main column, so a
    full-page screenshot holds only the first screen)."""
    paths = []
    page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollTo(0, 0)")
    for n in range(1, 30):
        path = folder / f"{name}-{n}.png"
        page.screenshot(path=str(path))
        paths.append(path)
        moved = page.evaluate(
            """(step) => { const main = document.querySelector('[data-testid="stMain"]');
                const before = main.scrollTop; main.scrollBy(0, step); return main.scrollTop - before; }""",
            height - 120,  # overlapping steps: nothing falls between two screenshots
        )
        if moved <= 0:
            break
        page.wait_for_timeout(300)
    return paths


def test_compare_page_at_two_sizes(
    dashboard: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _screenshots(tmp_path)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            for width, height in ((1440, 1000), (1024, 768)):
                page = browser.new_page(viewport={"width": width, "height": height})
                _load(page, f"{dashboard}/ecosystems")
                assert page.locator('[data-testid="stException"]').count() == 0
                assert page.locator('[data-testid="stAlertContentError"]').count() == 0
                found = page.evaluate(_CUT)
                assert found["charts"] == page.locator('[data-testid="stVegaLiteChart"]').count() >= 8
                assert not found["cut"], (width, found["cut"])
                assert not found["wide"], (width, found["wide"])
                for name in FIVE:  # every ecosystem named on the charts (legends, the key, axes)
                    assert found["texts"].count(name) >= 5, (width, name)
                shots = _scroll_shots(page, folder, f"compare-{width}x{height}", height)
                assert len(shots) >= 3  # the page is several screens long
                page.close()
        finally:
            browser.close()
    _announce(capsys, f"Compare page screenshots: {folder}/compare-*.png")


def test_every_page_in_chromium(dashboard: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shots = tmp_path / "screenshots"
    shots.mkdir()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 1800})
            for path, has_charts in PAGES.items():
                _load(page, f"{dashboard}/{path}", charts=has_charts)
                name = path or "overview"
                page.screenshot(path=str(shots / f"{name}.png"))
                assert page.locator('[data-testid="stException"]').count() == 0, name
                assert page.locator('[data-testid="stAlertContentError"]').count() == 0, name
                # a product's chrome: the viewer's toolbar, no Deploy button
                assert page.locator('[data-testid="stAppDeployButton"]').count() == 0, name
        finally:
            browser.close()
    saved = os.environ.get("TRACKER_SCREENSHOTS")
    if saved:  # keep them for a look: TRACKER_SCREENSHOTS=/some/folder pytest -m browser
        for shot in shots.iterdir():
            Path(saved).mkdir(parents=True, exist_ok=True)
            (Path(saved) / shot.name).write_bytes(shot.read_bytes())
    assert len(list(shots.iterdir())) == len(PAGES)
    _announce(capsys, f"Page screenshots: {saved or shots}/*.png")


def test_the_html_digest_in_chromium(
    five_ecosystems: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`tracker digest --output week.html` opened from disk, offline: readable, every chart drawn."""
    folder = _screenshots(tmp_path)
    page_file = tmp_path / "week.html"
    made = subprocess.run(
        [sys.executable, "-m", "tracker", "digest", "--database", five_ecosystems, "-o", str(page_file)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert made.returncode == 0, made.stderr
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 900, "height": 1200})
            requests: list[str] = []
            page.on("request", lambda request: requests.append(request.url))
            page.goto(page_file.as_uri(), wait_until="load")
            images = page.evaluate(
                "() => [...document.images].map(i => ({alt: i.alt, w: i.naturalWidth, h: i.naturalHeight,"
                " shown: i.getBoundingClientRect().width}))"
            )
            headings = page.locator("h2").all_inner_texts()
            cells = page.locator("td").all_inner_texts()
            overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
            shot = folder / "digest.png"
            page.screenshot(path=str(shot), full_page=True)
        finally:
            browser.close()
    assert len(images) == 4
    for image in images:
        assert image["w"] > 600, image  # decoded: a real chart, not a broken image
        assert image["h"] > 100, image
        assert 0 < image["shown"] <= 900, image  # fits the page
    assert headings[:2] == ["Headline", "New derivatives"]
    assert "The ecosystems side by side" in headings
    assert "Derivatives" in cells
    assert overflow <= 0  # no sideways scrolling
    assert all(url.startswith(("file:", "data:")) for url in requests)  # nothing fetched from a network
    _announce(capsys, f"digest screenshot: {shot}")


def test_developer_mode_has_streamlits_developer_toolbar(five_ecosystems: str, tmp_path: Path) -> None:
    """`--developer` brings back the Deploy button the viewer's toolbar hides (so its absence is the mode's
    doing, not a page that failed to draw it)."""
    with _serving(five_ecosystems, tmp_path / "developer.log", "--developer") as base:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
            try:
                page = browser.new_page(viewport={"width": 1440, "height": 900})
                _load(page, f"{base}/")
                deploy = page.locator('[data-testid="stAppDeployButton"]')
                deploy.wait_for(state="visible", timeout=30_000)
                assert deploy.count() == 1
            finally:
                browser.close()
