"""The Overview answers its question for Llama, with its rivals beside it; ecosystems go by their labels on
the page and by their names in the link; every download figure says whether the base models are in it,
and its help reconciles it with the export's rows. On real emulator snapshots (llama and qwen, 3 weeks).
"""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from tests.support.dashboard_db import build_database
from tests.support.paths import APP
from tracker.read import history_rows, metrics, queries
from tracker.report import palette
from tracker.storage.database import make_engine

NOTE = re.compile(
    r"([\d,]+) weekly downloads of the derivatives and ([\d,]+) of the ([\d,]+) base models, ([\d,]+) in all"
)


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> str:
    return build_database(tmp_path_factory.mktemp("overview") / "tracker.db")


@pytest.fixture
def app(database: str, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("TRACKER_DATABASE_URL", database)
    monkeypatch.delenv("TRACKER_ECOSYSTEMS", raising=False)  # the shipped file's labels
    return AppTest.from_file(APP, default_timeout=60)


def _errors(at: AppTest) -> list[str]:
    return [e.value for e in at.exception] + [e.value for e in at.error]


def _colour_scales(at: AppTest) -> list[dict[str, str]]:
    """Each chart's colour scale, name to colour, in the legend's order."""
    scales = []
    for chart in at.get("vega_lite_chart"):
        text = json.dumps(json.loads(chart.proto.spec))
        for match in re.finditer(r'"scale": \{"domain": (\[[^\]]*\]), "range": (\[[^\]]*\])', text):
            domain, colours = json.loads(match.group(1)), json.loads(match.group(2))
            scales.append(dict(zip(domain, colours, strict=True)))
    return scales


def _history(database: str) -> pd.DataFrame:
    engine = make_engine(database)
    try:
        return metrics.load_history(engine)
    finally:
        engine.dispose()


def test_it_leads_with_llama_its_rivals_beside_it(app: AppTest, database: str) -> None:
    app.run()
    assert not _errors(app)
    assert [t.value for t in app.title] == ["Is the Meta Llama ecosystem growing?"]
    sidebar = app.multiselect(key="f_ecosystems")
    assert sidebar.options == ["Meta Llama", "Qwen"]  # labels, Llama first
    history = _history(database)
    counts = metrics.compute_counts(history).set_index(["run_id", "ecosystem"])["derivatives"]
    last = history["run_id"].max()
    table = app.table[0].value  # the lead, then its rivals (a static table: a few rows)
    assert list(table["Ecosystem"]) == ["Meta Llama", "Qwen"]
    assert list(table["Derivatives"]) == [counts[(last, "llama")], counts[(last, "qwen")]]
    shown = {m.label: m.value for m in app.metric}
    assert shown["Derivatives"] == f"{counts[(last, 'llama')]:,}"  # Llama's, not both summed
    scales = _colour_scales(app)
    assert scales, "no chart with a colour scale"
    for scale in scales:  # "All ecosystems": stacked by ecosystem, named by label, in its colour
        assert scale == {
            "Meta Llama": palette.ECOSYSTEM_COLOURS["llama"],
            "Qwen": palette.ECOSYSTEM_COLOURS["qwen"],
        }


def test_one_ecosystem_is_stacked_by_its_families_in_its_hue(app: AppTest) -> None:
    app.run()
    app.multiselect(key="f_ecosystems").select("qwen").run()
    assert not _errors(app)
    assert [t.value for t in app.title] == ["Is the Qwen ecosystem growing?"]
    assert not app.table  # no rivals shown: no table
    scales = []
    for tab in ("Derivatives", "New per run", "Weekly downloads"):  # one chart a tab
        app.session_state["ov_chart"] = tab
        app.run()
        scales += _colour_scales(app)
    assert len(scales) == 3
    for scale in scales:
        families = [name for name in scale if name != palette.OTHER_FAMILIES]
        assert 1 < len(scale) <= palette.TOP_FAMILIES + 1
        assert [scale[f] for f in families] == palette.shades(
            palette.ECOSYSTEM_COLOURS["qwen"], len(families)
        )


def test_the_link_keeps_the_names_and_the_page_the_labels(app: AppTest) -> None:
    app.query_params["f_ecosystems"] = "qwen"
    app.run()
    assert not _errors(app)
    assert app.multiselect(key="f_ecosystems").value == ["qwen"]
    assert [t.value for t in app.title] == ["Is the Qwen ecosystem growing?"]
    app.multiselect(key="f_ecosystems").select("llama").run()
    assert sorted(app.query_params["f_ecosystems"]) == ["llama", "qwen"]  # names, not "Meta Llama"


def test_weekly_downloads_say_whether_base_models_are_in_and_reconcile_with_the_export(
    app: AppTest, database: str
) -> None:
    app.run()
    figure = next(m for m in app.metric if m.label.startswith("Weekly downloads"))
    assert figure.label == "Weekly downloads, derivatives only"
    own, bases, roots, total = (int(n.replace(",", "")) for n in NOTE.search(figure.proto.help).groups())
    assert figure.value == f"{own:,}"
    assert own + bases == total
    assert roots > 0

    # the export's rows of the latest run, with the base models and without, give the same two figures
    engine = make_engine(database)
    try:
        run_ids = queries.latest_runs(engine, metrics.Filters(ecosystems=("llama",)), 2)
        rows = history_rows.load_history_rows(engine, metrics.Filters(ecosystems=("llama",)), run_ids=run_ids)
    finally:
        engine.dispose()
    now = rows[rows["run_id"] == run_ids[0]]
    weeks = (now["taken_at"].iloc[0] - rows[rows["run_id"] == run_ids[1]]["taken_at"].iloc[0]) / pd.Timedelta(
        days=7
    )
    assert round(now["downloads_delta"].sum() / weeks) == total
    assert round(now.loc[now["relation"] != "base", "downloads_delta"].sum() / weeks) == own
    assert (now["relation"] == "base").sum() == roots

    app.toggle(key="ov_bases").set_value(True).run()
    assert not _errors(app)
    figure = next(m for m in app.metric if m.label.startswith("Weekly downloads"))
    assert figure.label == "Weekly downloads, base models included"
    assert figure.value == f"{total:,}"
    assert "Base models included." in figure.proto.help
