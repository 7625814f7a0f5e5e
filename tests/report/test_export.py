"""`tracker export` end to end: real emulator snapshots on SQLite and PostgreSQL, exports against the truth.

One recorded history per backend (built once per module): five complete runs of the emulator at
different clock times, one of them backfilled with `--taken-at` between two others and one of Llama
only, plus a failed run. Every exported table must equal what the emulator's ground truth implies.
"""

from __future__ import annotations

import csv
import io
import json
import os
import socket
import stat
import subprocess
import sys
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session

from tests.support.db import BACKENDS, postgres_database
from tests.support.paths import ROOT
from tracker.cli import cli, main
from tracker.collect.hub import HubClient
from tracker.collect.transport import HubError
from tracker.core.ecosystems import load_ecosystems, select_ecosystems
from tracker.emulator.catalogue import Catalogue
from tracker.emulator.routes.server import HubEmulator
from tracker.emulator.truth import Truth, ground_truth
from tracker.report.dictionary import TABLES, render_markdown, render_table
from tracker.report.export import WRITERS, ExportFilters, atomic_file, export_query, stream_rows
from tracker.report.export_schema import Table
from tracker.run.snapshot import take_snapshot
from tracker.storage.database import open_store
from tracker.storage.loads import load_runs

ECOSYSTEMS = select_ecosystems(load_ecosystems(), ["llama", "qwen"])
LLAMA_ONLY = select_ecosystems(load_ecosystems(), ["llama"])
DAY = 86_400
# Days after the catalogue's default clock, in the order the runs are taken. The revision of
# downloadsAllTime falls at +3 days, deletions at +4 and +12, a restoration at +5, a rename at +10.
PLAN: tuple[tuple[int, str], ...] = (
    (0, "both"),
    (14, "both"),
    (15, "failed"),
    (7, "both"),  # backfilled: taken after the +14 run, slots in before it
    (21, "llama"),
    (28, "both"),
)
# The contract (DESIGN, "Export columns"): names and order.
DESIGN_COLUMNS = {
    "history": "run_id taken_at ecosystem family model_id relation depth downloads_30d downloads_all_time "
    "downloads_delta likes trending_score live_providers",
    "models": "model_id ecosystem family relation depth author created_at pipeline_tag library_name license "
    "gated first_seen_at last_seen_at parameters",
    "edges": "child_id parent_id relation first_seen_at last_seen_at",
    "runs": "run_id taken_at started_at finished_at status ecosystems models requests error source "
    "hub_models hub_derivatives hub_new_derivatives",
    "bases": "run_id taken_at base_id author organisation region derivatives new_derivatives finetunes "
    "adapters quantizations merges downloads_30d downloads_all_time derivative_downloads_30d ecosystems",
}


def instant(t: int) -> datetime:
    return datetime.fromtimestamp(t, UTC)


@dataclass
class Recorded:
    """A database holding the planned runs, and what the emulator's truth was for each."""

    url: str
    engine: Engine
    catalogue: Catalogue
    t0: int
    truths: dict[int, Truth]  # complete run id -> the truth at its clock time
    taken: dict[int, datetime]  # every run id -> taken_at
    crawled: dict[int, str]  # every run id -> the ecosystems it crawled, joined by ";"
    failed: int

    @property
    def order(self) -> list[int]:
        """Complete runs by taken_at (then id): the order deltas follow."""
        return sorted(self.truths, key=lambda r: (self.taken[r], r))

    def run_at(self, days: int) -> int:
        (run,) = [r for r in self.truths if self.taken[r] == instant(self.t0 + days * DAY)]
        return run


@pytest.fixture(scope="module", params=BACKENDS)
def recorded(
    request: pytest.FixtureRequest, small: Catalogue, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Recorded]:
    """The planned runs, taken once per backend for the whole module (they are only read)."""
    if request.param == "sqlite":
        yield from _record(f"sqlite:///{tmp_path_factory.mktemp('export') / 'tracker.db'}", small)
        return
    with postgres_database() as url:
        yield from _record(url, small)


def _record(url: str, small: Catalogue) -> Iterator[Recorded]:
    """The PLAN's runs taken into the database at `url`, yielded while they are read."""
    engine = open_store(url)
    emulator = HubEmulator(small)
    emulator.start()
    t0 = emulator.now
    truths: dict[int, Truth] = {}
    taken: dict[int, datetime] = {}
    crawled: dict[int, str] = {}
    failed = 0
    try:
        for days, kind in PLAN:
            emulator.set_now(t0 + days * DAY)
            at = instant(emulator.now)
            if kind == "failed":
                with socket.socket() as s:  # a port where nothing listens
                    s.bind(("127.0.0.1", 0))
                    port = s.getsockname()[1]
                nowhere = HubClient(f"http://127.0.0.1:{port}", unreachable_after=0.5)
                with nowhere as client, pytest.raises(HubError):
                    take_snapshot(engine, client, ECOSYSTEMS, strategy="scan", taken_at=at)
                with Session(engine) as session:
                    failed = load_runs(session, limit=1)[0].id
                taken[failed], crawled[failed] = at, "llama;qwen"
                continue
            ecosystems = LLAMA_ONLY if kind == "llama" else ECOSYSTEMS
            with HubClient(emulator.url) as client:
                result = take_snapshot(engine, client, ecosystems, strategy="scan", taken_at=at)
            truths[result.run_id] = ground_truth(small, ecosystems, emulator.now)
            taken[result.run_id] = at
            crawled[result.run_id] = ";".join(e.name for e in ecosystems)
        yield Recorded(url, engine, small, t0, truths, taken, crawled, failed)
    finally:
        emulator.stop()
        engine.dispose()


# --- running the command line in this process, as `tracker` runs it ------------------------------------


def tracker(capsysbinary: pytest.CaptureFixture[bytes], *args: str) -> tuple[int, bytes, str]:
    """(exit status, stdout bytes, stderr text) of `tracker ARGS`, through the console script's main()."""
    capsysbinary.readouterr()
    with pytest.raises(SystemExit) as stopped:
        main(list(args))
    out, err = capsysbinary.readouterr()
    return stopped.value.code, out, err.decode()


def export(capsysbinary, rec: Recorded, table: str, *args: str) -> list[dict[str, Any]]:
    """The table exported as JSON Lines to stdout, parsed back into typed values."""
    code, out, err = tracker(capsysbinary, "export", table, "--database", rec.url, "--format", "jsonl", *args)
    assert code == 0, err
    return read_jsonl(out, TABLES[table])


def typed(table: Table, row: dict[str, Any]) -> dict[str, Any]:
    """Timestamps as zone-aware datetimes; the rest as JSON or CSV gave them (CSV: converted too)."""
    out = {}
    for c in table.columns:
        value = row[c.name]
        if value == "" or value is None:
            out[c.name] = None
        elif c.kind == "timestamp":
            assert len(value) == len("2026-11-02T06:00:00.000000Z"), value
            assert value.endswith("Z"), value
            out[c.name] = datetime.fromisoformat(value)
        elif c.kind == "integer":
            assert str(int(value)) == str(value), value
            out[c.name] = int(value)
        else:
            out[c.name] = value
    return out


def read_jsonl(data: bytes, table: Table) -> list[dict[str, Any]]:
    rows = [json.loads(line) for line in data.decode("utf-8").splitlines()]
    integers = [c.name for c in table.columns if c.kind == "integer"]
    for row in rows:
        assert list(row) == list(table.names)
        assert all(row[name] is None or type(row[name]) is int for name in integers), row  # numbers
    return [typed(table, row) for row in rows]


def read_csv(data: bytes, table: Table) -> list[dict[str, Any]]:
    reader = csv.reader(io.StringIO(data.decode("utf-8"), newline=""))
    assert next(reader) == list(table.names)
    return [typed(table, dict(zip(table.names, row, strict=True))) for row in reader]


def read_parquet(path: Path) -> list[dict[str, Any]]:
    import pyarrow.parquet as pq

    return pq.read_table(path).to_pylist()


def database_rows(rec: Recorded, table: str) -> list[dict]:
    with rec.engine.connect() as connection:
        query = export_query(TABLES[table], ExportFilters())
        return [dict(row) for row in connection.execute(query).mappings()]


# --- what the ground truth implies -------------------------------------------------------------------


def truth_history(rec: Recorded) -> list[dict[str, Any]]:
    """Each truth model per run, its delta against the same ecosystem's previous complete run."""
    rows = []
    previous: dict[str, dict[str, Any]] = {}  # ecosystem -> model id -> truth model, in the last run
    for run in rec.order:
        by_ecosystem: dict[str, dict[str, Any]] = defaultdict(dict)
        for m in rec.truths[run].models:
            by_ecosystem[m.ecosystem][m.model_id] = m
        for ecosystem, models in by_ecosystem.items():
            before = previous.get(ecosystem, {})
            for m in models.values():
                p = before.get(m.model_id)
                rows.append(
                    {
                        "run_id": run,
                        "taken_at": rec.taken[run],
                        "ecosystem": ecosystem,
                        "family": m.family,
                        "model_id": m.model_id,
                        "relation": m.relation,
                        "depth": m.depth,
                        "downloads_30d": m.downloads_30d,
                        "downloads_all_time": m.downloads_all_time,
                        "downloads_delta": None if p is None else m.downloads_all_time - p.downloads_all_time,
                        "likes": m.likes,
                        "trending_score": m.trending_score,
                        "live_providers": len(m.live_providers),
                    }
                )
            previous[ecosystem] = models
    return rows


def truth_models(rec: Recorded) -> list[dict[str, Any]]:
    latest: dict[tuple[str, str], dict[str, Any]] = {}
    for run in rec.order:
        for m in rec.truths[run].models:
            key = (m.ecosystem, m.model_id)
            first = latest[key]["first_seen_at"] if key in latest else rec.taken[run]
            latest[key] = {
                "model_id": m.model_id,
                "ecosystem": m.ecosystem,
                "family": m.family,
                "relation": m.relation,
                "depth": m.depth,
                "author": m.author,
                "created_at": datetime.fromisoformat(m.created_at),
                "pipeline_tag": m.pipeline_tag,
                "library_name": m.library_name,
                "license": m.license,
                "gated": "false" if m.gated in (None, False) else str(m.gated),
                "first_seen_at": first,
                "last_seen_at": rec.taken[run],
                "parameters": m.parameters,
            }
    return list(latest.values())


def truth_edges(rec: Recorded, ecosystems: set[str] | None = None) -> list[dict[str, Any]]:
    seen: dict[tuple[str, str, str], list[datetime]] = {}
    for run in rec.order:
        truth = rec.truths[run]
        members = {m.model_id for m in truth.models if ecosystems is None or m.ecosystem in ecosystems}
        for e in truth.edges:
            if e.child_id in members:
                seen.setdefault((e.child_id, e.parent_id, e.relation), []).append(rec.taken[run])
    return [
        {"child_id": c, "parent_id": p, "relation": r, "first_seen_at": min(t), "last_seen_at": max(t)}
        for (c, p, r), t in seen.items()
    ]


def keyed(rows: list[dict[str, Any]], *key: str) -> list[dict[str, Any]]:
    """Rows sorted by a key, so that a comparison does not depend on the database's text collation."""
    return sorted(rows, key=lambda row: tuple(row[k] for k in key))


HISTORY_KEY = ("run_id", "ecosystem", "model_id")
MODELS_KEY = ("ecosystem", "model_id")
EDGES_KEY = ("child_id", "parent_id", "relation")


# --- every table equals the truth ----------------------------------------------------------------------


@pytest.mark.slow
def test_history_equals_ground_truth(recorded: Recorded, capsysbinary) -> None:
    got = export(capsysbinary, recorded, "history")
    want = truth_history(recorded)
    assert len(got) == len(want)
    assert keyed(got, *HISTORY_KEY) == keyed(want, *HISTORY_KEY)
    # Ordered by taken_at, then run: the backfilled run sits between the ones it was taken after.
    runs_in_order = list(dict.fromkeys(row["run_id"] for row in got))
    assert runs_in_order == recorded.order
    assert runs_in_order != sorted(runs_in_order)


def test_history_traps(recorded: Recorded, capsysbinary) -> None:
    """Deletion, revision, the cross-ecosystem merge, a backfill, a rename: each as the Hub did it."""
    rows = export(capsysbinary, recorded, "history")
    features = recorded.catalogue.features
    day = {run: (recorded.taken[run] - instant(recorded.t0)).days for run in recorded.truths}

    def seen(model: str, ecosystem: str = "llama") -> dict[int, dict]:
        return {day[r["run_id"]]: r for r in rows if r["model_id"] == model and r["ecosystem"] == ecosystem}

    leaf, parent = features["deleted"]
    assert sorted(seen(leaf)) == [0]  # deleted at +4 days: never seen again
    assert sorted(seen(parent)) == [0, 7]  # deleted at +12 days
    (revised,) = features["revision"]
    revision = seen(revised)
    assert revision[7]["downloads_delta"] < 0  # revised down at +3 days: a negative delta, kept
    assert revision[14]["downloads_delta"] >= 0
    (cross,) = features["cross_ecosystem_merge"]
    per_run = defaultdict(list)
    for r in rows:
        if r["model_id"] == cross:
            per_run[day[r["run_id"]]].append(r["ecosystem"])
    assert {d: sorted(e) for d, e in per_run.items()} == {
        0: ["llama", "qwen"],
        7: ["llama", "qwen"],
        14: ["llama", "qwen"],
        21: ["llama"],
        28: ["llama", "qwen"],
    }
    # The +14 run's delta is against the backfilled +7 run (taken later, at an earlier instant) ...
    big = seen(features["big_parent"][0])
    assert big[14]["downloads_delta"] == big[14]["downloads_all_time"] - big[7]["downloads_all_time"]
    assert big[7]["downloads_delta"] == big[7]["downloads_all_time"] - big[0]["downloads_all_time"]
    # ... and Qwen's +28 delta is against its own previous run (+14), skipping the Llama-only +21 run.
    qwen_cross = seen(cross, "qwen")
    assert qwen_cross[28]["downloads_delta"] == (
        qwen_cross[28]["downloads_all_time"] - qwen_cross[14]["downloads_all_time"]
    )
    old_id, new_id = features["renamed"]
    assert sorted(seen(old_id)) == [0, 7]  # renamed at +10 days: a new series under the new id
    assert sorted(seen(new_id)) == [14, 21, 28]
    assert seen(new_id)[14]["downloads_delta"] is None
    (restored,) = features["restored"]
    assert sorted(seen(restored)) == [7, 14, 21, 28]
    assert seen(restored)[7]["downloads_delta"] is None


def test_models_equal_ground_truth(recorded: Recorded, capsysbinary) -> None:
    got = export(capsysbinary, recorded, "models")
    want = truth_models(recorded)
    assert keyed(got, *MODELS_KEY) == keyed(want, *MODELS_KEY)
    by_id = {(r["ecosystem"], r["model_id"]): r for r in got}
    leaf = recorded.catalogue.features["deleted"][0]
    assert by_id["llama", leaf]["last_seen_at"] == instant(recorded.t0)  # deleted: kept, no longer seen


def test_edges_equal_ground_truth(recorded: Recorded, capsysbinary) -> None:
    got = export(capsysbinary, recorded, "edges")
    assert keyed(got, *EDGES_KEY) == keyed(truth_edges(recorded), *EDGES_KEY)
    ghost = recorded.catalogue.features["ghost_base"][0]
    assert any(e["parent_id"] == ghost for e in got)  # a base that never existed is kept


def test_runs_list_every_run(recorded: Recorded, capsysbinary) -> None:
    got = export(capsysbinary, recorded, "runs")
    with Session(recorded.engine) as session:
        stored = {r.id: r for r in load_runs(session)}
    assert [r["run_id"] for r in got] == sorted(recorded.taken, key=lambda r: (recorded.taken[r], r))
    for row in got:
        run = stored[row["run_id"]]
        assert row["taken_at"] == recorded.taken[row["run_id"]]
        assert (row["started_at"], row["finished_at"], row["requests"]) == (
            run.started_at,
            run.finished_at,
            run.requests,
        )
        assert row["ecosystems"] == recorded.crawled[row["run_id"]]
        assert row["source"] == "hub"  # live snapshots (tests/run/test_backfill.py has the archive's runs)
        if row["run_id"] == recorded.failed:
            assert (row["status"], row["models"]) == ("failed", 0)
            assert (row["hub_models"], row["hub_derivatives"], row["hub_new_derivatives"]) == (None,) * 3
            assert "cannot reach the Hub" in row["error"]
            continue
        truth = recorded.truths[row["run_id"]]
        assert (row["status"], row["error"]) == ("complete", None)
        assert row["models"] == len({m.model_id for m in truth.models})
        # Every run here is a scan, so each records the whole-Hub view (tests/report/test_export_hub.py
        # checks its figures); new derivatives from the second complete run on, by taken_at.
        assert (row["hub_models"], row["hub_derivatives"]) == (run.hub_models, run.hub_derivatives)
        assert row["hub_models"] > row["hub_derivatives"] > 0
        first = row["run_id"] == recorded.order[0]
        assert (row["hub_new_derivatives"] is None) == first


# --- filters --------------------------------------------------------------------------------------------


def test_filters(recorded: Recorded, capsysbinary) -> None:
    history, models = truth_history(recorded), truth_models(recorded)
    at = {days: recorded.taken[recorded.run_at(days)] for days in (7, 21)}
    iso = {days: t.strftime("%Y-%m-%dT%H:%M:%SZ") for days, t in at.items()}

    got = export(capsysbinary, recorded, "history", "--ecosystem", "qwen")
    assert keyed(got, *HISTORY_KEY) == keyed([r for r in history if r["ecosystem"] == "qwen"], *HISTORY_KEY)
    families = ("Llama 3.1", "Qwen 2.5")
    got = export(capsysbinary, recorded, "history", "--family", families[0], "--family", families[1])
    want = [r for r in history if r["family"] in families]
    assert got
    assert keyed(got, *HISTORY_KEY) == keyed(want, *HISTORY_KEY)
    # Inclusive at both ends; a naive instant is UTC.
    got = export(capsysbinary, recorded, "history", "--since", iso[7], "--until", iso[21].rstrip("Z"))
    want = [r for r in history if at[7] <= r["taken_at"] <= at[21]]
    assert {r["run_id"] for r in got} == {recorded.run_at(d) for d in (7, 14, 21)}
    assert keyed(got, *HISTORY_KEY) == keyed(want, *HISTORY_KEY)

    # models and edges filter on last_seen_at.
    got = export(capsysbinary, recorded, "models", "--until", iso[21], "--family", "Llama 3.2")
    want = [m for m in models if m["last_seen_at"] <= at[21] and m["family"] == "Llama 3.2"]
    assert got
    assert keyed(got, *MODELS_KEY) == keyed(want, *MODELS_KEY)
    got = export(capsysbinary, recorded, "edges", "--ecosystem", "qwen", "--since", iso[7])
    want = [e for e in truth_edges(recorded, {"qwen"}) if e["last_seen_at"] >= at[7]]
    assert got
    assert keyed(got, *EDGES_KEY) == keyed(want, *EDGES_KEY)

    # runs: on taken_at, whatever the status; --ecosystem keeps the runs that crawled it.
    got = export(capsysbinary, recorded, "runs", "--since", iso[7], "--until", iso[21])
    assert {r["run_id"] for r in got} == {recorded.run_at(d) for d in (7, 14, 21)} | {recorded.failed}
    got = export(capsysbinary, recorded, "runs", "--ecosystem", "qwen")
    assert recorded.run_at(21) not in {r["run_id"] for r in got}
    assert len(got) == len(recorded.taken) - 1


# --- formats ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("table", list(TABLES))
def test_every_format_round_trips(recorded: Recorded, table: str, tmp_path: Path, capsysbinary) -> None:
    """CSV, JSON Lines and Parquet read back to exactly the database's rows, in its order."""
    spec = TABLES[table]
    stored = database_rows(recorded, table)
    assert stored
    for fmt in WRITERS:
        path = tmp_path / f"{table}.{fmt}"
        code, out, err = tracker(capsysbinary, "export", table, "--database", recorded.url, "-o", str(path))
        assert (code, out) == (0, b""), err
        if fmt == "parquet":
            got = read_parquet(path)
        else:
            got = (read_csv if fmt == "csv" else read_jsonl)(path.read_bytes(), spec)
        assert got == stored, fmt
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary file left


def test_parquet_types_in_pandas(recorded: Recorded, tmp_path: Path, capsysbinary) -> None:
    import pandas as pd
    import pyarrow.parquet as pq

    for table, spec in TABLES.items():
        path = tmp_path / f"{table}.parquet"
        code, _, err = tracker(capsysbinary, "export", table, "--database", recorded.url, "-o", str(path))
        assert code == 0, err
        frame = pd.read_parquet(path)
        assert list(frame.columns) == list(spec.names)
        assert dtypes(frame) == expected_dtypes(spec)
        schema = pq.read_schema(path)
        assert {str(schema.field(c.name).type) for c in spec.columns if c.kind == "timestamp"} <= {
            "timestamp[us, tz=UTC]"
        }
        assert {str(schema.field(c.name).type) for c in spec.columns if c.kind == "integer"} <= {"int64"}
    history = pd.read_parquet(tmp_path / "history.parquet")
    assert history["downloads_delta"].isna().any()
    assert (history["downloads_delta"] < 0).any()
    assert history["taken_at"].min() == pd.Timestamp(instant(recorded.t0))


def dtypes(frame: Any) -> dict[str, str]:
    return {name: str(dtype) for name, dtype in frame.dtypes.items()}


def expected_dtypes(spec: Table) -> dict[str, str]:
    import pandas as pd

    text = str(pd.Series(["x"]).dtype)  # the text dtype of this pandas (`str` in pandas 3, else object)
    kinds = {"timestamp": "datetime64[us, UTC]", "text": text}
    return {c.name: kinds.get(c.kind, "Int64" if c.nullable else "int64") for c in spec.columns}


def test_an_empty_database(database_url: str, tmp_path: Path, capsysbinary) -> None:
    """A header alone in CSV, nothing in JSON Lines, an empty file of the same types in Parquet."""
    import pandas as pd

    open_store(database_url).dispose()
    for table, spec in TABLES.items():
        code, out, _ = tracker(capsysbinary, "export", table, "--database", database_url)
        assert (code, out) == (0, (",".join(spec.names) + "\n").encode())
        code, out, _ = tracker(capsysbinary, "export", table, "--database", database_url, "--format", "jsonl")
        assert (code, out) == (0, b"")
        path = tmp_path / f"{table}.parquet"
        code, _, err = tracker(capsysbinary, "export", table, "--database", database_url, "-o", str(path))
        assert code == 0, err
        frame = pd.read_parquet(path)
        assert len(frame) == 0
        assert dtypes(frame) == expected_dtypes(spec)


@pytest.mark.subprocess
def test_stdout_is_the_default_and_a_closed_pipe_is_quiet(recorded: Recorded) -> None:
    """As a user runs it: `tracker export history | head -2`."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "tracker", "export", "history", "--database", recorded.url],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
    )
    assert proc.stdout is not None
    assert proc.stderr is not None
    header, first = proc.stdout.readline(), proc.stdout.readline()
    proc.stdout.close()  # far more than a pipe's buffer is still to come
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 0, err
    assert err == ""
    assert header.decode().rstrip("\n").split(",") == list(TABLES["history"].names)
    assert first.decode().startswith(f"{recorded.order[0]},{instant(recorded.t0):%Y-%m-%dT%H:%M:%S}.000000Z,")


# --- streaming and atomic files --------------------------------------------------------------------


def test_rows_stream_in_chunks_through_a_server_side_cursor(recorded: Recorded) -> None:
    spec = TABLES["history"]
    total = len(database_rows(recorded, "history"))
    with recorded.engine.connect() as connection:
        chunks = stream_rows(connection, export_query(spec, ExportFilters()), spec, chunk_rows=1000)
        first = next(chunks)
        assert len(first) == 1000
        if connection.dialect.name == "postgresql":
            # The rest is still on the server, in a cursor of this session.
            cursors = connection.execute(text("SELECT statement FROM pg_cursors")).scalars().all()
            assert any("DECLARE" in s and "membership" in s for s in cursors), cursors
        sizes = [len(first), *map(len, chunks)]
    assert sum(sizes) == total
    assert len(sizes) == -(-total // 1000)


def test_a_failed_export_leaves_the_old_file_whole(tmp_path: Path) -> None:
    target = tmp_path / "history.csv"
    target.write_text("the previous export\n")

    def chunks() -> Iterator[list[tuple]]:
        yield [(1, instant(0), "llama", "Llama 3", "a/b", "finetune", 1, 1, 2, None, 0, 0)]
        raise ConnectionError("the database went away")

    with pytest.raises(ConnectionError), atomic_file(target) as f:
        WRITERS["csv"](chunks(), TABLES["history"], f)
    assert target.read_text() == "the previous export\n"
    assert [p.name for p in tmp_path.iterdir()] == ["history.csv"]


def test_a_new_file_gets_the_usual_mode(tmp_path: Path, capsysbinary) -> None:
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    open_store(url).dispose()
    code, _, err = tracker(capsysbinary, "export", "runs", "--database", url, "-o", str(tmp_path / "r.csv"))
    assert code == 0, err
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE((tmp_path / "r.csv").stat().st_mode) == 0o666 & ~umask


# --- bad input: one line, non-zero, nothing written -----------------------------------------------------


def test_bad_input_is_one_line_and_writes_nothing(tmp_path: Path, capsysbinary) -> None:
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    open_store(url).dispose()
    kept = tmp_path / "kept.csv"
    kept.write_text("untouched\n")
    cases = [
        (["export", "nodes"], "Invalid value for 'TABLE'"),
        (["export", "history", "--format", "xlsx"], "Invalid value for '--format'"),
        (["export", "history", "--since", "last week"], "--since"),
        (["export", "history", "--until", "2026-13-01"], "--until"),
        (["export", "history", "--format", "parquet"], "parquet cannot go to stdout"),
        (["export", "history", "-o", str(tmp_path / "missing" / "h.csv")], "does not exist"),
        (["export", "history", "-o", str(tmp_path)], "it is a folder"),
        (["export", "history", "-o", "/proc/tracker-export.csv"], "cannot write /proc/tracker-export.csv"),
        (["export", "edges", "--family", "Llama 3", "-o", str(kept)], "--family does not apply to edges"),
        (["export", "runs", "--family", "Llama 3", "-o", str(kept)], "--family does not apply to runs"),
        (["export", "history", "--since", "2026-12-01", "--until", "2026-11-01", "-o", str(kept)], "later"),
    ]
    for args, needle in cases:
        code, out, err = tracker(capsysbinary, *args, "--database", url)
        lines = err.strip().splitlines()
        assert code != 0, args
        assert len(lines) == 1, err
        assert lines[0].startswith("tracker: "), lines[0]
        assert needle in lines[0], (args, lines[0])
        assert out == b""
    code, _, err = tracker(capsysbinary, "export", "history", "--database", "mysql://x/y", "-o", str(kept))
    assert code == 1
    assert len(err.strip().splitlines()) == 1
    assert "unsupported" in err
    assert kept.read_text() == "untouched\n"
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("tracker.db")) == ["kept.csv"]


# --- the data dictionary ---------------------------------------------------------------------------


def test_columns_are_designs_and_the_queries_agree() -> None:
    for name, spec in TABLES.items():
        assert spec.names == tuple(DESIGN_COLUMNS[name].split())
        query = export_query(spec, ExportFilters())
        assert tuple(c.name for c in query.selected_columns) == spec.names
        assert all(c.meaning for c in spec.columns)


def test_the_committed_dictionary_is_the_generated_one() -> None:
    committed = (ROOT / "docs" / "data-dictionary.md").read_text(encoding="utf-8")
    regenerate = "regenerate: python -m tracker.report.dictionary docs/data-dictionary.md"
    assert committed == render_markdown(), regenerate


def test_the_command_line_offers_every_table_and_writer() -> None:
    command = cli.commands["export"]
    choices = {p.name: list(getattr(p.type, "choices", [])) for p in command.params}
    assert choices["table"] == list(TABLES)
    assert sorted(choices["fmt"]) == sorted(WRITERS)


def test_describe_prints_the_dictionary(capsysbinary) -> None:
    code, out, _ = tracker(capsysbinary, "export", "edges", "--describe")
    assert code == 0
    assert out.decode() == render_table(TABLES["edges"], level=1)
    code, out, _ = tracker(capsysbinary, "export", "--help")
    assert code == 0
    assert ", ".join(TABLES["history"].names) in " ".join(out.decode().split())
