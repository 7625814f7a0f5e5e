"""`tracker export bases` and the whole-Hub columns of `tracker export runs`, end to end: two weekly scans
of a small synthetic Hub (five ecosystems) on SQLite and PostgreSQL, exported in every format and
compared with the stored `hub_base` rows and with the emulator's own reading of the forest
(`tracker.emulator.hub_truth`)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session

from tests.report.test_export import read_csv, read_jsonl, read_parquet, tracker
from tests.support.dashboard_db import FIVE, MODELS, SEED, build_database, snapshot_weeks
from tests.support.db import BACKENDS, postgres_database
from tracker.emulator.builders.synthetic import build_synthetic
from tracker.emulator.hub_truth import whole_hub
from tracker.report.dictionary import TABLES
from tracker.report.export import ExportFilters, export_query, stream_rows
from tracker.storage.database import open_store
from tracker.storage.loads import load_runs

BASES, RUNS = TABLES["bases"], TABLES["runs"]
# taken_at comes from the runs, typed (a text query gives SQLite's text).
STORED = """
SELECT b.run_id, NULL AS taken_at, b.base_id, b.author, b.organisation, b.region, b.derivatives,
       b.new_derivatives, b.finetunes, b.adapters, b.quantizations, b.merges, b.downloads_30d,
       b.downloads_all_time, b.derivative_downloads_30d, NULLIF(b.ecosystems, '') AS ecosystems
FROM hub_base b JOIN snapshot_run r ON r.id = b.run_id
ORDER BY r.taken_at, b.run_id, b.base_id
"""


@dataclass
class HubDb:
    """A database of two weekly scans (each with the whole-Hub view), and its stored rows."""

    url: str
    engine: Engine
    stored: list[dict[str, Any]]  # hub_base joined with taken_at, in the export's order
    runs: list[dict[str, Any]]  # snapshot_run rows, oldest first

    def at(self, run: int) -> datetime:
        return next(r["taken_at"] for r in self.runs if r["id"] == run)


@pytest.fixture(scope="module", params=BACKENDS)
def hub_db(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[HubDb]:
    if request.param == "sqlite":
        url = build_database(tmp_path_factory.mktemp("hub") / "tracker.db", weeks=2, ecosystems=FIVE)
        yield from _opened(url)
        return
    with postgres_database() as url:
        snapshot_weeks(url, range(2), ecosystems=FIVE)
        yield from _opened(url)


def _opened(url: str) -> Iterator[HubDb]:
    engine = open_store(url)
    try:
        with engine.connect() as c:
            stored = [dict(row) for row in c.execute(text(STORED)).mappings()]
        with Session(engine) as session:
            runs = [r.model_dump() for r in reversed(load_runs(session))]
        taken = {r["id"]: r["taken_at"] for r in runs}
        stored = [{**row, "taken_at": taken[row["run_id"]]} for row in stored]
        yield HubDb(url, engine, stored, runs)
    finally:
        engine.dispose()


def export(capsysbinary, db: HubDb, table: str, *args: str) -> list[dict[str, Any]]:
    code, out, err = tracker(capsysbinary, "export", table, "--database", db.url, "--format", "jsonl", *args)
    assert code == 0, err
    return read_jsonl(out, TABLES[table])


def test_two_scans_record_the_view(hub_db: HubDb) -> None:
    first, second = (r["id"] for r in hub_db.runs)
    assert [r["hub_models"] for r in hub_db.runs] == [2430, 2451]
    assert [r["hub_derivatives"] for r in hub_db.runs] == [1799, 1820]
    assert [r["hub_new_derivatives"] for r in hub_db.runs] == [None, 23]
    assert sum(1 for b in hub_db.stored if b["run_id"] == first) == 298
    assert sum(1 for b in hub_db.stored if b["run_id"] == second) == 299


def test_runs_end_with_the_hub_totals(hub_db: HubDb, capsysbinary) -> None:
    got = export(capsysbinary, hub_db, "runs")
    assert RUNS.names[-4:] == ("source", "hub_models", "hub_derivatives", "hub_new_derivatives")
    totals = [(r["hub_models"], r["hub_derivatives"], r["hub_new_derivatives"]) for r in got]
    assert totals == [(2430, 1799, None), (2451, 1820, 23)]
    # The emulator's own reading of the Hub at each run's instant.
    catalogue = build_synthetic(seed=SEED, models=MODELS)
    t0, t1 = (int(r["taken_at"].timestamp()) for r in got)
    truth = whole_hub(catalogue, t1, before=t0)
    assert (truth.models, truth.derivatives, truth.new_derivatives) == totals[1]


def test_bases_are_the_stored_rows_in_every_format(hub_db: HubDb, tmp_path: Path, capsysbinary) -> None:
    assert len(hub_db.stored) == 298 + 299
    for fmt, read in (("csv", read_csv), ("jsonl", read_jsonl), ("parquet", None)):
        path = tmp_path / f"bases.{fmt}"
        code, out, err = tracker(capsysbinary, "export", "bases", "--database", hub_db.url, "-o", str(path))
        assert (code, out) == (0, b""), err
        got = read_parquet(path) if read is None else read(path.read_bytes(), BASES)
        assert got == hub_db.stored, fmt


def test_bases_equal_the_emulators_forest(hub_db: HubDb, capsysbinary) -> None:
    got = export(capsysbinary, hub_db, "bases")
    first, second = (r["id"] for r in hub_db.runs)
    t0, t1 = (int(hub_db.at(r).timestamp()) for r in (first, second))
    truth = whole_hub(build_synthetic(seed=SEED, models=MODELS), t1, before=t0)
    rows = {b["base_id"]: b for b in got if b["run_id"] == second}
    assert set(rows) == set(truth.bases)
    fields = (
        "derivatives new_derivatives finetunes adapters quantizations merges downloads_30d "
        "downloads_all_time derivative_downloads_30d"
    ).split()
    for base_id, want in truth.bases.items():
        assert {f: rows[base_id][f] for f in fields} == {f: getattr(want, f) for f in fields}, base_id
    llama = rows["meta-llama/Llama-3.1-8B"]
    assert (llama["organisation"], llama["region"], llama["ecosystems"], llama["derivatives"]) == (
        "Meta",
        "us",
        "llama",
        254,
    )
    assert {b["new_derivatives"] for b in got if b["run_id"] == first} == {None}


def test_bases_filters(hub_db: HubDb, capsysbinary) -> None:
    stored = hub_db.stored
    first, second = (r["id"] for r in hub_db.runs)
    iso = {r: hub_db.at(r).strftime("%Y-%m-%dT%H:%M:%SZ") for r in (first, second)}
    # Inclusive on taken_at, at both ends.
    assert export(capsysbinary, hub_db, "bases", "--since", iso[second]) == [
        b for b in stored if b["run_id"] == second
    ]
    assert export(capsysbinary, hub_db, "bases", "--until", iso[first]) == [
        b for b in stored if b["run_id"] == first
    ]
    got = export(capsysbinary, hub_db, "bases", "--region", "EU", "--region", "china")
    assert got == [b for b in stored if b["region"] in ("eu", "china")]
    assert {b["region"] for b in got} == {"eu", "china"}
    # Organisations in any case, as the database spells them; repeatable.
    got = export(capsysbinary, hub_db, "bases", "--organisation", "meta", "--organisation", "Stability AI")
    assert got == [b for b in stored if b["organisation"] in ("Meta", "Stability AI")]
    assert len([b for b in got if b["organisation"] == "Stability AI"]) == 2
    # --ecosystem: the bases whose ecosystems include it.
    got = export(capsysbinary, hub_db, "bases", "--ecosystem", "qwen", "--since", iso[second])
    want = [b for b in stored if b["run_id"] == second and "qwen" in (b["ecosystems"] or "").split(";")]
    assert got == want
    assert len(want) == len([b for b in want if b["author"] == "Qwen"]) > 0


def test_bad_filters_are_one_line(hub_db: HubDb, capsysbinary) -> None:
    cases = [
        (["bases", "--organisation", "Metaa"], "unknown organisation 'Metaa' (known: Alibaba, "),
        (["bases", "--region", "mars"], "Invalid value for '--region'"),
        (["bases", "--ecosystem", "lama"], "unknown ecosystem 'lama'"),
        (["history", "--region", "eu"], "--region does not apply to history"),
        (["runs", "--organisation", "Meta"], "--organisation does not apply to runs"),
    ]
    for args, needle in cases:
        code, out, err = tracker(capsysbinary, "export", *args, "--database", hub_db.url)
        assert code != 0, args
        assert out == b""
        assert len(err.strip().splitlines()) == 1, err
        assert needle in err, (args, err)


def test_bases_stream_in_chunks(hub_db: HubDb) -> None:
    with hub_db.engine.connect() as connection:
        chunks = stream_rows(connection, export_query(BASES, ExportFilters()), BASES, chunk_rows=100)
        first = next(chunks)
        assert len(first) == 100
        if connection.dialect.name == "postgresql":
            # The rest is still on the server, in a cursor of this session.
            cursors = connection.execute(text("SELECT statement FROM pg_cursors")).scalars().all()
            assert any("DECLARE" in s and "hub_base" in s for s in cursors), cursors
        sizes = [len(first), *map(len, chunks)]
    assert sizes == [100] * 5 + [97]
