"""The events file: the shipped one, a user's added to it, each malformed row refused in one line naming the
file and its line; which events a span or a step between two runs holds, and whom an event concerns."""

from __future__ import annotations

import importlib.resources
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd
import pytest

from tests.support.paths import DOCS
from tracker.core import events, movers
from tracker.core.events import Event, EventsError, concerns, events_between, events_in_step, load_events

HEADER = "date,kind,what,source,libraries\n"
PARAMS = Event(date(2025, 7, 24), "counting", "params.json counts", "hub-docs 1848", ("transformers", "vllm"))
EVERYONE = Event(date(2025, 5, 1), "release", "our model is out", "our blog")


def test_the_shipped_file_holds_the_hubs_counting_changes_with_their_libraries() -> None:
    shipped = events.shipped_events()
    assert [(e.date, e.kind, e.libraries) for e in shipped] == [
        (date(2025, 7, 24), "counting", ("transformers", "vllm", "mistral-common")),
        (date(2026, 8, 6), "counting", ("diffusers",)),
    ]
    assert [e.source for e in shipped] == [
        "huggingface/hub-docs pull request 1848",
        "huggingface/hub-docs pull request 2687",
    ]
    assert shipped[0].what.startswith("params.json became a file whose downloads count")
    # shipped inside the package, beside its README (hatch ships every file of the `tracker` package)
    folder = importlib.resources.files("tracker") / "data"
    assert (folder / "hub-events.csv").is_file()
    assert (folder / "hub-events.README.md").is_file()


def test_the_methodology_names_each_shipped_event_with_its_date_and_source() -> None:
    text = " ".join((DOCS / "methodology.md").read_text().split())  # lines wrapped anywhere
    for event in events.shipped_events():
        assert f"{event.date:%Y-%m-%d}" in text
        assert event.source in text
        assert event.what.split(" ")[0] in text  # the file it is about: params.json, modular_model_index.json


def test_a_users_file_adds_to_the_shipped_events(tmp_path: Path) -> None:
    mine = tmp_path / "mine.csv"
    mine.write_text(
        "date,kind,what,source\n"  # the libraries column may be left out: every model
        "2025-05-01,release,our model is out,our blog\n\n"
        " 2026-01-02 , release , v2 , blog \n"
    )
    loaded = load_events(mine)
    assert [e.date for e in loaded] == [
        date(2025, 5, 1),
        date(2025, 7, 24),
        date(2026, 1, 2),
        date(2026, 8, 6),
    ]
    assert loaded[0] == EVERYONE
    assert loaded[2] == Event(date(2026, 1, 2), "release", "v2", "blog")
    assert load_events(None) == load_events("") == events.shipped_events()


def test_libraries_are_lower_cased_and_listed_once() -> None:
    (event,) = events.parse_events(HEADER + "2025-01-02,release,x,y, Diffusers ;diffusers;;PEFT\n")
    assert event.libraries == ("diffusers", "peft")


@pytest.mark.parametrize(
    ("rows", "problem"),
    [
        ("2025-13-01,release,x,y,\n", "line 2: date '2025-13-01' is not a date (YYYY-MM-DD)"),
        ("24/07/2025,release,x,y,\n", "line 2: date '24/07/2025' is not a date (YYYY-MM-DD)"),
        ("2025-07-24,release,x,y\n", "line 2: 4 columns, expected 5 (date,kind,what,source,libraries)"),
        ("2025-07-24,release,x,y,,z\n", "line 2: 6 columns, expected 5 (date,kind,what,source,libraries)"),
        ("2025-07-24,release,,y,\n", "line 2: empty what"),
        ("2025-07-24,,x,y,\n", "line 2: empty kind"),
        ("2025-07-24,release,x, ,\n", "line 2: empty source"),
        ("2025-07-24,release,=HYPERLINK(1),y,\n", "line 2: what '=HYPERLINK(1)' starts with '='"),
        ('2025-07-24,release,"a\x07b",y,\n', "line 2: what holds a control character"),
        ("2025-07-24,release,x,y,dif fusers\n", "line 2: library 'dif fusers' is not a Hub library name"),
        ('2025-07-24,release,"x,y,z\n', "line 2: not valid CSV"),
    ],
    ids=["month 13", "not ISO", "missing column", "extra column", "empty what", "empty kind",
         "empty source", "formula", "control", "library", "open quote"],
)  # fmt: skip
def test_a_malformed_row_is_one_line_naming_the_file_and_its_line(
    rows: str, problem: str, tmp_path: Path
) -> None:
    path = tmp_path / "events.csv"
    path.write_text(HEADER + "2025-01-02,release,fine,fine,\n" + "\n" + rows)  # the bad row: line 4
    with pytest.raises(EventsError) as caught:
        load_events(path)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"events file {path}: {problem.replace('line 2', 'line 4')}")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "empty: no header (date,kind,what,source,libraries)"),
        ("when,kind,what,source\n", "line 1: the header must be 'date,kind,what,source,libraries'"),
    ],
)
def test_a_file_without_its_header_is_refused(text: str, problem: str, tmp_path: Path) -> None:
    path = tmp_path / "events.csv"
    path.write_text(text)
    with pytest.raises(
        EventsError, match="^events file .*: " + problem.replace("(", r"\(").replace(")", r"\)")
    ):
        load_events(path)


def test_a_missing_file_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(EventsError) as caught:
        load_events(tmp_path / "nope.csv")
    assert str(caught.value) == f"events file {tmp_path / 'nope.csv'}: file not found"


def test_a_span_holds_the_events_of_its_days_both_ends_included() -> None:
    listed = [EVERYONE, PARAMS]
    assert events_between(listed, date(2025, 7, 24), date(2025, 8, 1)) == [PARAMS]
    assert events_between(listed, date(2025, 5, 1), date(2025, 7, 23)) == [EVERYONE]
    assert events_between(listed, date(2025, 7, 25), date(2026, 1, 1)) == []
    # an instant counts by its UTC day: 23:30 in New York on 23 July is 24 July in UTC
    late = pd.Timestamp("2025-07-23 23:30", tz="America/New_York").to_pydatetime()
    assert events_between(listed, late, late) == [PARAMS]


def test_a_step_between_two_runs_holds_the_events_after_the_first_up_to_the_second() -> None:
    runs = [datetime(2025, 7, d, 6, tzinfo=UTC) for d in (17, 24, 31)]
    assert events_in_step([PARAMS], runs[0], runs[1]) == [PARAMS]  # on the later run's day: in
    assert events_in_step([PARAMS], runs[1], runs[2]) == []  # on the earlier run's day: the step before


def test_an_event_concerns_its_libraries_or_everyone() -> None:
    assert concerns(PARAMS, "transformers")
    assert concerns(PARAMS, "VLLM")
    assert not concerns(PARAMS, "diffusers")
    assert not concerns(PARAMS, None)  # a model without a library is none of them
    assert concerns(EVERYONE, None)
    assert concerns(EVERYONE, "diffusers")


def test_a_mover_is_flagged_by_the_events_of_its_library_in_its_step() -> None:
    board = pd.DataFrame({"model_id": ["a/t", "b/d", "c/none", "d/unknown"], "change": [5, 4, 3, 2]})
    libraries = {"a/t": "transformers", "b/d": "diffusers", "c/none": None}
    flagged = movers.flag_events(board, libraries, [PARAMS])
    assert list(flagged["event"]) == ["2025-07-24: params.json counts", "", "", ""]
    both = movers.flag_events(board, libraries, [EVERYONE, PARAMS])
    assert list(both["event"]) == [
        "2025-05-01: our model is out; 2025-07-24: params.json counts",
        "2025-05-01: our model is out",
        "2025-05-01: our model is out",
        "2025-05-01: our model is out",
    ]
    assert list(movers.flag_events(board, libraries, [])["event"]) == ["", "", "", ""]
