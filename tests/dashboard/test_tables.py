"""The tables a reader sees: human headers (never a column's snake_case name), figures with thousands
separators while the data stays numeric, and the ecosystems' labels from the ecosystems file the commands
read (`TRACKER_ECOSYSTEMS`, else the shipped one)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
from streamlit.testing.v1 import AppTest

from tests.support.dashboard_db import build_database
from tests.support.paths import APP
from tracker.core.ecosystems import default_ecosystems_path

# each page's tables, by their place on the page (the Compare page's first, relative adoption, is
# another part's), with the tab that holds them open (tabs are drawn one at a time)
TABLES = {
    "views/lineage.py": [0],
    "views/builders.py": [0],
    "views/ecosystems.py": [-1],
    "views/whole_hub.py": [0],
    "views/data.py": [0],
}
# the static tables of a few rows (`st.table`): the Overview's rivals, the Families page's latest run (by
# ecosystem), the explorer's children by relation
STATIC = {"views/overview.py": 1, "views/families.py": 1, "views/lineage.py": 1}
TABS = {
    "views/lineage.py": ("lin_below", "Most downloaded descendants"),
    "views/ecosystems.py": ("cmp_section", "Inference providers"),
}
PLAIN = {"run_id", "depth", "level", "live_providers"}  # small counts and ids: no separator needed


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> str:
    return build_database(tmp_path_factory.mktemp("tables") / "tracker.db")


def _tables(at: AppTest) -> list[tuple[pd.DataFrame, dict, list[str]]]:
    """Each table of the page: its data, its columns' configuration, the columns shown."""
    out = []
    for table in at.dataframe:
        config = json.loads(table.proto.columns or "{}")
        frame = table.value
        shown = list(table.proto.column_order) or [
            c for c in frame.columns if not config.get(c, {}).get("hidden")
        ]
        out.append((frame, config, shown))
    return out


def test_every_table_has_human_headers_and_separated_figures(
    database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRACKER_DATABASE_URL", database)
    at = AppTest.from_file(APP, default_timeout=60).run()
    for page, keys in TABLES.items():
        if page in TABS:
            at.session_state[TABS[page][0]] = TABS[page][1]
        at.switch_page(page).run()
        assert not at.exception, page
        tables = _tables(at)
        assert len(tables) >= len(keys), page
        for key in keys:
            frame, config, shown = tables[key]
            assert shown, key
            for column in shown:
                header = config.get(column, {}).get("label", column)
                assert "_" not in header, (key, column, header)
                assert not header[:1].islower(), (key, column, header)  # "Model", "30-day downloads"
                if column in PLAIN or not pd.api.types.is_numeric_dtype(frame[column]):
                    continue
                number = config[column]["type_config"]
                assert number["type"] == "number", (key, column)  # the data stays numeric
                assert number.get("format") in ("localized", "percent") or "%" in number.get("format", ""), (
                    key,
                    column,
                    number,
                )


def test_the_labels_come_from_the_ecosystems_file(
    database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mine = tmp_path / "ecosystems.toml"
    shipped = default_ecosystems_path().read_text(encoding="utf-8")
    mine.write_text(shipped.replace('label = "Meta Llama"', 'label = "Llama (Meta)"'), encoding="utf-8")
    monkeypatch.setenv("TRACKER_DATABASE_URL", database)
    monkeypatch.setenv("TRACKER_ECOSYSTEMS", str(mine))
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert at.multiselect(key="f_ecosystems").options == ["Llama (Meta)", "Qwen"]
    assert [t.value for t in at.title] == ["Is the Llama (Meta) ecosystem growing?"]
    assert list(at.table[0].value["Ecosystem"]) == ["Llama (Meta)", "Qwen"]


def test_an_unreadable_ecosystems_file_leaves_the_names(
    database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRACKER_DATABASE_URL", database)
    monkeypatch.setenv("TRACKER_ECOSYSTEMS", str(tmp_path / "missing.toml"))
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert at.multiselect(key="f_ecosystems").options == ["llama", "qwen"]


def _shown(table) -> pd.DataFrame:  # noqa: ANN001 - AppTest's Table
    """A static table's cells as the reader sees them (the Styler's display values)."""
    return pa.ipc.open_stream(table.proto.arrow_data.styler.display_values).read_pandas()


def test_every_static_table_has_human_headers_and_separated_figures(
    database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRACKER_DATABASE_URL", database)
    at = AppTest.from_file(APP, default_timeout=60).run()
    for page, count in STATIC.items():
        at.switch_page(page).run()
        assert not at.exception, page
        assert len(at.table) == count, page
        for table in at.table:
            data, shown = table.value, _shown(table)
            for column in data.columns:
                assert "_" not in column, (page, column)
                assert not column[:1].islower(), (page, column)
                if pd.api.types.is_integer_dtype(data[column]):  # the data numeric, shown separated
                    large = data[column].abs() >= 1_000
                    assert all("," in text for text in shown.loc[large.to_numpy(), column]), (page, column)
