"""The release-dates file: the shipped corrections, the rules a row must keep (each refusal one line naming
the file and its line), and a user's file extending and overriding the shipped one."""

from __future__ import annotations

import csv
import importlib.resources
from datetime import date
from pathlib import Path

import pytest

from tracker.core.release_dates import (
    MAX_BYTES,
    ReleaseDatesError,
    default_release_dates_path,
    load_release_dates,
    parse_release_dates,
)

HEADER = "model_id,created_on,released_on\n"


# --- the shipped file ----------------------------------------------------------------------------


def test_the_shipped_file_holds_the_corrections() -> None:
    shipped = load_release_dates()
    assert len(shipped) == 62
    assert shipped.released_on("google/gemma-4-31B-it") == date(2026, 4, 2)  # a month after createdAt
    assert shipped["google/gemma-4-31b-it"].created_on == date(2026, 3, 11)
    assert shipped.released_on("moonshotai/Kimi-K2.5") == date(2026, 1, 27)  # 26 days early
    assert shipped.released_on("META-MODELS/muse-glimmer-30b") == date(2026, 8, 10)  # any case
    assert shipped.released_on("meituan-longcat/LongCat-2.0") == date(2026, 6, 30)  # before createdAt
    assert shipped.released_on("meta-llama/Llama-3.1-8B") is None
    assert shipped.user_path is None
    assert shipped.sources == (str(default_release_dates_path()),)


def test_the_shipped_file_is_a_package_resource_and_the_shared_data_copied() -> None:
    resource = importlib.resources.files("tracker") / "data" / "release-dates.csv"
    assert resource.is_file()
    assert (importlib.resources.files("tracker") / "data" / "release-dates.README.md").is_file()
    with default_release_dates_path().open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["model_id", "created_on", "released_on"]
    assert len(rows) == 63
    shared = Path(__file__).resolve().parents[3] / "shared" / "data" / "release-dates.csv"
    if shared.is_file():  # beside a checkout: the shipped file is the shared data, unchanged
        assert shared.read_bytes() == default_release_dates_path().read_bytes()


def test_it_is_immutable() -> None:
    dates = parse_release_dates(HEADER + "a/b,2026-01-01,2026-01-05\n", "t.csv")
    assert dict(dates)["a/b"].released_on == date(2026, 1, 5)
    with pytest.raises(TypeError):
        dates["x/y"] = dates["a/b"]  # type: ignore[index]
    with pytest.raises(AttributeError):
        dates.user_path = "elsewhere"  # type: ignore[misc]
    assert repr(dates) == "ReleaseDates(1 models from t.csv)"


# --- parsing ---------------------------------------------------------------------------------------


def test_a_good_file_with_its_tolerances() -> None:
    text = (
        "\ufeffreleased_on, model_id ,created_on\r\n"  # any order, spaces around a cell, Windows line ends
        "\r\n"  # a blank line
        "2026-04-02 , google/gemma-4-31B-it , 2026-03-11\r\n"
        "2026-08-20,acme/Own-Model-7B,\r\n"  # no createdAt day: the user's own release
        "2025-12-02,mistralai/Ministral-3-3B-Base-2512,2025-10-31"  # no final newline
    )
    dates = parse_release_dates(text, "mine.csv")
    assert len(dates) == 3
    own = dates["acme/own-model-7b"]
    assert (own.model_id, own.created_on, own.released_on, own.source, own.line) == (
        "acme/Own-Model-7B",
        None,
        date(2026, 8, 20),
        "mine.csv",
        4,
    )
    assert dates["google/gemma-4-31B-it"].created_on == date(2026, 3, 11)


MALFORMED = [
    (HEADER + "a/b,2026-01-01,2026-02-30\n", "line 2: released_on '2026-02-30' is not a date (YYYY-MM-DD)"),
    (HEADER + "a/b,2026-01-01,2 Feb 2026\n", "line 2: released_on '2 Feb 2026' is not a date (YYYY-MM-DD)"),
    (HEADER + "a/b,20260101,2026-02-01\n", "line 2: created_on '20260101' is not a date (YYYY-MM-DD)"),
    (HEADER + "a/b,2026-01-01,\n", "line 2: empty released_on"),
    (
        HEADER + "a/b,2026-01-01,2026-01-02\nnot an id,2026-01-01,2026-01-02\n",
        "line 3: model_id 'not an id' is not a Hub model id (namespace/name)",
    ),
    (
        HEADER + "gpt2,2022-03-02,2019-02-14\n",
        "line 2: model_id 'gpt2' is not a Hub model id (namespace/name)",
    ),
    (
        HEADER + "a/../b,2026-01-01,2026-01-02\n",
        "line 2: model_id 'a/../b' is not a Hub model id (namespace/name)",
    ),
    (HEADER + ",2026-01-01,2026-01-02\n", "line 2: empty model_id"),
    (
        HEADER + "a/b,2026-01-01,2026-01-02\n\nA/B,2026-01-01,2026-01-03\n",
        "line 4: model_id 'A/B' is listed twice (also on line 2)",
    ),
    (HEADER + "a/b,2026-01-02\n", "line 2: 2 columns, expected 3 (model_id,created_on,released_on)"),
    (
        "model_id,released_on\na/b,2026-01-02\n",
        "line 1: no column created_on (the header must be 'model_id,created_on,released_on', got "
        "'model_id,released_on')",
    ),
    (
        "model_id,created_on,released_on,notes\n",
        "line 1: unknown column 'notes' (the header must be 'model_id,created_on,released_on')",
    ),
    ("model_id,created_on,released_on,model_id\n", "line 1: column 'model_id' is named twice"),
    (HEADER + 'a/b,2026-01-01,"2026-01-02\n', "line 2: not valid CSV: unexpected end of data"),
    ("", "empty: no header (model_id,created_on,released_on)"),
]


@pytest.mark.parametrize(("text", "problem"), MALFORMED)
def test_each_malformed_row_is_one_line_naming_the_file_and_line(text: str, problem: str) -> None:
    with pytest.raises(ReleaseDatesError) as refused:
        parse_release_dates(text, "mine.csv")
    assert str(refused.value) == f"release-dates file mine.csv: {problem}"
    assert "\n" not in str(refused.value)


def test_a_stranger_s_line_break_stays_on_one_line() -> None:
    with pytest.raises(ReleaseDatesError) as refused:
        parse_release_dates(HEADER + '"a/b\nc",2026-01-01,2026-01-02\n', "mine.csv")
    assert str(refused.value) == (
        "release-dates file mine.csv: line 3: model_id 'a/b\\nc' is not a Hub model id (namespace/name)"
    )


# --- a user's file ---------------------------------------------------------------------------------


def test_a_user_file_extends_and_overrides_the_shipped_one(tmp_path: Path) -> None:
    mine = tmp_path / "mine.csv"
    mine.write_text(
        HEADER
        + "google/GEMMA-4-31B-it,2026-03-11,2026-04-03\n"  # a shipped model: this row wins, in any case
        + "acme/Own-Model-7B,2026-08-01,2026-08-20\n"  # a new one
    )
    dates = load_release_dates(mine)
    assert len(dates) == 63
    assert dates.released_on("google/gemma-4-31B-it") == date(2026, 4, 3)
    assert dates["google/gemma-4-31b-it"].source == str(mine)
    assert dates.released_on("google/gemma-4-E2B-it") == date(2026, 4, 2)  # the shipped rows stay
    assert dates.released_on("acme/own-model-7b") == date(2026, 8, 20)
    assert dates.user_path == str(mine)
    assert dates.sources == (str(default_release_dates_path()), str(mine))
    # the same id twice in the user's file is refused, though the shipped file has it too
    mine.write_text(HEADER + "acme/x,,2026-08-20\nacme/x,,2026-08-21\n")
    with pytest.raises(
        ReleaseDatesError, match=r"^release-dates file .*mine\.csv: line 3: model_id 'acme/x' is"
    ):
        load_release_dates(mine)


def test_a_file_that_cannot_be_read_is_one_line(tmp_path: Path) -> None:
    missing = tmp_path / "missing.csv"
    with pytest.raises(ReleaseDatesError) as refused:
        load_release_dates(missing)
    assert str(refused.value) == f"release-dates file {missing}: file not found"
    with pytest.raises(ReleaseDatesError, match="is a directory, not a file"):
        load_release_dates(tmp_path)
    latin = tmp_path / "latin.csv"
    latin.write_bytes(HEADER.encode() + "acme/caf\xe9,,2026-01-01\n".encode("latin-1"))
    with pytest.raises(ReleaseDatesError, match=r"latin\.csv: not valid UTF-8 \(byte 40\)$"):
        load_release_dates(latin)
    huge = tmp_path / "huge.csv"
    huge.write_bytes(HEADER.encode() + b"#" * MAX_BYTES)
    with pytest.raises(ReleaseDatesError, match=f"larger than {MAX_BYTES:,} bytes"):
        load_release_dates(huge)
