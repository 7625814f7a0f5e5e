"""Bad input to the commands that read: one line naming what is wrong and what to do, a non-zero exit, and
nothing created or written (no database file, no export, no digest, no folder)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from tests.support.commands import tracker as run_process
from tests.support.dashboard_db import build_database
from tracker.cli import main


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Three weekly snapshots of llama and qwen (the ecosystems file ships five): read-only here."""
    return build_database(tmp_path_factory.mktemp("bad-input") / "tracker.db")


def tracker(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """(exit status, stdout, stderr) of `tracker ARGS` through the console script's main(), in process."""
    capsys.readouterr()
    with pytest.raises(SystemExit) as stopped:
        main(list(args))
    out, err = capsys.readouterr()
    return stopped.value.code, out, err


def one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("tracker: "), lines[0]
    assert "Traceback" not in err
    return lines[0]


# --- a database that is not there ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["runs"],
        ["export", "history"],
        ["export", "runs", "-o", "{folder}/runs.csv"],
        ["export", "models", "--ecosystem", "llama", "--format", "jsonl"],
        ["digest"],
        ["digest", "-o", "{folder}/week.html"],
    ],
    ids=" ".join,
)
def test_a_read_command_refuses_a_missing_database_and_creates_nothing(
    args: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "mistyped.db"
    url = f"sqlite:///{path}"
    code, out, err = tracker(capsys, *[a.format(folder=tmp_path) for a in args], "--database", url)
    assert code == 1
    assert out == ""
    assert one_line(err) == (
        f"tracker: no database at {path} (take a first snapshot with: tracker snapshot --database {url}, "
        "or run the demo: tracker demo)"
    )
    assert list(tmp_path.iterdir()) == []  # no database, no -wal or .lock beside it, no output file


def test_the_default_database_is_named_by_its_full_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TRACKER_DATABASE_URL", raising=False)
    code, _, err = tracker(capsys, "runs")
    assert code == 1
    assert one_line(err).startswith(
        f"tracker: no database at {tmp_path / 'tracker.db'} (take a first snapshot with: tracker snapshot "
        "--database sqlite:///tracker.db,"
    )
    assert list(tmp_path.iterdir()) == []


@pytest.mark.subprocess
def test_the_dashboard_refuses_a_missing_database_before_it_starts(tmp_path: Path) -> None:
    path = tmp_path / "absent.db"
    done = run_process("dashboard", "--database", f"sqlite:///{path}", "--port", "1", timeout=60)
    assert done.returncode == 1, done.stdout + done.stderr
    assert one_line(done.stderr).startswith(f"tracker: no database at {path} (take a first snapshot with:")
    assert "dashboard at" not in done.stdout  # Streamlit never started
    assert list(tmp_path.iterdir()) == []


def test_a_write_command_still_creates_its_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`tracker snapshot` makes the first database: it fails here (nothing answers), after creating it."""
    path = tmp_path / "new.db"
    code, _, err = tracker(
        capsys,
        "snapshot",
        "--database",
        f"sqlite:///{path}",
        "--endpoint",
        "http://127.0.0.1:1",
        "--timeout",
        "1",
    )
    assert code == 1, err
    assert path.is_file()
    code, out, _ = tracker(capsys, "runs", "--database", f"sqlite:///{path}")
    assert code == 0
    assert "failed" in out


# --- names the database does not hold ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["history", "--ecosystem", "lama"], "unknown ecosystem 'lama' (known: llama, qwen)"),
        (["runs", "--ecosystem", "lama"], "unknown ecosystem 'lama' (known: llama, qwen)"),
        # in the shipped ecosystems file, but not in this database: the database's names are the known ones
        (["models", "--ecosystem", "mistral"], "unknown ecosystem 'mistral' (known: llama, qwen)"),
    ],
)
def test_an_unknown_ecosystem_is_refused_naming_the_known_ones(
    recorded: str, args: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "out.csv"
    code, out, err = tracker(capsys, "export", *args, "--database", recorded, "-o", str(target))
    assert code == 1
    assert one_line(err) == f"tracker: {message}"
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []


def test_an_unknown_family_is_refused_naming_the_known_ones(
    recorded: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "out.csv"
    code, _, err = tracker(
        capsys, "export", "history", "--family", "Llama 9", "--database", recorded, "-o", str(target)
    )
    assert code == 1
    line = one_line(err)
    assert line.startswith("tracker: unknown family 'Llama 9' (known: ")
    known = line.removeprefix("tracker: unknown family 'Llama 9' (known: ").removesuffix(")").split(", ")
    assert known == sorted(known)
    assert {"Llama 3.1", "Qwen 2.5"} <= set(known)
    assert list(tmp_path.iterdir()) == []
    # Within the kept ecosystems: a Qwen family is not one of Llama's.
    code, _, err = tracker(
        capsys, "export", "models", "--ecosystem", "llama", "--family", "Qwen 2.5", "--database", recorded
    )
    assert code == 1
    line = one_line(err)
    assert line.startswith("tracker: unknown llama family 'Qwen 2.5' (known: ")
    assert "Llama 3.1" in line
    assert "Qwen" not in line.removeprefix("tracker: unknown llama family 'Qwen 2.5'")


def test_known_names_match_in_any_case(recorded: str, capsys: pytest.CaptureFixture[str]) -> None:
    def rows(*filters: str) -> list[dict[str, str]]:
        code, out, err = tracker(capsys, "export", "models", "--database", recorded, *filters)
        assert code == 0, err
        return list(csv.DictReader(io.StringIO(out)))

    exact = rows("--ecosystem", "llama", "--family", "Llama 3.1")
    assert exact
    assert {(r["ecosystem"], r["family"]) for r in exact} == {("llama", "Llama 3.1")}
    assert rows("--ecosystem", "LLAMA", "--family", "llama 3.1") == exact


# --- a digest into a folder that is not there ----------------------------------------------------------


def test_a_digest_into_a_missing_folder_is_refused(
    recorded: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "digests" / "week.md"
    code, out, err = tracker(capsys, "digest", "--database", recorded, "-o", str(target))
    assert code == 1
    assert out == ""
    assert one_line(err) == f"tracker: cannot write {target}: folder {target.parent} does not exist"
    assert list(tmp_path.iterdir()) == []  # the folder was not made


def test_a_digest_says_where_it_wrote(
    recorded: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "week.md"
    code, out, err = tracker(capsys, "-q", "digest", "--database", recorded, "-o", str(target))
    assert code == 0, err
    assert out == ""
    assert err.strip().splitlines() == [f"wrote the digest of run 3 (markdown) to {target}"]
    assert target.read_text().startswith("# ")


# --- a malformed organisations file ---------------------------------------------------------------------

# Each command would fail at once anyway past its options (nothing answers on port 1, no archive folder,
# a crontab that is not one, a database in a folder that is not there): the organisations line comes first.
ORGANISATIONS_COMMANDS = {
    "snapshot": ["snapshot", "--endpoint", "http://127.0.0.1:1", "--timeout", "0.1"],
    "schedule": ["schedule", "--endpoint", "http://127.0.0.1:1", "--cron", "never"],
    "backfill": ["backfill", "--from", "{folder}/no-archive"],
    "demo": ["demo", "--weeks", "1", "--no-dashboard"],
}


@pytest.mark.parametrize("command", list(ORGANISATIONS_COMMANDS))
@pytest.mark.parametrize("by", ["flag", "env"])
def test_a_malformed_organisations_file_is_one_line_naming_its_row(
    command: str, by: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    orgs = tmp_path / "orgs.csv"
    orgs.write_text("namespace,organisation,region\nQwen,Alibaba,china\nmeta-models,Meta,mars\n")
    args = [a.format(folder=tmp_path) for a in ORGANISATIONS_COMMANDS[command]]
    url = f"sqlite:///{tmp_path / 'none' / 'tracker.db'}"
    if by == "flag":
        args += ["--organisations", str(orgs)]
    else:
        monkeypatch.setenv("TRACKER_ORGANISATIONS", str(orgs))
    code, out, err = tracker(capsys, *args, "--database", url)
    assert code == 1
    assert out == ""
    assert one_line(err) == (
        f"tracker: organisations file {orgs}: line 3: region 'mars' is not one of us, china, eu, other, "
        "unknown"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["orgs.csv"]  # nothing made


def test_a_missing_organisations_file_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "orgs.csv"
    code, _, err = tracker(
        capsys, "snapshot", "--organisations", str(missing), "--endpoint", "http://127.0.0.1:1"
    )
    assert code == 1
    assert one_line(err) == f"tracker: organisations file {missing}: file not found"
    assert list(tmp_path.iterdir()) == []


# --- a malformed events file ----------------------------------------------------------------------------

EVENTS_COMMANDS = {
    "digest": ["digest", "-o", "{folder}/week.md"],
    "dashboard": ["dashboard", "--port", "1"],
    "demo": ["demo", "--weeks", "1", "--no-dashboard"],
}


@pytest.mark.parametrize("command", list(EVENTS_COMMANDS))
@pytest.mark.parametrize("by", ["flag", "env"])
def test_a_malformed_events_file_is_one_line_naming_its_row(
    command: str, by: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    events = tmp_path / "events.csv"
    events.write_text("date,kind,what,source\n2025-05-01,release,v1,blog\n2025-31-05,release,v2,blog\n")
    args = [a.format(folder=tmp_path) for a in EVENTS_COMMANDS[command]]
    url = f"sqlite:///{tmp_path / 'none' / 'tracker.db'}"
    if by == "flag":
        args += ["--events", str(events)]
    else:
        monkeypatch.setenv("TRACKER_EVENTS", str(events))
    code, out, err = tracker(capsys, *args, "--database", url)
    assert code == 1
    assert out == ""
    assert one_line(err) == (
        f"tracker: events file {events}: line 3: date '2025-31-05' is not a date (YYYY-MM-DD)"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["events.csv"]  # nothing made


def test_a_digest_with_a_missing_events_file_writes_nothing(
    recorded: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "events.csv"
    code, _, err = tracker(
        capsys, "digest", "--database", recorded, "--events", str(missing), "-o", str(tmp_path / "w.md")
    )
    assert code == 1
    assert one_line(err) == f"tracker: events file {missing}: file not found"
    assert list(tmp_path.iterdir()) == []


# --- a malformed release-dates file ---------------------------------------------------------------------

# The commands that compute relative adoption (the dashboard's process, and the demo's dashboard): the
# release-dates line comes before the missing database and before the demo's first week.
RELEASE_DATES_COMMANDS = {
    "dashboard": ["dashboard", "--port", "1"],
    "demo": ["demo", "--weeks", "1", "--no-dashboard"],
}


@pytest.mark.parametrize("command", list(RELEASE_DATES_COMMANDS))
@pytest.mark.parametrize("by", ["flag", "env"])
def test_a_malformed_release_dates_file_is_one_line_naming_its_row(
    command: str, by: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    dates = tmp_path / "dates.csv"
    dates.write_text(
        "model_id,created_on,released_on\nacme/Base-7B,2026-03-01,2026-04-02\nacme/x,,2026-04-31\n"
    )
    args = list(RELEASE_DATES_COMMANDS[command])
    url = f"sqlite:///{tmp_path / 'none' / 'tracker.db'}"
    if by == "flag":
        args += ["--release-dates", str(dates)]
    else:
        monkeypatch.setenv("TRACKER_RELEASE_DATES", str(dates))
    code, out, err = tracker(capsys, *args, "--database", url)
    assert code == 1
    assert out == ""
    assert one_line(err) == (
        f"tracker: release-dates file {dates}: line 3: released_on '2026-04-31' is not a date (YYYY-MM-DD)"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dates.csv"]  # nothing made


def test_a_missing_release_dates_file_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "dates.csv"
    url = f"sqlite:///{tmp_path / 'none' / 'tracker.db'}"
    code, _, err = tracker(capsys, "dashboard", "--release-dates", str(missing), "--database", url)
    assert code == 1
    assert one_line(err) == f"tracker: release-dates file {missing}: file not found"
    assert list(tmp_path.iterdir()) == []
