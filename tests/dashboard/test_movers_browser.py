"""The Movers page and the Compare page's relative adoption table in a real headless Chromium, at 1440 x 1000
and 1024 x 768, on emulator weeks where known models move: every table fits its width (no column cut on
the right), the risers' leaderboard is drawn, and the ranks show their ties."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote_plus

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
from tests.support.dashboard_db import build_database
from tests.support.moves import calm_models, rewrite

__all__ = ["pytestmark"]  # the browser mark, and the skip when Chromium or Playwright is missing

# Each table (its first header) whose grid scrolls sideways, after scrolling the page through so that
# every table is drawn.
_TABLES = """async () => {
    const main = document.querySelector('[data-testid="stMain"]');
    for (let y = 0; y < main.scrollHeight; y += 400) {
        main.scrollTo(0, y);
        await new Promise((done) => setTimeout(done, 150));
    }
    const out = {tables: 0, scrolled: []};
    for (const table of document.querySelectorAll('[data-testid="stDataFrame"]')) {
        out.tables += 1;
        const grid = table.querySelector('.dvn-scroller');
        const first = (table.querySelector('[role="columnheader"]') || {}).textContent || '?';
        if (grid && grid.scrollWidth > grid.clientWidth + 1)
            out.scrolled.push(first + ': ' + grid.scrollWidth + ' > ' + grid.clientWidth);
    }
    return out;
}"""


BOARDS = ("Risers", "Fallers", "Fastest relative growth", "New entrants")


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("movers-browser")
    url = build_database(folder / "weeks.db")
    calm = calm_models(url)[:4]
    rewrite(url, {calm[0]: (0, 5_000), calm[1]: (0, 2_000), calm[2]: (0, 2_000), calm[3]: (10_000, 0)})
    with serving(url, folder / "dashboard.log") as base:
        yield base


@pytest.mark.parametrize(("width", "height"), [(1440, 1000), (1024, 768)])
def test_the_movers_and_adoption_tables_fit(
    dashboard: str, width: int, height: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = screenshots(tmp_path)
    found = {}
    text = ""
    # each board is a tab of its own (one drawn at a time); the adoption table is a tab of the Compare page
    views = {f"movers?mov_board={quote_plus(tab)}": "movers" for tab in BOARDS}
    views["ecosystems?cmp_section=" + quote_plus("Base models' adoption")] = "ecosystems"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            for i, (path, name) in enumerate(views.items()):
                load(page, f"{dashboard}/{path}", charts=False)
                assert page.locator('[data-testid="stException"]').count() == 0, path
                tables = page.evaluate(_TABLES)
                found.setdefault(name, {"tables": 0, "scrolled": []})
                found[name]["tables"] += tables["tables"]
                found[name]["scrolled"] += tables["scrolled"]
                page.screenshot(path=str(folder / f"movers-{name}-{i}-{width}x{height}.png"))
                if name == "movers":
                    text += page.locator('[data-testid="stMain"]').inner_text()
        finally:
            browser.close()
    # risers and fallers, then relative growth and entrants unless a sentence says there are none
    said = ("No model with at least 1,000 weekly downloads the run before rose", "No new model in the top")
    assert found["movers"]["tables"] == 4 - sum(sentence in text for sentence in said), found
    assert found["ecosystems"]["tables"] >= 1, found
    for path, fit in found.items():
        assert not fit["scrolled"], (path, width, fit["scrolled"])
    assert "Risers" in text
    assert "No model's weekly downloads fell" not in text  # a faller moved: the sentence is not shown
    announce(capsys, f"screenshots at {width}x{height}: {folder}/movers-*.png")
