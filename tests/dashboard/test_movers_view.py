"""The Movers page under Streamlit's AppTest, on real emulator snapshots whose third week is rewritten to
known figures: every model's weekly downloads repeat the week before (nobody moves), then a few models
are moved by set amounts. The page ranks exactly those, shares ranks between ties, draws no leaderboard
of equal bars, and says in one sentence when nobody cleared the floor. The boards are tabs, one drawn at a
time (`board` opens one)."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.support.dashboard_db import build_database
from tests.support.moves import calm_models, rewrite
from tests.support.paths import APP
from tracker.core import movers
from tracker.read import queries
from tracker.storage.database import open_store


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("movers")
    build_database(folder / "weeks.db")
    return folder


def variant(built: Path, name: str, moves: dict[int, int]) -> tuple[str, list[str]]:
    """A copy of the weeks where the first four calm models move: index -> change in weekly downloads
    (a fall is made by raising the figure before); their ids."""
    path = built / f"{name}.db"
    path.write_bytes((built / "weeks.db").read_bytes())
    url = f"sqlite:///{path}"
    calm = calm_models(url)[:4]
    rewrite(url, {calm[i]: (0, change) if change > 0 else (-change, 0) for i, change in moves.items()})
    return url, calm


def movers_page(url: str, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("TRACKER_DATABASE_URL", url)
    app = AppTest.from_file(APP, default_timeout=60)
    app.run()
    app.switch_page("views/movers.py").run()
    assert not [e.value for e in app.exception] + [e.value for e in app.error]
    return app


BOARDS = ("Risers", "Fallers", "Fastest relative growth", "New entrants")


def board(app: AppTest, tab: str) -> AppTest:
    """The page with the board of that tab open (the others are neither computed nor sent)."""
    app.session_state["mov_board"] = tab
    app.run()
    assert not [e.value for e in app.exception] + [e.value for e in app.error]
    return app


def test_risers_and_fallers_are_ranked_with_their_ties(built: Path, monkeypatch) -> None:
    # +5,000; +2,000 twice (a tie); -10,000
    url, calm = variant(built, "ranked", {0: 5_000, 1: 2_000, 2: 2_000, 3: -10_000})
    app = movers_page(url, monkeypatch)
    risers = app.dataframe[0].value  # the first tab's
    assert list(risers["model_id"]) == [calm[0], calm[1], calm[2]]
    assert list(risers["rank"]) == ["1", "=2", "=2"]
    assert list(risers["change"]) == [5_000, 2_000, 2_000]
    assert len(app.get("vega_lite_chart")) == 1  # the risers' leaderboard
    # human headers, thousands separators, and the columns that fit beside the sidebar at 1024 px
    config = app.dataframe[0].proto.columns
    for header in ('"Rank"', '"Model"', '"Family"', '"Weekly"', '"Change"', '"Change %"'):
        assert header in config
    assert config.count('"format": "localized"') == 2
    widths = [int(part.split(",")[0].split("}")[0]) for part in config.split('"width": ')[1:]]
    assert sum(widths) <= 560
    board(app, "Fallers")
    fallers = app.dataframe[0].value
    assert list(fallers["model_id"]) == [calm[3]]
    assert (list(fallers["rank"]), list(fallers["change"])) == (["1"], [-10_000])
    assert not app.get("vega_lite_chart")  # one faller is no leaderboard
    # the page's boards are the read layer's
    engine = open_store(url)
    try:
        read = queries.load_movers(engine, n=10)
    finally:
        engine.dispose()
    assert list(read["risers"]["model_id"]) == list(risers["model_id"])
    shown_captions = " ".join(c.value for c in app.caption)
    assert movers.describe() in shown_captions


def test_nobody_clearing_the_floor_is_a_sentence(built: Path, monkeypatch) -> None:
    url, _ = variant(built, "steady", {0: 999})  # +999: just under the floor
    app = movers_page(url, monkeypatch)
    said, headings = [], []
    for tab in BOARDS[:3]:
        board(app, tab)
        said += [i.value for i in app.info]
        headings += [s.value for s in app.subheader]
        assert not app.get("vega_lite_chart")  # no bars
    for name in ("risers", "fallers", "relative_risers"):
        assert movers.nobody(name) in said, name
    assert "No model's weekly downloads rose by at least 1,000 and 25% since the previous run." in said
    assert headings == ["Risers", "Fallers", "Fastest relative growth"]


def test_a_list_where_everybody_ties_is_not_drawn(built: Path, monkeypatch) -> None:
    url, calm = variant(built, "tied", {1: 2_000, 2: 2_000})
    app = movers_page(url, monkeypatch)
    said = [i.value for i in app.info]
    assert "The 2 models listed all rose by 2,000 weekly downloads: a tie, not a ranking." in said
    assert not app.get("vega_lite_chart")
    risers = app.dataframe[0].value
    assert list(risers["rank"]) == ["=1", "=1"]
    assert list(risers["model_id"]) == [calm[1], calm[2]]
