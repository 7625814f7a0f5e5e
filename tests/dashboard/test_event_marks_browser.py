"""`tracker dashboard --events PATH` in a real headless Chromium: the command passes the file on to the
Streamlit process, and the 30-day downloads chart of the Families page draws the event's rule; hovering
it shows the event's text, date and source, written as text (the tooltip holds no live tag)."""

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

__all__ = ["pytestmark"]  # the browser mark, and the skip when Chromium or Playwright is missing

# The three weekly runs are taken on 2, 9 and 16 November 2026 (the emulator's clock).
WHAT = "Our model v2 is out <b>bold?</b>"


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("events-browser")
    url = build_database(folder / "weeks.db")
    events = folder / "events.csv"
    events.write_text(f"date,kind,what,source\n2026-11-12,release,{WHAT},our blog\n")
    with serving(url, folder / "dashboard.log", "--events", str(events)) as base:
        yield base


@pytest.mark.subprocess
def test_the_download_chart_shows_the_event_on_hover(
    dashboard: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = screenshots(tmp_path)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 1000})
            load(page, f"{dashboard}/families?fam_chart={quote_plus('30-day downloads')}")
            assert page.locator('[data-testid="stException"]').count() == 0
            chart = page.locator('[data-testid="stVegaLiteChart"]').first
            chart.scroll_into_view_if_needed()
            box = chart.bounding_box()
            assert box is not None
            tooltip = page.locator("#vg-tooltip-element")
            shown = ""
            # along the top of the plot, where the marker stands over the rule (a dashed rule 2 px wide is
            # easy to miss in a gap of its dashes)
            for x in range(int(box["x"]), int(box["x"] + box["width"]), 2):
                page.mouse.move(x, box["y"] + 5)
                if tooltip.count() and tooltip.is_visible() and "our blog" in (text := tooltip.inner_text()):
                    shown = text
                    break
            page.screenshot(path=str(folder / "event-chart.png"))
            html = tooltip.inner_html() if shown else ""
        finally:
            browser.close()
    assert WHAT in shown, "no tooltip of the event along the chart"
    assert "2026-11-12" in shown
    assert "<b>" not in html  # written as text: `&lt;b&gt;`
    announce(capsys, f"screenshot: {folder}/event-chart.png")
