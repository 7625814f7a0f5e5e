"""Shareable views under AppTest: every page's choices come from the link's query parameters; an invalid
parameter is ignored with a small notice, never an error; the explorer reopens on a linked model and
re-roots. (The browser writes a choice into the link: `tests/dashboard/test_browser.py` checks that part.)"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.links import ignored_parameters
from tests.support.dashboard_db import build_database
from tests.support.paths import APP
from tracker.read import explorer, queries
from tracker.read.metrics import Filters
from tracker.storage.database import make_engine


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> str:
    return build_database(tmp_path_factory.mktemp("links") / "tracker.db")


@pytest.fixture
def app(database: str, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("TRACKER_DATABASE_URL", database)
    return AppTest.from_file(APP, default_timeout=60)


def opened(app: AppTest, page: str, **params: str | list[str]) -> AppTest:
    """The page opened from a link with these query parameters (a new session)."""
    for key, value in params.items():
        app.query_params[key] = value
    return app.switch_page(page).run()


def errors(at: AppTest) -> list[str]:
    return [e.value for e in at.exception] + [e.value for e in at.error]


def toasts(at: AppTest) -> list[str]:
    return [t.value for t in at.toast]


def test_a_link_sets_the_sidebar_and_the_page(app: AppTest) -> None:
    app.query_params["f_ecosystems"] = ["qwen"]
    app.query_params["fam_by"] = "relation"
    app.query_params["fam_scale"] = "log"
    app.run()
    app.switch_page("views/families.py").run()
    assert not errors(app)
    assert app.multiselect(key="f_ecosystems").value == ["qwen"]
    assert app.segmented_control(key="fam_by").value == "relation"
    assert app.segmented_control(key="fam_scale").value == "log"
    assert app.subheader[0].value == "Derivatives by relation"
    assert not toasts(app)


def test_an_invalid_parameter_is_ignored_with_a_notice(app: AppTest) -> None:
    app.query_params["f_ecosystems"] = ["nowhere"]
    app.query_params["mov_n"] = "many"
    app.query_params["colour"] = "blue"
    app.run()
    assert not errors(app)
    assert app.multiselect(key="f_ecosystems").value == []  # as if not given
    (notice,) = toasts(app)
    assert "` f_ecosystems=nowhere `" in notice  # as text: a code span
    assert "colour" in notice
    assert "blue" not in notice  # an unknown parameter is named, never its value
    app.run()
    assert len(toasts(app)) <= 1  # once per session: not again on the next rerun of the same page


def test_which_parameters_a_page_took() -> None:
    state = {"mov_n": 20, "f_ecosystems": ["llama"], "cmp_log": True, "f_dates": ()}
    given = {"mov_n": ["20"], "f_ecosystems": ["llama", "qwen"], "cmp_log": ["True"], "nope": ["1"]}
    assert ignored_parameters(given, state) == {"f_ecosystems": ["llama", "qwen"], "nope": ["1"]}


def test_the_explorer_reopens_on_the_linked_model_and_re_roots(app: AppTest, database: str) -> None:
    engine = make_engine(database)
    run_id = queries.latest_runs(engine, Filters(), 1)[0]
    root = explorer.lineage_roots(engine, run_id, Filters())[0]
    below = explorer.load_subtree(engine, run_id, root, size="models", limit=5)
    child = below[below["descendants"] > 0]["model_id"].iloc[-1]  # a derivative with its own derivatives
    parent = explorer.load_member(engine, run_id, child).path[0]
    engine.dispose()
    opened(app, "views/lineage.py", lin_model=child, lin_size="models", lin_depth="3")
    assert not errors(app)
    assert app.selectbox(key="lin_model").value == child  # neither a root nor searched: kept
    assert app.segmented_control(key="lin_size").value == "models"
    assert app.slider(key="lin_depth").value == 3
    assert any(root in m.value for m in app.markdown)  # its path to the root
    assert app.get("vega_lite_chart")
    app.button(key="lin_up").click().run()  # up to its parent
    assert app.selectbox(key="lin_model").value == parent


def test_the_explorer_ignores_an_unknown_model(app: AppTest) -> None:
    opened(app, "views/lineage.py", lin_model="nobody/nothing")
    assert not errors(app)
    assert app.selectbox(key="lin_model").value != "nobody/nothing"
    assert any("lin_model=nobody/nothing" in t for t in toasts(app))


def explorer_after(path: Path, weeks: int, statements: list[str], monkeypatch) -> AppTest:  # noqa: ANN001
    """The explorer on a database of `weeks` runs once the SQL `statements` have run on it."""
    url = build_database(path, weeks=weeks)
    engine = make_engine(url)
    with engine.begin() as connection:
        for statement in statements:
            connection.exec_driver_sql(statement)
    engine.dispose()
    monkeypatch.setenv("TRACKER_DATABASE_URL", url)
    return AppTest.from_file(APP, default_timeout=60).switch_page("views/lineage.py").run()


def test_a_database_without_the_index_says_how_to_get_it(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    unmigrated = ["DROP TABLE lineage_link", "DROP TABLE lineage_node"]  # as before revision 0007
    at = explorer_after(tmp_path / "old.db", 1, unmigrated, monkeypatch)
    assert not errors(at)
    assert "predates the explorer's index" in at.info[0].value


def test_a_latest_run_without_its_index_says_what_writes_it(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    """A backfill stopped before its end leaves its last runs without the index: the explorer says so, not
    that nothing matches the filters."""
    emptied = ["DELETE FROM lineage_link", "DELETE FROM lineage_node"]
    at = explorer_after(tmp_path / "stopped.db", 2, emptied, monkeypatch)
    assert not errors(at)
    assert "has no lineage index yet" in at.info[0].value
    assert not at.warning
