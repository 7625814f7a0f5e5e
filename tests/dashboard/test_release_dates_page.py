"""The Compare page's relative adoption names the date each base model's ages count from: the release days
of the shipped release-dates file (and of the user's, `TRACKER_RELEASE_DATES`) with their correction in
days, createdAt for the others; a user's file broken since the command checked it is said in one line."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest

from tests.support.paths import APP
from tracker.core.release_dates import RELEASE_DATES_ENV, load_release_dates
from tracker.read import compare
from tracker.storage.database import make_engine

SECTION = "Base models' adoption"


@pytest.fixture(scope="module")
def roots(five_ecosystems: str) -> pd.DataFrame:
    """Each base model of the five ecosystems' history, with its createdAt."""
    engine: Engine = make_engine(five_ecosystems)
    try:
        return compare.compute_roots(compare.load_root_rows(engine))
    finally:
        engine.dispose()


def _page(
    five_ecosystems: str, monkeypatch: pytest.MonkeyPatch, release_dates: Path | None = None
) -> AppTest:
    monkeypatch.setenv("TRACKER_DATABASE_URL", five_ecosystems)
    if release_dates is None:
        monkeypatch.delenv(RELEASE_DATES_ENV, raising=False)
    else:
        monkeypatch.setenv(RELEASE_DATES_ENV, str(release_dates))
    app = AppTest.from_file(APP, default_timeout=60)
    app.run()
    app.switch_page("views/ecosystems.py").run()
    app.session_state["cmp_section"] = SECTION
    app.run()
    assert not [e.value for e in app.exception] + [e.value for e in app.error]
    return app


def _ages_from(app: AppTest) -> pd.DataFrame:
    (table,) = [frame.value for frame in app.dataframe if "correction" in frame.value.columns]
    return table.set_index("model_id")


def _expected(roots: pd.DataFrame, path: Path | None = None) -> dict[str, tuple[str, str, str]]:
    """Base model -> (release day, createdAt day, correction), for the bases whose release day is not their
    createdAt's day, worked out here from the file's rows and the days between."""
    dates = load_release_dates(path)
    out = {}
    for model_id, created in zip(roots["model_id"], roots["created_at"], strict=True):
        day = dates.released_on(model_id)
        if day is None or day == created.date():
            continue
        days = (day - created.date()).days
        words = (
            f"{abs(days)} day{'' if abs(days) == 1 else 's'} {'after' if days > 0 else 'before'} createdAt"
        )
        out[model_id] = (day.isoformat(), f"{created:%Y-%m-%d}", words)
    return out


@pytest.mark.slow  # the five-ecosystem history: about 20 s to build, once per run
def test_the_page_names_the_release_day_each_corrected_base_counts_from(
    five_ecosystems: str, roots: pd.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = _page(five_ecosystems, monkeypatch)
    table = _ages_from(app)
    expected = _expected(roots)
    assert {m: tuple(row) for m, row in table.iterrows()} == expected
    # the emulator created Gemma 4 on 1 Jan 2024 and DeepSeek V3 0324 with V3, on 26 Dec 2024
    assert tuple(table.loc["google/gemma-4-31B-it"]) == (
        "2026-04-02",
        "2024-01-01",
        "822 days after createdAt",
    )
    assert table.loc["deepseek-ai/DeepSeek-V3-0324", "correction"] == "89 days after createdAt"
    # a release day on createdAt's own day corrects nothing: Gemma 3 27B (the emulator's createdAt is the
    # launch day) and DeepSeek V3 count from createdAt, unlisted
    assert "google/gemma-3-27b-it" in set(roots["model_id"])
    assert "google/gemma-3-27b-it" not in table.index
    assert "deepseek-ai/DeepSeek-V3" not in table.index
    said = " ".join(c.value for c in app.caption)
    assert f"Ages counted from a release day: {len(expected)} of {len(roots)} base models" in said
    assert "every other base model's ages count from its createdAt" in said
    assert not app.warning


@pytest.mark.slow
def test_a_user_file_moves_the_dates_and_a_broken_one_is_said(
    five_ecosystems: str, roots: pd.DataFrame, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    mine = tmp_path / "mine.csv"
    mine.write_text(
        "model_id,created_on,released_on\n"
        "google/gemma-4-31B-it,2026-03-11,2024-01-06\n"  # overrides the shipped row
        "meta-llama/Llama-3.1-8B-Instruct,2024-07-18,2024-07-19\n"  # a base the shipped file lacks
    )
    table = _ages_from(_page(five_ecosystems, monkeypatch, mine))
    assert {m: tuple(row) for m, row in table.iterrows()} == _expected(roots, mine)
    assert tuple(table.loc["google/gemma-4-31B-it"]) == ("2024-01-06", "2024-01-01", "5 days after createdAt")
    assert table.loc["meta-llama/Llama-3.1-8B-Instruct", "released"] == "2024-07-19"
    # broken after the command checked it: the shipped dates alone, and the file's problem in one line
    mine.write_text("model_id,created_on,released_on\n**x**/y,,2026-01-01\n")
    app = _page(five_ecosystems, monkeypatch, mine)
    assert [w.value for w in app.warning] == [
        "The release-dates file cannot be read now: the ages count from the shipped dates alone."
    ]
    assert [c.value for c in app.code] == [
        f"release-dates file {mine}: line 2: model_id '**x**/y' is not a Hub model id (namespace/name)"
    ]
    assert {m: tuple(row) for m, row in _ages_from(app).iterrows()} == _expected(roots)
