"""The archive's real end in a real headless Chromium: an archive whose last files repeat its last week of
new data, backfilled, then a live snapshot weeks later. The Overview's archive caption names the real end
and the repeats, and its chart outlines the weeks between as a gap, with no data in it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.run.test_backfill import ECOSYSTEMS
from tests.run.test_backfill_repeats import REPEATS, WEEKS
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
from tracker.collect.archive import HubArchive
from tracker.collect.hub import HubClient
from tracker.emulator.archive.repository import Archive
from tracker.emulator.archive.schema import label_time
from tracker.emulator.catalogue import Catalogue
from tracker.emulator.routes.server import HubEmulator
from tracker.run.backfill import run_backfill
from tracker.run.snapshot import take_snapshot
from tracker.storage.database import open_store

__all__ = ["pytestmark"]  # the browser mark, and the skip when Chromium or Playwright is missing

LIVE_AT = label_time(WEEKS[6]) + 9 * 86_400


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory: pytest.TempPathFactory, small: Catalogue) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("archive-end")
    url = f"sqlite:///{folder / 'archive.db'}"
    engine = open_store(url)
    try:
        with Archive(small, WEEKS, cache_dir=folder / "cache", repeats=REPEATS) as archive:
            with HubEmulator(small, archive=archive) as emu:
                run_backfill(engine, HubArchive(emu.url), ECOSYSTEMS)
                emu.set_now(LIVE_AT)
                with HubClient(emu.url) as client:
                    at = datetime.fromtimestamp(LIVE_AT, UTC)
                    take_snapshot(engine, client, ECOSYSTEMS, strategy="scan", taken_at=at)
    finally:
        engine.dispose()
    with serving(url, folder / "dashboard.log") as base:
        yield base


@pytest.mark.subprocess
def test_the_caption_names_the_archive_s_real_end_and_the_chart_outlines_the_gap(
    dashboard: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = screenshots(tmp_path)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 2400})
            load(page, f"{dashboard}/")
            assert page.locator('[data-testid="stException"]').count() == 0
            caption = page.get_by_text("The archive's new data ends on 14 Oct 2026")
            caption.scroll_into_view_if_needed()
            assert caption.is_visible()
            text = page.locator('[data-testid="stCaptionContainer"]').all_inner_texts()
            chart = page.locator('[data-testid="stVegaLiteChart"]').first
            chart.scroll_into_view_if_needed()
            box = chart.bounding_box()
            assert box is not None
            tooltip = page.locator("#vg-tooltip-element")
            shown = ""
            for x in range(int(box["x"]), int(box["x"] + box["width"]), 4):  # across the plot, mid-height
                page.mouse.move(x, box["y"] + box["height"] / 2)
                if tooltip.count() and tooltip.is_visible() and "no data" in (found := tooltip.inner_text()):
                    shown = found
                    break
            page.screenshot(path=str(folder / "archive-end.png"))
        finally:
            browser.close()
    note = next(t for t in text if "weekly archive" in t)
    assert "later 2 files (21 Oct 2026, 28 Oct 2026) repeat that week" in note
    assert "Live snapshots begin on 06 Nov 2026, 3.3 weeks later" in note
    assert "no data between the archive's last week of new data and the first live snapshot" in shown
    announce(capsys, f"screenshot: {folder}/archive-end.png")
