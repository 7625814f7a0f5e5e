"""The dashboard in a real headless Chromium: `tracker dashboard` on a free port over five ecosystems, every
page loaded with Playwright, charts drawn, no error box; the Compare page at 1440 x 1000 and 1024 x 768,
no chart's text outside its chart. Screenshots go to the test's tmp folder (or `TRACKER_SCREENSHOTS`),
named in the test output."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote_plus

import pytest

from tests.support.browser import (
    ARGS,
    CHROMIUM,
    PAGES,
    announce,
    load,
    pytestmark,
    screenshots,
    serving,
    sync_playwright,
)
from tests.support.dashboard_db import FIVE
from tracker.core.ecosystems import load_ecosystems
from tracker.report import digest, digest_movers
from tracker.storage.database import open_store

LABELS = tuple(eco.label for eco in load_ecosystems() if eco.name in FIVE)  # "Meta Llama", ...
__all__ = ["pytestmark"]  # the browser mark, and the skip when Chromium or Playwright is missing


@pytest.fixture(scope="module")
def dashboard(five_ecosystems: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`tracker dashboard` on five ecosystems over 14 months of emulator snapshots; its base URL."""
    with serving(five_ecosystems, tmp_path_factory.mktemp("browser-log") / "dashboard.log") as base:
        yield base


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
            // Vega hides a label that would overlap another with opacity 0: not shown, so not cut
            if (!r.width || !text.textContent.trim() || text.getAttribute('opacity') === '0') continue;
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


COMPARE_SECTIONS = (
    "New derivatives",
    "Size and downloads",
    "What they are",
    "Base models' adoption",
    "Inference providers",
)


def test_compare_page_at_two_sizes(
    dashboard: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = screenshots(tmp_path)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            for width, height in ((1440, 1000), (1024, 768)):
                page = browser.new_page(viewport={"width": width, "height": height})
                charts, texts, shots = 0, [], []
                for i, section in enumerate(COMPARE_SECTIONS):  # a tab each, one drawn at a time
                    load(page, f"{dashboard}/ecosystems?cmp_section={quote_plus(section)}")
                    assert page.locator('[data-testid="stException"]').count() == 0, section
                    assert page.locator('[data-testid="stAlertContentError"]').count() == 0, section
                    found = page.evaluate(_CUT)
                    assert found["charts"] == page.locator('[data-testid="stVegaLiteChart"]').count() >= 1
                    assert not found["cut"], (width, section, found["cut"])
                    assert not found["wide"], (width, section, found["wide"])
                    charts += found["charts"]
                    texts += found["texts"]
                    shots += _scroll_shots(page, folder, f"compare-{i}-{width}x{height}", height)
                assert charts >= 8
                for name in LABELS:  # every ecosystem named by its label on the charts (legends, key, axes)
                    assert texts.count(name) >= 5, (width, name)
                assert len(shots) >= len(COMPARE_SECTIONS)
                page.close()
        finally:
            browser.close()
    announce(capsys, f"Compare page screenshots: {folder}/compare-*.png")


def test_every_page_in_chromium(dashboard: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shots = tmp_path / "screenshots"
    shots.mkdir()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 1800})
            titles: set[str] = set()
            for path, has_charts in PAGES.items():
                load(page, f"{dashboard}/{path}", charts=has_charts)
                name = path or "overview"
                page.screenshot(path=str(shots / f"{name}.png"))
                assert page.locator('[data-testid="stException"]').count() == 0, name
                assert page.locator('[data-testid="stAlertContentError"]').count() == 0, name
                # a product's chrome: the viewer's toolbar, no Deploy button; the tab names the page
                assert page.locator('[data-testid="stAppDeployButton"]').count() == 0, name
                assert page.title().endswith(" · Llama ecosystem tracker"), page.title()
                titles.add(page.title())
        finally:
            browser.close()
    saved = os.environ.get("TRACKER_SCREENSHOTS")
    if saved:  # keep them for a look: TRACKER_SCREENSHOTS=/some/folder pytest -m browser
        for shot in shots.iterdir():
            Path(saved).mkdir(parents=True, exist_ok=True)
            (Path(saved) / shot.name).write_bytes(shot.read_bytes())
    assert len(list(shots.iterdir())) == len(PAGES)
    assert len(titles) == len(PAGES)  # a title per page
    announce(capsys, f"Page screenshots: {saved or shots}/*.png")


def test_the_html_digest_in_chromium(
    five_ecosystems: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`tracker digest --output week.html` opened from disk, offline: readable, every chart drawn."""
    folder = screenshots(tmp_path)
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
    engine = open_store(five_ecosystems)
    try:
        risers = digest.build(engine).risers.head(digest.TOP)
    finally:
        engine.dispose()
    # derivatives, new, shares, and the risers when they rank
    assert len(images) == (4 if digest_movers.draws_a_leaderboard(risers) else 3)
    for image in images:
        assert image["w"] > 600, image  # decoded: a real chart, not a broken image
        assert image["h"] > 100, image
        assert 0 < image["shown"] <= 900, image  # fits the page
    assert headings[:2] == ["Headline", "New derivatives"]
    assert "The ecosystems side by side" in headings
    assert "Derivatives" in cells
    assert overflow <= 0  # no sideways scrolling
    assert all(url.startswith(("file:", "data:")) for url in requests)  # nothing fetched from a network
    announce(capsys, f"digest screenshot: {shot}")


def test_developer_mode_has_streamlits_developer_toolbar(five_ecosystems: str, tmp_path: Path) -> None:
    """`--developer` brings back the Deploy button the viewer's toolbar hides (so its absence is the mode's
    doing, not a page that failed to draw it)."""
    with serving(five_ecosystems, tmp_path / "developer.log", "--developer") as base:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
            try:
                page = browser.new_page(viewport={"width": 1440, "height": 900})
                load(page, f"{base}/")
                deploy = page.locator('[data-testid="stAppDeployButton"]')
                deploy.wait_for(state="visible", timeout=30_000)
                assert deploy.count() == 1
            finally:
                browser.close()


@pytest.fixture(scope="module")
def real_week(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The demo's first week (`tracker demo --weeks 1`): the real catalogue's ids and lineage."""
    url = f"sqlite:///{tmp_path_factory.mktemp('real-week') / 'demo.db'}"
    made = subprocess.run(
        [sys.executable, "-m", "tracker", "-q", "demo", "--weeks", "1", "--no-dashboard", "--database", url],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert made.returncode == 0, made.stderr[-2000:]
    return url


# The tree's drawn spans, from the marks' accessible labels (Vega names each mark's fields).
_SPANS = """() => {
    const out = [];
    for (const mark of document.querySelectorAll('[data-testid="stVegaLiteChart"] [aria-label]')) {
        const label = mark.getAttribute('aria-label');
        if (!label.includes('drawn under') || !label.includes('x1: ')) continue;  // the spans, not labels
        const field = (name) => {
            const m = label.match(new RegExp(name + ': ([^;]*)'));
            return m ? m[1] : '';
        };
        out.push({model: field('model'), parent: field('drawn under'), row: field('level_name'),
                  x0: parseFloat(field('x0')), x1: parseFloat(field('x1'))});
    }
    return out;
}"""
LLAMA = "meta-llama/Llama-3.1-8B-Instruct"


def _selected(page) -> str:  # noqa: ANN001 - a Playwright page
    """What the page's first select box shows (its label and its chosen option)."""
    return page.locator('[data-testid="stSelectbox"]').first.evaluate(
        "(box) => box.innerText + ' ' + [...box.querySelectorAll('input')].map(i => i.value).join(' ')"
    )


def _row(name: str) -> int:
    return 0 if name == "chosen model" else int(name.split()[0])


def test_the_explorer_draws_the_real_lineage_as_a_tree(
    real_week: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """On the real catalogue, Llama-3.1-8B-Instruct's lineage: every model drawn inside the span of the
    parent it is drawn under, one row below it (a tree, not bands); clicking a model re-roots on it."""
    folder = screenshots(tmp_path)
    with serving(real_week, tmp_path / "explorer.log") as base:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
            try:
                page = browser.new_page(viewport={"width": 1440, "height": 1300})
                load(page, f"{base}/lineage?lin_model={LLAMA.replace('/', '%2F')}")
                assert page.locator('[data-testid="stException"]').count() == 0
                assert LLAMA in _selected(page)
                spans = page.evaluate(_SPANS)
                shot = folder / "explorer-llama-3.1-8b-instruct.png"
                page.screenshot(path=str(shot))
                by_model = {(s["model"], _row(s["row"])): s for s in spans}
                below = [s for s in spans if _row(s["row"]) > 0]
                assert len(below) > 100
                for span in below:
                    parent = by_model[(span["parent"], _row(span["row"]) - 1)]
                    assert parent["x0"] - 1e-9 <= span["x0"] < span["x1"] <= parent["x1"] + 1e-9, span
                deeper = [s for s in below if _row(s["row"]) >= 2]
                assert deeper  # grandchildren, under their own parents
                assert sum(s["x1"] - s["x0"] for s in deeper if _row(s["row"]) == 2) < 0.5  # not a band
                child = max(
                    (
                        s
                        for s in below
                        if _row(s["row"]) == 1 and any(d["parent"] == s["model"] for d in deeper)
                    ),
                    key=lambda s: s["x1"] - s["x0"],
                )
                mark = page.locator(
                    f'[data-testid="stVegaLiteChart"] [aria-label*="model: {child["model"]};"]'
                ).first
                mark.click(force=True)  # where a name is drawn over the span, the name takes the click
                page.wait_for_function(
                    "(id) => decodeURIComponent(location.search).includes('lin_model=' + id)",
                    arg=child["model"],
                    timeout=30_000,
                )
                page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached", timeout=60_000)
                page.wait_for_timeout(800)
                assert child["model"] in _selected(page)
                assert (
                    LLAMA in page.locator('[data-testid="stMarkdownContainer"]').all_inner_texts().__str__()
                )
                page.screenshot(path=str(folder / "explorer-re-rooted.png"))
            finally:
                browser.close()
    announce(capsys, f"explorer screenshots: {shot} and {folder / 'explorer-re-rooted.png'}")


def _segment(page, text: str):  # noqa: ANN001, ANN202 - Playwright objects
    """A segmented control's button by its text (Streamlit draws them as radio buttons)."""
    return page.get_by_role("radio", name=text, exact=True)


def test_a_shared_link_reopens_the_same_view(dashboard: str, tmp_path: Path) -> None:
    """Choices made on a page go into its link; the link opened in a fresh browser shows the same view."""
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            mine = browser.new_context(viewport={"width": 1440, "height": 1000}).new_page()
            load(mine, f"{dashboard}/families")
            _segment(mine, "relation").click()
            mine.wait_for_function("() => location.search.includes('fam_by=relation')", timeout=30_000)
            _segment(mine, "log").click()
            mine.wait_for_function("() => location.search.includes('fam_scale=log')", timeout=30_000)
            shared = mine.url
            load(mine, f"{dashboard}/movers", charts=False)
            thumb = mine.get_by_role("slider").first
            thumb.focus()
            for _ in range(5):
                thumb.press("ArrowRight")
            mine.wait_for_function("() => location.search.includes('mov_n=15')", timeout=30_000)
            movers = mine.url

            theirs = browser.new_context(viewport={"width": 1440, "height": 1000}).new_page()  # a new session
            load(theirs, shared)
            assert "Derivatives by relation" in theirs.locator("h2, h3").all_inner_texts()
            active = theirs.locator(
                '[data-variant="segmented_control"][aria-checked="true"]'
            ).all_inner_texts()
            assert set(active) == {"relation", "log"}
            load(theirs, movers, charts=False)
            shown = theirs.get_by_role("slider").first.evaluate(
                "(e) => e.getAttribute('aria-valuenow') || e.value"
            )
            assert shown == "15"
            assert theirs.locator('[data-testid="stException"]').count() == 0
        finally:
            browser.close()
