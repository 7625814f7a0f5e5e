"""The dashboard reads the events the commands pass on (`TRACKER_EVENTS`, added to the shipped ones): the
download charts mark those their runs cross, the other charts none; the Movers page flags the movers whose
step holds one, in the data grid, never as Markdown; a file that cannot be read leaves the Hub's own."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pytest
from streamlit.testing.v1 import AppTest

from tests.support.dashboard_db import build_database
from tests.support.moves import calm_models, rewrite
from tests.support.paths import APP

# The three weekly runs are taken on 2, 9 and 16 November 2026 (the emulator's clock).
HOSTILE = "v2 <img src=x onerror=alert(1)> [login](http://evil.example)"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("events-view")
    url = build_database(folder / "weeks.db")
    calm = calm_models(url)[:2]
    rewrite(url, {calm[0]: (0, 5_000), calm[1]: (0, 2_000)})  # two risers in the last step
    (folder / "events.csv").write_text(f'date,kind,what,source\n2026-11-12,release,"{HOSTILE}",our blog\n')
    (folder / "bad.csv").write_text("date,kind,what,source\n2026-11-12,release,,our blog\n")
    return folder


def page(built: Path, monkeypatch: pytest.MonkeyPatch, view: str, events: str | None) -> AppTest:
    monkeypatch.setenv("TRACKER_DATABASE_URL", f"sqlite:///{built / 'weeks.db'}")
    if events:
        monkeypatch.setenv("TRACKER_EVENTS", str(built / events))
    else:
        monkeypatch.delenv("TRACKER_EVENTS", raising=False)
    app = AppTest.from_file(APP, default_timeout=60)
    app.run()
    app.switch_page(view).run()
    assert not [e.value for e in app.exception] + [e.value for e in app.error]
    return app


def layers(spec: dict) -> list[dict]:
    found = []
    for layer in spec.get("layer", []):
        found += [layer, *layers(layer)]
    return found


def marked(app: AppTest) -> list[list[dict]]:
    """Per chart on the page, the rows of its events' layer (empty: none drawn). Streamlit sends a chart's
    data apart from its spec, as Arrow tables named in it."""
    found = []
    for chart in app.get("vega_lite_chart"):
        spec = json.loads(chart.proto.spec)
        events = [layer for layer in layers(spec) if layer.get("name") == "hub_events"]
        if not events:
            found.append([])
            continue
        (layer,) = events
        name = (layer.get("data") or layer["layer"][0]["data"])["name"]  # the rule and its marker share it
        (data,) = [d.data.data for d in chart.proto.datasets if d.name == name]
        found.append(pa.ipc.open_stream(data).read_all().to_pandas().to_dict("records"))
    return found


def test_the_download_charts_mark_the_users_event_and_the_others_do_not(
    built: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = page(built, monkeypatch, "views/families.py", "events.csv")
    assert marked(app) == [[]]  # the first tab: derivatives, no download chart
    for tab in ("Weekly downloads", "30-day downloads"):
        app.session_state["fam_chart"] = tab
        app.run()
        ((row,),) = marked(app)
        assert row["event"] == HOSTILE  # as data: Vega's tooltip writes it as text
        assert (row["day"], row["source"]) == ("2026-11-12", "our blog")


def test_without_a_users_file_no_shipped_event_falls_in_these_runs(built: Path, monkeypatch) -> None:
    app = page(built, monkeypatch, "views/families.py", None)
    app.session_state["fam_chart"] = "30-day downloads"
    app.run()
    assert marked(app) == [[]]


def test_the_movers_page_flags_the_movers_whose_step_holds_an_event(built: Path, monkeypatch) -> None:
    app = page(built, monkeypatch, "views/movers.py", "events.csv")
    risers = app.dataframe[0].value
    assert list(risers["event"]) == [f"2026-11-12: {HOSTILE}"] * 2
    assert '"Hub event"' in app.dataframe[0].proto.columns
    (warning,) = app.warning
    assert warning.value.startswith("2 of these models: a Hub event of their library falls between")
    assert "<img" not in warning.value
    plain = page(built, monkeypatch, "views/movers.py", None)
    assert "event" not in plain.dataframe[0].value
    assert not plain.warning


def test_a_malformed_file_leaves_the_hubs_own_events_and_says_so(built: Path, monkeypatch) -> None:
    app = page(built, monkeypatch, "views/families.py", "bad.csv")
    assert any("could not be read" in c.value for c in app.sidebar.caption)
    app.session_state["fam_chart"] = "30-day downloads"
    app.run()
    assert marked(app) == [[]]
