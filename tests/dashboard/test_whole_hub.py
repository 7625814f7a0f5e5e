"""The Whole Hub page and the Overview's share of the Hub's new derivatives, on real emulator scans (five
ecosystems, 3 weeks: each scan records the whole-Hub view): every figure is the database's; a database
without the view says so in one sentence, and one where a run lacks it (a tree) names that week and never
draws it as zero; a base id is shown as text."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
from sqlalchemy import text
from streamlit.testing.v1 import AppTest

from dashboard import links
from tests.support.dashboard_db import FIVE, build_database
from tests.support.paths import APP
from tracker.storage.database import make_engine

PAGE = "views/whole_hub.py"
NO_VIEW = "No run has the whole-Hub view yet"


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> str:
    return build_database(tmp_path_factory.mktemp("whole-hub") / "tracker.db", weeks=3, ecosystems=FIVE)


def _copy(database: str, path: Path, *, runs: str) -> str:
    """A copy of the database whose runs `runs` (SQL: an id list) lack the view, as a tree's would."""
    shutil.copyfile(database.removeprefix("sqlite:///"), path)
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    try:
        with engine.begin() as c:
            c.execute(
                text(
                    "UPDATE snapshot_run SET hub_models = NULL, hub_derivatives = NULL, "
                    f"hub_new_derivatives = NULL WHERE id IN ({runs})"
                )
            )
            for table in ("hub_base", "hub_group", "hub_pairs"):
                c.execute(text(f"DELETE FROM {table} WHERE run_id IN ({runs})"))
    finally:
        engine.dispose()
    return url


def _rows(url: str, query: str, **params: object) -> list[tuple]:
    engine = make_engine(url)
    try:
        with engine.connect() as c:
            return [tuple(row) for row in c.execute(text(query), params)]
    finally:
        engine.dispose()


def _datasets(chart) -> list[pd.DataFrame]:  # noqa: ANN001 - AppTest's element
    """The data a chart was sent with, one frame per dataset (Streamlit sends them as Arrow)."""
    return [pa.ipc.open_stream(d.data.data).read_pandas() for d in chart.proto.datasets]


def _page(url: str, monkeypatch: pytest.MonkeyPatch, section: str | None = None, **state: object) -> AppTest:
    """The Whole Hub page with its `section` tab open (and `state`'s widgets set), checked error-free."""
    monkeypatch.setenv("TRACKER_DATABASE_URL", url)
    monkeypatch.delenv("TRACKER_ECOSYSTEMS", raising=False)  # the shipped file's labels
    app = AppTest.from_file(APP, default_timeout=60)
    app.run()
    app.switch_page(PAGE).run()
    for key, value in {**({"hub_section": section} if section else {}), **state}.items():
        app.session_state[key] = value
    app.run()
    assert not [e.value for e in app.exception] + [e.value for e in app.error]
    return app


def test_the_headline_figures_are_the_runs(database: str, monkeypatch: pytest.MonkeyPatch) -> None:
    app = _page(database, monkeypatch)
    assert [t.value for t in app.title] == ["The whole Hub"]
    runs = _rows(
        database, "SELECT id, hub_models, hub_derivatives, hub_new_derivatives FROM snapshot_run ORDER BY id"
    )
    (_, models_before, derivatives_before, new_before), (last, models, derivatives, new) = runs[-2:]
    bases = _rows(database, "SELECT run_id, count(*) FROM hub_base GROUP BY run_id ORDER BY run_id")
    shown = {m.label: (m.value, m.delta) for m in app.metric}
    assert shown["Models on the Hub"] == (f"{models:,}", f"{models - models_before:+,}")
    assert shown["Derivatives"] == (f"{derivatives:,}", f"{derivatives - derivatives_before:+,}")
    assert shown["New derivatives"] == (f"{new:,}", f"{new - new_before:+,}")
    assert shown["Bases"] == (f"{bases[-1][1]:,}", f"{bases[-1][1] - bases[-2][1]:+,}")
    assert any(f"in run {last} of" in c.value for c in app.caption)


def test_the_league_tables_lead_with_the_databases_leaders(
    database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    (last,) = _rows(database, "SELECT max(id) FROM snapshot_run")[0]
    top = _rows(
        database,
        "SELECT base_id, derivatives, new_derivatives, derivative_downloads_30d, ecosystems, region "
        "FROM hub_base WHERE run_id = :r ORDER BY derivatives DESC, base_id LIMIT 1",
        r=last,
    )[0]
    app = _page(database, monkeypatch, "League tables")
    table = app.dataframe[0].value
    first = table.iloc[0]
    assert (first["base_id"], first["derivatives"], first["new_derivatives"]) == top[:3]
    assert first["derivative_downloads_30d"] == top[3]
    assert first["region"] == top[5]
    assert first["tracked_in"] == "Meta Llama"  # the top base is Llama's (its label, not `llama`)
    (untracked,) = _rows(
        database, "SELECT count(*) FROM hub_base WHERE run_id = :r AND ecosystems = ''", r=last
    )[0]
    assert untracked > 0
    assert (table["tracked_in"] == "untracked").sum() == min(untracked, len(table))
    config = json.loads(app.dataframe[0].proto.columns)
    assert config["derivatives"]["type_config"]["format"] == "localized"  # 1,234
    widths = [column["width"] for column in config.values() if "width" in column]
    assert sum(widths) <= 560  # beside the sidebar at 1024 px
    assert app.get("vega_lite_chart")  # the leaders drawn

    by_new = _page(database, monkeypatch, "League tables", hub_by="new derivatives").dataframe[0].value
    leader = _rows(
        database,
        "SELECT base_id, new_derivatives FROM hub_base WHERE run_id = :r "
        "ORDER BY new_derivatives DESC, derivatives DESC, base_id LIMIT 1",
        r=last,
    )[0]
    assert tuple(by_new.iloc[0][["base_id", "new_derivatives"]]) == leader

    organisations = _page(database, monkeypatch, "League tables", hub_of="organisations").dataframe[0].value
    organisation = _rows(
        database,
        "SELECT name, bases, derivatives, new_derivatives FROM hub_group WHERE run_id = :r "
        "AND kind = 'organisation' ORDER BY derivatives DESC, name LIMIT 1",
        r=last,
    )[0]
    row = organisations.iloc[0]
    assert (row["organisation"], row["bases"], row["derivatives"], row["new_derivatives"]) == organisation

    regions = _page(database, monkeypatch, "League tables", hub_of="regions").dataframe[0].value
    expected = _rows(
        database,
        "SELECT name, derivatives FROM hub_group WHERE run_id = :r AND kind = 'region' "
        "ORDER BY derivatives DESC, name",
        r=last,
    )
    assert list(zip(regions["region"], regions["derivatives"], strict=True)) == expected


def test_each_ecosystems_share_is_of_the_whole_hub_and_among_the_tracked(
    database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    (last, hub_new) = _rows(database, "SELECT id, hub_new_derivatives FROM snapshot_run ORDER BY id DESC")[0]
    new = dict(
        _rows(
            database,
            "SELECT name, new_derivatives FROM hub_group WHERE run_id = :r AND kind = 'ecosystem'",
            r=last,
        )
    )
    app = _page(database, monkeypatch, "Ecosystems' share")
    table = app.table[0].value.set_index("Ecosystem")
    assert table.loc["Meta Llama", "New derivatives"] == new["llama"]
    assert table.loc["Meta Llama", "Of the Hub"] == pytest.approx(new["llama"] / hub_new)
    assert table.loc["Qwen", "Among the tracked"] == pytest.approx(new["qwen"] / sum(new.values()))
    assert len(app.get("vega_lite_chart")) == 2  # of the whole Hub, among the tracked


def test_the_regions_share_the_new_derivatives_by_relation(
    database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    (last,) = _rows(database, "SELECT max(id) FROM snapshot_run")[0]
    app = _page(database, monkeypatch, "Regions", hub_relation="adapters")
    table = app.table[0].value.set_index("Region")
    for region, adapters, merges in _rows(
        database,
        "SELECT name, new_adapters, new_merges FROM hub_group WHERE run_id = :r AND kind = 'region'",
        r=last,
    ):
        assert (table.loc[region, "Adapters"], table.loc[region, "Merges"]) == (adapters, merges)
    spec = json.dumps(json.loads(app.get("vega_lite_chart")[0].proto.spec))
    assert '"range": ["#4477aa", "#ee6677", "#228833", "#ccbb44", "#b0b0b0"]' in spec  # the regions' colours
    assert "share of adapters" in spec


def test_risers_newcomers_and_capture(database: str, monkeypatch: pytest.MonkeyPatch) -> None:
    first, before, last = (r[0] for r in _rows(database, "SELECT id FROM snapshot_run ORDER BY id"))
    now = dict(_rows(database, "SELECT base_id, new_derivatives FROM hub_base WHERE run_id = :r", r=last))
    then = dict(_rows(database, "SELECT base_id, new_derivatives FROM hub_base WHERE run_id = :r", r=before))
    growth = sorted(((n - (then.get(b) or 0), b) for b, n in now.items()), key=lambda p: (-p[0], p[1]))
    app = _page(database, monkeypatch, "Risers and newcomers")
    risers = app.dataframe[0].value
    assert (risers.iloc[0]["base_id"], risers.iloc[0]["growth"]) == (growth[0][1], growth[0][0])
    assert [s.value for s in app.subheader] == ["Risers", "Newcomers to the top 50", "New bases"]

    capture = _page(database, monkeypatch, "Capture share")
    base, own, theirs = _rows(
        database,
        "SELECT base_id, downloads_30d, derivative_downloads_30d FROM hub_base WHERE run_id = :r "
        "AND downloads_30d IS NOT NULL "
        "ORDER BY downloads_30d + derivative_downloads_30d DESC, base_id LIMIT 1",
        r=last,
    )[0]
    sentence = capture.markdown[0].value
    assert links.literal(base) in sentence  # a stranger's id as one code span
    assert f"{theirs:,} of {own + theirs:,} in 30 days" in sentence
    table = capture.dataframe[0].value.set_index("base_id")
    assert table.loc[base, "capture_share"] == pytest.approx(theirs / (own + theirs))
    assert table["capture_share"].is_monotonic_decreasing  # by the share that goes to the derivatives


def test_the_overview_gives_llamas_share_of_the_hubs_new_derivatives(
    database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    shares = _rows(
        database,
        "SELECT g.new_derivatives, r.hub_new_derivatives FROM hub_group g JOIN snapshot_run r "
        "ON r.id = g.run_id WHERE g.kind = 'ecosystem' AND g.name = 'llama' ORDER BY r.id",
    )
    (before_new, before_hub), (new, hub) = shares[-2:]
    monkeypatch.setenv("TRACKER_DATABASE_URL", database)
    monkeypatch.delenv("TRACKER_ECOSYSTEMS", raising=False)
    app = AppTest.from_file(APP, default_timeout=60).run()
    assert not app.exception
    card = next(m for m in app.metric if m.label == "Share of the Hub's new derivatives")
    assert card.value == f"{new / hub:.1%}"
    assert card.delta == f"{(new / hub - before_new / before_hub) * 100:+.1f} pts"
    assert "every new derivative on the whole Hugging Face Hub" in card.proto.help
    assert "descends from Meta Llama's base models" in card.proto.help


def test_without_the_view_one_sentence_says_how_to_get_it(
    database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = _copy(database, tmp_path / "trees.db", runs="SELECT id FROM snapshot_run")
    app = _page(url, monkeypatch)
    (info,) = [i.value for i in app.info]
    assert info.startswith(NO_VIEW + ": a scan (`tracker snapshot --strategy scan`) or a backfill")
    assert "Without it: 3 complete runs (02 Nov 2026, 09 Nov 2026, 16 Nov 2026)." in info
    assert not app.metric
    assert not app.dataframe
    assert not app.get("vega_lite_chart")
    app.switch_page("views/overview.py").run()
    assert not app.exception
    assert not [m for m in app.metric if "share of the Hub" in m.label]
    assert any(
        c.value.startswith(
            "Meta Llama's share of all the Hub's new derivatives: no run has the whole-Hub view"
        )
        for c in app.caption
    )


def test_a_run_without_the_view_is_named_and_never_drawn_as_zero(
    database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = _copy(database, tmp_path / "one-tree.db", runs="2")
    app = _page(url, monkeypatch, "Ecosystems' share", hub_share_of="derivatives")
    said = " ".join(c.value for c in app.caption)
    assert (
        "1 run lacks the whole-Hub view (tree crawls read only the tracked ecosystems): 09 Nov 2026." in said
    )
    assert "against run 1 of 02 Nov 2026" in said  # the run with the view before
    frames = _datasets(app.get("vega_lite_chart")[0])  # the share of all the Hub's derivatives
    points = {str(t) for f in frames if "share" in f for t in f["taken_at"]}
    rules = {str(t) for f in frames if "run" in f for t in f["taken_at"]}
    assert sorted(points) == ["2026-11-02 06:00:00", "2026-11-16 06:00:00"]  # no point for the missing week
    assert rules == {"2026-11-09 06:00:00"}  # a dashed rule there instead
