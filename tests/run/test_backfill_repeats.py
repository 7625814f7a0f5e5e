"""Weeks of the archive that repeat an earlier week (DESIGN.md, "History before the first snapshot"): the
emulated archive grows them as the real one has them (the same file; the same rows in another order, another
compression and other row groups), over real HTTP, on SQLite and the real PostgreSQL.

A repeated week is not imported, the output names it and the week it repeats, the next week of new data
counts its deltas from the last real week, a rerun adds nothing and names nothing again, and `tracker runs`
and the dashboard say where the archive's new data ends.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select
from streamlit.testing.v1 import AppTest

from tests.run.test_backfill import ECOSYSTEMS, archive_runs, archive_truth, assert_run_is_truth
from tests.support.commands import tracker
from tests.support.paths import APP
from tracker.collect.archive import HubArchive, LocalArchive
from tracker.collect.hub import HubClient
from tracker.emulator.archive.repository import REWRITTEN, SAME_FILE, Archive
from tracker.emulator.archive.schema import label_time
from tracker.emulator.catalogue import Catalogue
from tracker.emulator.routes.server import HubEmulator
from tracker.emulator.truth import ground_truth
from tracker.read.archive_end import load_archive_end
from tracker.report.charts import GAP_STROKE
from tracker.run.backfill import run_backfill
from tracker.run.snapshot import take_snapshot
from tracker.storage.database import open_store
from tracker.storage.tables.archive import ArchiveWeek
from tracker.storage.tables.runs import RunMembership

# Five weeks of the full schema: two of new data, two repeating the second, one of new data; then two
# more repeating that one at the archive's end.
WEEKS = [date(2026, 9, 16) + timedelta(days=7 * k) for k in range(7)]
REPEATS = {
    WEEKS[2]: (WEEKS[1], SAME_FILE),
    WEEKS[3]: (WEEKS[1], REWRITTEN),
    WEEKS[5]: (WEEKS[4], REWRITTEN),
    WEEKS[6]: (WEEKS[4], SAME_FILE),
}
NEW = [WEEKS[0], WEEKS[1], WEEKS[4]]


@pytest.fixture
def repeating(small: Catalogue, tmp_path: Path):  # noqa: ANN201 - (HubEmulator, Archive)
    with Archive(small, WEEKS, cache_dir=tmp_path / "cache", repeats=REPEATS) as archive:
        with HubEmulator(small, archive=archive) as emu:
            yield emu, archive


def deltas(engine: Engine, run_id: int) -> dict[tuple[str, str], int | None]:
    with Session(engine) as session:
        rows = session.exec(select(RunMembership).where(RunMembership.run_id == run_id))
        return {(m.ecosystem, m.model_id): m.downloads_delta for m in rows}


def all_time(cat: Catalogue, day: date) -> dict[tuple[str, str], int | None]:
    return {(m.ecosystem, m.model_id): m.downloads_all_time for m in archive_truth(cat, day).models}


def test_the_emulated_repeats_are_what_the_real_archive_has(repeating, small: Catalogue) -> None:
    """A `SAME_FILE` repeat has the bytes of its week; a `REWRITTEN` one its rows, not its bytes."""
    _, archive = repeating
    same, rewritten, source = archive.weekly(WEEKS[2]), archive.weekly(WEEKS[3]), archive.weekly(WEEKS[1])
    assert same.sha256 == source.sha256
    assert rewritten.sha256 != source.sha256
    assert archive.data_label(WEEKS[3]) == WEEKS[1]
    assert archive.data_label(WEEKS[4]) == WEEKS[4]
    ours, theirs = pq.read_table(rewritten.local), pq.read_table(source.local)
    assert ours.column("_id").to_pylist() != theirs.column("_id").to_pylist()  # another order
    assert ours.sort_by("_id").equals(theirs.sort_by("_id"))  # the same rows
    meta, their_meta = pq.ParquetFile(rewritten.local).metadata, pq.ParquetFile(source.local).metadata
    assert meta.row_group(0).column(0).compression != their_meta.row_group(0).column(0).compression
    assert meta.num_row_groups != their_meta.num_row_groups
    with pytest.raises(ValueError, match="is not known"):
        Archive(small, WEEKS, repeats={WEEKS[3]: (WEEKS[2], SAME_FILE), WEEKS[2]: (WEEKS[1], SAME_FILE)})


@pytest.mark.slow
def test_repeated_weeks_are_not_imported_and_deltas_run_from_the_last_real_week(
    engine: Engine, repeating, small: Catalogue
) -> None:
    emu, _ = repeating
    result = run_backfill(engine, HubArchive(emu.url), ECOSYSTEMS)
    got = [(f.day, f.status, f.reason) for f in result.files]
    assert got == [
        (WEEKS[0], "imported", ""),
        (WEEKS[1], "imported", ""),
        (WEEKS[2], "repeat", f"repeats {WEEKS[1]} (the same file)"),
        (WEEKS[3], "repeat", f"repeats {WEEKS[1]} (the same rows written again)"),
        (WEEKS[4], "imported", ""),
        (WEEKS[5], "repeat", f"repeats {WEEKS[4]} (the same rows written again)"),
        (WEEKS[6], "repeat", f"repeats {WEEKS[4]} (the same file)"),
    ]
    runs = archive_runs(engine)
    assert sorted(runs) == NEW
    for day in NEW:
        assert_run_is_truth(engine, runs[day][0].id, archive_truth(small, day))
    # The next week of new data counts its downloads from the last real week, exactly.
    before, after = all_time(small, WEEKS[1]), all_time(small, WEEKS[4])
    got_deltas = deltas(engine, runs[WEEKS[4]][0].id)
    assert got_deltas == {k: (v - before[k] if k in before else None) for k, v in after.items()}
    assert any(got_deltas.values())
    # Only the latest two runs have the explorer's index, though the range's last files were repeats.
    with engine.connect() as connection:
        indexed = set(connection.exec_driver_sql("SELECT DISTINCT run_id FROM lineage_node").scalars())
    assert indexed == {runs[WEEKS[1]][0].id, runs[WEEKS[4]][0].id}
    # A second backfill adds nothing and names nothing again.
    again = run_backfill(engine, HubArchive(emu.url), ECOSYSTEMS)
    assert [(f.status, f.quiet) for f in again.files if f.day in REPEATS] == [("repeat", True)] * 4
    assert [f.status for f in again.files if f.day in NEW] == ["skipped"] * 3
    assert sorted(archive_runs(engine)) == NEW
    with Session(engine) as session:
        weeks = {w.day: w for w in session.exec(select(ArchiveWeek))}
    assert {d: w.repeats for d, w in weeks.items()} == {d: REPEATS.get(d, (None,))[0] for d in WEEKS}
    assert weeks[WEEKS[2]].content_hash == weeks[WEEKS[1]].content_hash
    assert weeks[WEEKS[3]].content_hash != weeks[WEEKS[1]].content_hash
    assert weeks[WEEKS[3]].digest == weeks[WEEKS[1]].digest
    assert len({weeks[d].digest for d in NEW}) == 3


@pytest.mark.slow
def test_a_live_snapshot_after_the_archive_s_real_end_counts_from_it(
    engine: Engine, repeating, small: Catalogue, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The archive ends with repeats: its real end is the last week of new data; the first live snapshot's
    deltas run from it, and `load_archive_end` names the repeats and the gap."""
    emu, _ = repeating
    run_backfill(engine, HubArchive(emu.url), ECOSYSTEMS)
    live_at = label_time(WEEKS[6]) + 9 * 86_400
    emu.set_now(live_at)
    with HubClient(emu.url) as client:
        live = take_snapshot(
            engine, client, ECOSYSTEMS, strategy="scan", taken_at=datetime.fromtimestamp(live_at, UTC)
        )
    before = all_time(small, WEEKS[4])
    after = {
        (m.ecosystem, m.model_id): m.downloads_all_time
        for m in ground_truth(small, ECOSYSTEMS, live_at).models
    }
    assert deltas(engine, live.run_id) == {
        k: (v - before[k] if k in before else None) for k, v in after.items()
    }
    end = load_archive_end(engine)
    assert end.last_new == WEEKS[4]
    assert end.trailing == (WEEKS[5], WEEKS[6])
    assert end.gap_days == 23
    lines = end.lines()
    assert lines[0] == (
        f"archive weeks not imported, repeating an earlier week: {WEEKS[2]} (repeats {WEEKS[1]}), "
        f"{WEEKS[3]} (repeats {WEEKS[1]}) "
        "(their deltas are carried by the next week of new data)"
    )
    assert lines[1] == (
        f"the weekly archive's new data ends on {WEEKS[4]}; its later files repeat it and were not "
        f"imported: {WEEKS[5]}, {WEEKS[6]}"
    )
    live_day = datetime.fromtimestamp(live_at, UTC).date()
    assert lines[2].startswith(f"live snapshots begin on {live_day}, 3.3 weeks after it")
    # The dashboard says it too: the caption names the archive's real end, the charts outline the gap.
    monkeypatch.setenv("TRACKER_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    app = AppTest.from_file(APP, default_timeout=60)
    app.run()
    assert not app.exception
    (note,) = {c.value for c in app.caption if "weekly archive" in c.value}
    assert "**The archive's new data ends on 14 Oct 2026**" in note
    assert "later 2 files (21 Oct 2026, 28 Oct 2026) repeat that week" in note
    assert f"Live snapshots begin on {live_day:%d %b %Y}, 3.3 weeks later" in note
    specs = [chart.proto.spec for chart in app.get("vega_lite_chart")]
    assert any(f'"{GAP_STROKE}"' in spec for spec in specs)  # the outlined gap (its text is in the data)


def test_a_local_folder_s_repeats_are_found_by_their_bytes_and_rows(repeating, tmp_path: Path) -> None:
    """A local copy of the archive: the content hash is computed, the digest read the same way."""
    from huggingface_hub import snapshot_download

    emu, _ = repeating
    folder = tmp_path / "copy"
    snapshot_download(
        "hfmlsoc/hub_weekly_snapshots",
        repo_type="dataset",
        endpoint=emu.url,
        token=False,
        local_dir=folder,
        allow_patterns=[f"models/{d}/*" for d in WEEKS[:4]],
    )
    engine = open_store(f"sqlite:///{tmp_path / 't.db'}")
    try:
        result = run_backfill(engine, LocalArchive(folder), ECOSYSTEMS)
    finally:
        engine.dispose()
    assert [(f.status, f.repeats) for f in result.files] == [
        ("imported", None),
        ("imported", None),
        ("repeat", WEEKS[1]),
        ("repeat", WEEKS[1]),
    ]


@pytest.mark.subprocess
def test_the_command_names_the_repeats_and_the_archive_s_end(repeating, tmp_path: Path) -> None:
    emu, _ = repeating
    url = f"sqlite:///{tmp_path / 't.db'}"
    first = tracker("backfill", "--database", url, "--endpoint", emu.url, "--since", str(WEEKS[1]))
    assert first.returncode == 0, first.stderr
    assert (
        f"{WEEKS[2]}: not imported: repeats {WEEKS[1]} (the same file), no new data that week" in first.stdout
    )
    assert "backfill: 2 imported, 4 repeats of an earlier week, 0 skipped, 0 failed" in first.stdout
    # the whole range's progress, file by file, with what is left while some is
    assert "backfill: file 1 of 6, " in first.stderr
    assert " left (done about " in first.stderr
    assert "backfill: file 6 of 6, " in first.stderr
    assert f"backfill: the weekly archive's new data ends on {WEEKS[4]}" in first.stdout
    again = tracker("backfill", "--database", url, "--endpoint", emu.url, "--since", str(WEEKS[1]))
    assert again.returncode == 0, again.stderr
    assert ": not imported:" not in again.stdout
    assert "backfill: 0 imported, 6 skipped, 0 failed" in again.stdout
    runs = tracker("runs", "--database", url)
    assert f"the weekly archive's new data ends on {WEEKS[4]}; its later files repeat it" in runs.stdout
