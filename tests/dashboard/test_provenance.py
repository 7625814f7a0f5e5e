"""The demo's one line: every page of a database recorded from the Hub emulator says its figures are
synthetic and where its history starts; a database whose runs crawled another endpoint shows nothing."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import text
from streamlit.testing.v1 import AppTest

from dashboard.provenance import banner_text
from tests.dashboard.test_dashboard import PAGES, errors
from tests.read.test_origin import DEMO_WEEKS, origin_after
from tests.support.dashboard_db import build_database
from tests.support.paths import APP
from tracker.read import origin
from tracker.storage.database import make_engine

BANNER = "Demo data"


@pytest.fixture(scope="module")
def emulated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three weekly snapshots of the emulator (synthetic catalogue), on its loopback address."""
    path = tmp_path_factory.mktemp("provenance") / "emulated.db"
    build_database(path)
    return path


def copy_with(source: Path, target: Path, statement: str) -> str:
    """A copy of the database with one update of its runs; its URL."""
    shutil.copyfile(source, target)
    url = f"sqlite:///{target}"
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(text(statement))
    finally:
        engine.dispose()
    return url


def banners(at: AppTest) -> list[str]:
    return [c.value for c in at.caption if BANNER in c.value]


def test_every_page_of_an_emulator_database_says_its_figures_are_synthetic(
    emulated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRACKER_DATABASE_URL", f"sqlite:///{emulated}")
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    for page in PAGES:
        at.switch_page(page).run()
        assert not errors(at), page
        assert banners(at) == [
            ":material/science: **Demo data** from the Hub emulator: model ids, lineage, downloads, likes "
            "and trending scores are all synthetic. The history starts on 2 Nov 2026, mid-way through the "
            "Hub's life: its first run already holds every model made before it."
        ], page


def test_a_database_from_the_hub_shows_no_banner(
    emulated: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = copy_with(
        emulated, tmp_path / "hub.db", "UPDATE snapshot_run SET endpoint = 'https://huggingface.co'"
    )
    monkeypatch.setenv("TRACKER_DATABASE_URL", url)
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not errors(at)
    assert at.title  # the page is there
    assert banners(at) == []
    at.switch_page("views/movers.py").run()
    assert not errors(at)
    assert banners(at) == []


def test_the_demos_line_says_its_ids_and_lineage_are_real(emulated: Path, tmp_path: Path) -> None:
    demo = origin_after(emulated, tmp_path / "demo.db", *DEMO_WEEKS)
    assert banner_text(demo) == (
        ":material/science: **Demo data** from the Hub emulator: model ids and lineage are real Hub data; "
        "downloads, likes and trending scores are synthetic. The history starts on 19 Mar 2025, mid-way "
        "through the Hub's life: its first run already holds every model made before it."
    )
    assert banner_text(origin.Origin(runs=3, emulated=False, real_lineage=False, first=demo.first)) is None
    assert banner_text(origin.Origin(runs=0, emulated=False, real_lineage=False, first=None)) is None
