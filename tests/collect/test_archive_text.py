"""Text from an archive file (a third party's Parquet) is data: a row whose id or declared parent's id is not
a Hub id, or whose `baseModels` cannot be read (nested 100,000 deep), is refused and counted in the log,
and the other rows import; a relation other than the Hub's four is kept as `unknown`; nothing of it
reaches the digest's HTML as markup or a CSV export as a formula. On both databases."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sqlmodel import Session

from tests.collect.test_hub_text import BASE, ECOSYSTEMS, FORMULAS, MARKUP, assert_digest_and_exports_are_data
from tracker.collect.archive import LocalArchive
from tracker.run.backfill import run_backfill
from tracker.storage.database import open_store
from tracker.storage.loads import load_run_edges, load_run_members, load_runs

DEEP = "[" * 30_000 + "]" * 30_000  # too deep for the parser, within the reader's budget of a value


def declared(relation: str, *parents: str) -> str:
    return json.dumps({"relation": relation, "models": [{"_id": None, "id": p} for p in parents]})


def week_rows(second: bool) -> list[tuple[str, str | None, list[str]]]:
    """(id, baseModels as JSON text, tags) of one week's file; the second week adds the crafted rows."""
    rows = [(BASE, None, ["license:llama3.1"]), ("u/ft-a", declared("finetune", BASE), [])]
    if second:
        rows += [
            ("u/tuned_v2", declared("finetune", BASE), []),
            ("u/odd-relation", declared(MARKUP, BASE), []),
            *((f, declared("finetune", BASE), []) for f in FORMULAS),
            ("u/formula-parent", declared("merge", BASE, '=HYPERLINK("y")'), []),
            ("u/formula-tag", None, [f"base_model:{BASE}", 'base_model:adapter:=HYPERLINK("z")']),
            ("u/deep", DEEP, []),
            (f"meta-llama/{MARKUP}", None, []),  # an author's model, so a root, if its id were a Hub id
        ]
    return rows


def write_week(folder: Path, day: str, rows: list[tuple[str, str | None, list[str]]]) -> None:
    n = len(rows)
    table = pa.table(
        {
            "_id": pa.array([f"{k:024x}" for k in range(n)], pa.string()),
            "id": pa.array([r[0] for r in rows], pa.string()),
            "downloads": pa.array([100 * (k + 1) for k in range(n)], pa.int64()),
            "likes": pa.array([1] * n, pa.int64()),
            "tags": pa.array([r[2] for r in rows], pa.list_(pa.string())),
            "baseModels": pa.array([r[1] for r in rows], pa.string()),
        }
    )
    (folder / "models" / day).mkdir(parents=True)
    pq.write_table(table, folder / "models" / day / "models.parquet", row_group_size=4)


def test_an_archive_files_text_is_data_from_door_to_digest_and_export(
    migrated_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.INFO, logger="tracker.archive_file")
    folder = tmp_path / "archive"
    write_week(folder, "2025-03-05", week_rows(second=False))
    write_week(folder, "2025-03-12", week_rows(second=True))
    engine = open_store(migrated_url)
    try:
        outcomes = run_backfill(engine, LocalArchive(folder), ECOSYSTEMS).files
        assert [o.status for o in outcomes] == ["imported", "imported"], [o.reason for o in outcomes]
        with Session(engine) as session:
            last = max(r.id for r in load_runs(session))
            members = {m.model_id: m.relation for m, _ in load_run_members(session, last)}
            edges = {(e.child_id, e.parent_id, e.relation) for e in load_run_edges(session, last)}
    finally:
        engine.dispose()
    assert set(members) == {BASE, "u/ft-a", "u/tuned_v2", "u/odd-relation"}
    assert members["u/odd-relation"] == "unknown"
    assert ("u/odd-relation", BASE, "unknown") in edges
    lines = [r.getMessage() for r in caplog.records if r.name == "tracker.archive_file"]
    refusals = [line for line in lines if "refused" in line]
    assert any("8 refused" in line for line in refusals), refusals
    assert any("meta-llama/" in line and "not a Hub id" in line for line in refusals), refusals
    assert any("u/deep" in line for line in refusals), refusals
    assert any("unknown" in line and "u/odd-relation" in line for line in lines), lines
    assert_digest_and_exports_are_data(migrated_url, capsys)
