"""Every page in a real headless Chromium, over five ecosystems: nothing is fetched from any host but the
dashboard's own (the favicon and the fonts are served locally), and at 1440 x 1000 and 1024 x 768 every
chart's text stays inside its chart and every table fits its width (no column cut on the right); the
ecosystems go by their names in the link as the reader moves from page to page."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote_plus, urlsplit

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

__all__ = ["pytestmark"]  # the browser mark, and the skip when Chromium or Playwright is missing

OWN_HOSTS = ("127.0.0.1", "localhost")
# Sections of other pages checked elsewhere: the Compare page's relative adoption table (its own test).
NOT_HERE = {"ecosystems": ("base model",), "movers": ("model", "Model")}
# The views in tabs, one drawn at a time (the first tab of each is its page's own link in PAGES).
TABS = {
    "": ("ov_chart", ["New per run", "Weekly downloads"]),
    "families": ("fam_chart", ["Weekly downloads", "30-day downloads"]),
    "lineage": ("lin_below", ["Most downloaded descendants"]),
    "movers": ("mov_board", ["Fallers", "Fastest relative growth", "New entrants"]),
    "builders": ("bld_chart", ["By derivatives"]),
    "ecosystems": (
        "cmp_section",
        ["Size and downloads", "What they are", "Base models' adoption", "Inference providers"],
    ),
    # the tabs that draw a chart (Risers and newcomers: tables only)
    "whole_hub": ("hub_section", ["Ecosystems' share", "Regions", "Capture share"]),
}
VIEWS = {
    **{(path, path): charts for path, charts in PAGES.items()},
    **{
        (f"{path}?{key}={quote_plus(tab)}", path): PAGES[path] and path != "movers"
        for path, (key, tabs) in TABS.items()
        for tab in tabs
    },
}

# Each chart's text outside its drawing, each chart or table wider than the main column, and each table
# whose grid scrolls sideways (a column cut on the right), named by its first header.
_FIT = """() => {
    const SLACK = 3;
    const main = document.querySelector('[data-testid="stMain"]');
    const right = main.getBoundingClientRect().right;
    const out = {charts: 0, tables: 0, cut: [], wide: [], scrolled: []};
    if (main.scrollWidth > main.clientWidth + 1) out.wide.push('main: ' + main.scrollWidth);
    for (const chart of document.querySelectorAll('[data-testid="stVegaLiteChart"]')) {
        const svg = chart.querySelector('svg');
        if (!svg) continue;
        out.charts += 1;
        const box = svg.getBoundingClientRect();
        if (box.right > right + 1) out.wide.push('chart ' + Math.round(box.width));
        for (const text of svg.querySelectorAll('text')) {
            const r = text.getBoundingClientRect();
            // Vega hides a label that would overlap another with opacity 0: not shown, so not cut
            if (!r.width || !text.textContent.trim() || text.getAttribute('opacity') === '0') continue;
            const outside = r.left < box.left - SLACK || r.right > box.right + SLACK
                || r.top < box.top - SLACK || r.bottom > box.bottom + SLACK;
            if (outside) out.cut.push(text.textContent.trim());
        }
    }
    for (const table of document.querySelectorAll('[data-testid="stDataFrame"]')) {
        out.tables += 1;
        const box = table.getBoundingClientRect();
        const first = (table.querySelector('[role="columnheader"]') || {}).textContent || '?';
        if (box.right > right + 1) out.wide.push('table ' + first);
        const grid = table.querySelector('.dvn-scroller');
        if (grid && grid.scrollWidth > grid.clientWidth + 1)
            out.scrolled.push(first + ': ' + grid.scrollWidth + ' > ' + grid.clientWidth);
    }
    return out;
}"""
_DRAW_ALL = """async () => {
    const main = document.querySelector('[data-testid="stMain"]');
    for (let y = 0; y < main.scrollHeight; y += 400) {
        main.scrollTo(0, y);
        await new Promise((done) => setTimeout(done, 150));
    }
    main.scrollTo(0, 0);
}"""


@pytest.fixture(scope="module")
def dashboard(five_ecosystems: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serving(five_ecosystems, tmp_path_factory.mktemp("fit-log") / "dashboard.log") as base:
        yield base


def test_no_request_leaves_the_machine(dashboard: str) -> None:
    requests: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 1000})
            page.on("request", lambda request: requests.append(request.url))
            for path, has_charts in PAGES.items():
                load(page, f"{dashboard}/{path}", charts=has_charts)
                page.evaluate(_DRAW_ALL)
            favicon = page.evaluate(
                "() => [...document.querySelectorAll('link[rel~=icon]')].map(l => l.href).join(' ')"
            )
        finally:
            browser.close()
    hosts = {
        urlsplit(url).hostname for url in requests if urlsplit(url).scheme in ("http", "https", "ws", "wss")
    }
    assert hosts == {"127.0.0.1"}, sorted(hosts)
    assert any(u.endswith((".woff2", ".woff", ".ttf")) for u in requests)  # its fonts, from itself
    assert favicon.startswith("data:image/svg+xml"), favicon[:80]  # the favicon, inline


@pytest.mark.parametrize(("width", "height"), [(1440, 1000), (1024, 768)])
def test_every_page_fits_its_width(
    dashboard: str, width: int, height: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = screenshots(tmp_path)
    found: dict[str, dict] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            for (view, path), has_charts in VIEWS.items():
                load(page, f"{dashboard}/{view}", charts=has_charts)
                page.evaluate(_DRAW_ALL)
                page.wait_for_timeout(500)
                name = view if view.startswith(path) and path else f"overview{view}"
                assert page.locator('[data-testid="stException"]').count() == 0, name
                found[name] = page.evaluate(_FIT)
                shot = "".join(c if c.isalnum() else "-" for c in name)
                page.screenshot(path=str(folder / f"fit-{shot}-{width}x{height}.png"))
        finally:
            browser.close()
    for name, fit in found.items():
        skip = NOT_HERE.get(name.split("?")[0], ())
        assert not fit["cut"], (name, width, fit["cut"])
        assert not fit["wide"], (name, width, fit["wide"])
        scrolled = [s for s in fit["scrolled"] if not s.startswith(skip)] if skip else fit["scrolled"]
        assert not scrolled, (name, width, scrolled)
    assert sum(fit["charts"] for name, fit in found.items() if name.startswith("overview")) >= 3
    assert found["overview"]["tables"] == 0  # Llama and its rivals: a static table of a few rows
    assert found["lineage?lin_below=Most+downloaded+descendants"]["tables"] == 1
    assert found["builders"]["tables"] == found["data"]["tables"] == 1
    announce(capsys, f"screenshots at {width}x{height}: {folder}/fit-*.png")


def test_the_link_keeps_the_ecosystems_by_name_from_page_to_page(dashboard: str) -> None:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 1000})
            load(page, f"{dashboard}/?f_ecosystems=gemma")
            assert page.locator("h1").first.inner_text() == "Is the Google Gemma ecosystem growing?"
            # the filters wait in their popover; the caption under it says what they choose
            sidebar = page.locator('[data-testid="stSidebar"] [data-testid="stCaptionContainer"]')
            assert any(c.startswith("Showing Google Gemma;") for c in sidebar.all_inner_texts())
            page.get_by_role("link", name="Families and relations").click()
            page.wait_for_function("() => location.pathname.endsWith('/families')", timeout=30_000)
            page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached", timeout=60_000)
            page.wait_for_timeout(500)
            assert "f_ecosystems=gemma" in page.url, page.url
            captions = page.locator(
                '[data-testid="stMain"] [data-testid="stCaptionContainer"]'
            ).all_inner_texts()
            assert any(c.startswith("Google Gemma: the derivatives") for c in captions), captions
        finally:
            browser.close()
