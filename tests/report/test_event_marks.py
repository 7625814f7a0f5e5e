"""The download charts mark the events their span crosses: a rule layer with the event's text, date and
source in its tooltip; an event outside the span draws nothing. Asserted on the Vega-Lite spec."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from tracker.core.events import Event
from tracker.report import charts, event_marks

RUNS = pd.to_datetime(
    ["2025-07-09 06:00", "2025-07-16 06:00", "2025-07-23 06:00", "2025-07-30 06:00"], utc=True
)
INSIDE = Event(date(2025, 7, 24), "counting", "params.json <b>counts</b> [now](http://x)", "hub-docs 1848")
BEFORE = Event(date(2025, 7, 1), "release", "before the first run", "blog")
AFTER = Event(
    date(2026, 8, 6), "counting", "modular_model_index.json counts", "hub-docs 2687", ("diffusers",)
)


def frame() -> pd.DataFrame:
    rows = [
        {
            "taken_at": t,
            "run_id": i,
            "ecosystem": e,
            "weekly_downloads": 100 * i + n,
            "downloads_30d": 1_000 * i,
        }
        for i, t in enumerate(RUNS, start=1)
        for n, e in enumerate(("llama", "qwen"))
    ]
    return pd.DataFrame(rows)


def layers(spec: dict) -> list[dict]:
    """Every layer of a spec, nested ones too."""
    found = []
    for layer in spec.get("layer", []):
        found += [layer, *layers(layer)]
    return found


def event_rows(chart) -> list[dict]:  # noqa: ANN001 - an Altair chart
    """The rows of the events' layer (None when there is none): what the rule and its tooltip show."""
    spec = chart.to_dict()
    marked = [layer for layer in layers(spec) if layer.get("name") == event_marks.LAYER_NAME]
    if not marked:
        return []
    (layer,) = marked
    rule, marker = layer["layer"]
    assert rule["mark"]["type"] == "rule"
    assert marker["mark"]["type"] == "point"
    assert [t["field"] for t in rule["encoding"]["tooltip"]][:3] == ["event", "day", "source"]
    name = layer["data"]["name"] if "data" in layer else rule["data"]["name"]
    return spec["datasets"][name]


@pytest.mark.parametrize("log", [False, True])
def test_a_time_axis_download_chart_marks_an_event_inside_its_span(log: bool) -> None:
    chart = charts.over_time(
        frame(), "downloads_30d", title="downloads", by="ecosystem", log=log, events=[BEFORE, INSIDE, AFTER]
    )
    (row,) = event_rows(chart)
    assert row["event"] == INSIDE.what  # the data as written: Vega's tooltip shows it as text, never HTML
    assert row["day"] == "2025-07-24"
    assert row["source"] == "hub-docs 1848"
    assert row["taken_at"].startswith("2025-07-24")  # the rule stands on the event's day


def test_a_chart_whose_span_crosses_no_event_draws_nothing() -> None:
    plain = charts.over_time(frame(), "downloads_30d", title="downloads", by="ecosystem")
    outside = charts.over_time(
        frame(), "downloads_30d", title="downloads", by="ecosystem", events=[BEFORE, AFTER]
    )
    assert event_rows(outside) == []
    assert outside.to_dict() == plain.to_dict()


def test_the_archive_band_and_the_event_rule_draw_together() -> None:
    chart = charts.over_time(
        frame(), "downloads_30d", title="downloads", by="ecosystem", archived=list(RUNS[:2]), events=[INSIDE]
    )
    spec = chart.to_dict()
    assert any(layer.get("mark", {}).get("type") == "rect" for layer in layers(spec))  # the archive's band
    assert [r["day"] for r in event_rows(chart)] == ["2025-07-24"]
    assert spec["height"] == charts.HEIGHT


def test_a_bar_per_run_marks_the_run_whose_step_holds_the_event() -> None:
    chart = charts.per_run(
        frame(), "weekly_downloads", title="downloads per week", by="ecosystem", events=[INSIDE]
    )
    (row,) = event_rows(chart)
    assert row["run"] == "30 Jul 2025"  # 24 July falls in (23 July, 30 July]
    assert row["event"] == INSIDE.what
    spec = chart.to_dict()
    (rule,) = [layer for layer in layers(spec) if layer.get("mark", {}).get("type") == "rule"]
    assert rule["encoding"]["x"]["field"] == "run"
    assert rule["encoding"]["x"]["sort"] == ["09 Jul 2025", "16 Jul 2025", "23 Jul 2025", "30 Jul 2025"]
    assert [t["title"] for t in rule["encoding"]["tooltip"]][-1] == "in the step to the run of"


def test_a_bar_chart_draws_no_event_before_its_first_step_or_after_its_last_run() -> None:
    on_first = Event(date(2025, 7, 9), "release", "on the first run's day", "blog")
    chart = charts.per_run(
        frame(),
        "weekly_downloads",
        title="downloads per week",
        by="ecosystem",
        events=[BEFORE, on_first, AFTER],
    )
    assert event_rows(chart) == []
    assert chart.to_dict()["mark"]["type"] == "bar"
