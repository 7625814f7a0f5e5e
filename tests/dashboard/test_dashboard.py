"""The dashboard under Streamlit's AppTest: every page renders on real emulator snapshots, the Overview's
figures are the metrics layer's, an empty database gets its own page, and the filters follow the user."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from tests.support.dashboard_db import build_database, snapshot_weeks
from tests.support.paths import APP
from tracker.core import movers
from tracker.core.measures import quant_format
from tracker.read import metrics
from tracker.storage.database import make_engine

PAGES = [
    "views/overview.py",
    "views/families.py",
    "views/lineage.py",
    "views/movers.py",
    "views/builders.py",
    "views/formats.py",
    "views/ecosystems.py",
    "views/whole_hub.py",
    "views/data.py",
]


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> str:
    return build_database(tmp_path_factory.mktemp("dashboard") / "tracker.db")


@pytest.fixture
def app(database: str, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("TRACKER_DATABASE_URL", database)
    return AppTest.from_file(APP, default_timeout=60)


def errors(at: AppTest) -> list[str]:
    return [e.value for e in at.exception] + [e.value for e in at.error]


def render_every_page(app: AppTest) -> None:
    """Every page in turn, each with its title, its charts (all but Data's), no exception or error box."""
    app.run()
    assert not errors(app)
    for page in PAGES:
        app.switch_page(page).run()
        assert not errors(app), page
        assert app.title, page
        if page == "views/movers.py" and not app.get("vega_lite_chart"):  # no leaderboard: a sentence
            assert {movers.nobody("risers"), movers.nobody("fallers")} & {i.value for i in app.info}, page
        elif page not in ("views/data.py",):
            assert app.get("vega_lite_chart"), f"{page} draws no chart"


def test_every_page_renders_without_exception(app: AppTest) -> None:
    render_every_page(app)
    assert len(app.get("download_button")) == 2  # the Data page: CSV and Parquet
    assert len(app.dataframe) == 1


def _fmt(value: object) -> str:
    return f"{int(value):,}"


def _change(now: object, before: object) -> str:
    return f"{int(now) - int(before):+,}"


def test_overview_figures_are_the_metrics_layers(app: AppTest, database: str) -> None:
    engine = make_engine(database)
    try:
        history = metrics.load_history(engine)
    finally:
        engine.dispose()
    history = history[history["ecosystem"] == "llama"]  # the Overview leads with Llama, its rivals beside
    runs = sorted(history["run_id"].unique())
    assert len(runs) == 3
    counts = metrics.compute_counts(history).groupby("run_id")["derivatives"].sum()
    new = metrics.compute_new(history).groupby("run_id")["new"].sum()
    weekly = metrics.compute_downloads(history).groupby("run_id")["weekly_downloads"].sum()
    app.run()
    assert not errors(app)
    shown = {m.label: (m.value, m.delta) for m in app.metric}
    last, before = runs[-1], runs[-2]
    assert shown["Derivatives"] == (_fmt(counts[last]), _change(counts[last], counts[before]))
    assert shown["New this week"] == (_fmt(new[last]), _change(new[last], new[before]))
    assert shown["Weekly downloads, derivatives only"] == (
        _fmt(weekly[last]),
        _change(weekly[last], weekly[before]),
    )
    assert counts[last] > counts[runs[0]]  # the emulated ecosystem grows week on week
    family, growth = shown["Fastest-growing family"]
    by_family = metrics.compute_counts(history, "family").groupby(["run_id", "family"])["derivatives"].sum()
    now, prev = by_family[last], by_family[before]
    rates = ((now - prev) / prev)[prev >= 10].sort_values(ascending=False)
    assert family == rates.index[0]
    assert growth == f"{rates.iloc[0]:+.1%}"


def test_empty_database_gets_a_friendly_page(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'nothing-yet.db'}"
    monkeypatch.setenv("TRACKER_DATABASE_URL", url)
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not errors(at)
    assert any("tracker snapshot" in c.value for c in at.code)
    assert not (tmp_path / "nothing-yet.db").exists()  # read-only: the dashboard creates no database


def test_schema_without_runs_is_empty_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tracker.storage.database import open_store

    url = f"sqlite:///{tmp_path / 'migrated.db'}"
    open_store(url).dispose()
    monkeypatch.setenv("TRACKER_DATABASE_URL", url)
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not errors(at)
    assert any("tracker snapshot" in c.value for c in at.code)


def test_filters_persist_across_pages(app: AppTest) -> None:
    app.run()
    families = app.multiselect(key="f_families")
    family = families.options[0]
    families.select(family).run()
    app.multiselect(key="f_ecosystems").select("llama").run()
    assert not errors(app)
    for page in ("views/families.py", "views/data.py", "views/overview.py"):
        app.switch_page(page).run()
        assert not errors(app), page
        assert app.multiselect(key="f_families").value == [family]
        assert app.multiselect(key="f_ecosystems").value == ["llama"]
    app.session_state["data_columns"] = ["ecosystem", "family", "model_id"]  # the table sends those shown
    app.switch_page("views/data.py").run()
    shown: pd.DataFrame = app.dataframe[0].value
    assert set(shown["family"]) == {family}
    assert set(shown["ecosystem"]) == {"llama"}


@pytest.mark.slow
def test_a_new_run_shows_without_a_restart(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = build_database(tmp_path / "growing.db", weeks=2)
    monkeypatch.setenv("TRACKER_DATABASE_URL", url)
    at = AppTest.from_file(APP, default_timeout=60).run()
    before = {m.label: m.value for m in at.metric}["Derivatives"]
    snapshot_weeks(url, range(2, 3))  # a third weekly run lands while the dashboard is open
    at.run()
    assert not errors(at)
    after = {m.label: m.value for m in at.metric}["Derivatives"]
    assert after != before
    assert "#3" in " ".join(c.value for c in at.sidebar.caption)


# --- the pure parts: charts, on literal tables (the lineage walks: tests/read/test_queries.py) ------------


def test_charts_keep_negative_weeks_and_log_drops_non_positive() -> None:
    from tracker.report import charts

    frame = pd.DataFrame(
        {
            "taken_at": pd.to_datetime(["2026-01-05", "2026-01-12", "2026-01-12"], utc=True),
            "family": ["F", "F", "G"],
            "weekly_downloads": pd.array([10, -4, 0], dtype="Int64"),
        }
    )
    bars = charts.per_run(frame, "weekly_downloads", title="w", by="family").to_dict()
    assert bars["mark"]["type"] == "bar"
    values = sorted(row["weekly_downloads"] for row in next(iter(bars["datasets"].values())))
    assert values == [-4, 0, 10]  # a Hub revision stays visible, below zero
    log = charts.per_run(frame, "weekly_downloads", title="w", by="family", log=True).to_dict()
    assert log["encoding"]["y"]["scale"]["type"] == "log"
    assert [row["weekly_downloads"] for row in next(iter(log["datasets"].values()))] == [10]


def test_the_dashboards_engine_is_read_only(database: str) -> None:
    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError

    from dashboard import data

    engine = data.engine(database)
    assert engine is not None
    assert data.latest_run(engine) == 3
    with engine.connect() as connection, pytest.raises(OperationalError, match="readonly"):
        connection.execute(text("DELETE FROM snapshot_run"))


def test_formats_survive_models_without_tags_or_library() -> None:
    # the history's left join leaves NaN where a model has no library: the Formats page crashed on it
    assert quant_format(float("nan"), float("nan")) == "other"
    assert quant_format(None, None) == "other"
    assert quant_format(["gguf"], float("nan")) == "GGUF"
