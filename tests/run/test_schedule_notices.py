"""What `tracker schedule` tells people, end to end on the emulator: a local webhook on 127.0.0.1 stands for
Slack (Apprise's json:// URL pointed at it, a token in its path and a password). A scheduled run sends
exactly one summary with the figures the dashboard shows for that run; a failed run one alert with its
error; a rule that should fire fires once and one that should not stays silent; a webhook answering 500
leaves the run complete and the failure logged with the URL masked; the URLs are never stored."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import markdown
import pytest
from sqlalchemy import text
from sqlmodel import Session
from streamlit.testing.v1 import AppTest

from tests.support.markup import assert_inert
from tests.support.paths import APP
from tests.support.ports import free_port
from tests.support.receiver import PASSWORD, TOKEN, Receiver
from tests.support.scheduling import LLAMA, llama_settings, run_until_idle, weekly_at
from tracker.cli import main
from tracker.collect.hub import HubClient
from tracker.core.crontab import parse_schedule
from tracker.emulator.builders.synthetic import build_synthetic
from tracker.emulator.catalogue import Catalogue
from tracker.emulator.routes.server import HubEmulator
from tracker.report.markdown_table import text as markdown_text
from tracker.report.notify import Notifier, parse_targets
from tracker.run.notices import Notices
from tracker.run.scheduled_job import JOBS_TABLE, SnapshotSettings
from tracker.run.scheduler import SnapshotScheduler
from tracker.run.snapshot import take_snapshot
from tracker.storage.database import open_store, snapshot_lock
from tracker.storage.loads import load_runs

WEEK = 7 * 86_400


@pytest.fixture(scope="module")
def small() -> Catalogue:
    return build_synthetic(seed=3, models=1500)


@pytest.fixture
def emulator(small: Catalogue):  # noqa: ANN201 - a started HubEmulator
    emu = HubEmulator(small)
    emu.start()
    yield emu
    emu.stop()


@pytest.fixture
def receiver():  # noqa: ANN201 - a started Receiver
    with Receiver() as rec:
        yield rec


def a_week_ago_and_now(engine, emu: HubEmulator) -> None:  # noqa: ANN001
    """A first run a week before the emulator's clock, as last Monday's would be: the scheduled run then
    has a previous one to compare with."""
    emu.set_now(emu.now - WEEK)
    with HubClient(emu.url) as client:
        take_snapshot(engine, client, LLAMA, strategy="tree", taken_at=datetime.fromtimestamp(emu.now, UTC))
    emu.set_now(emu.now + WEEK)


def later_weekly_schedule():  # noqa: ANN201 - a Schedule that will not fire during the test
    return parse_schedule(weekly_at(datetime.now(UTC) + timedelta(days=3)))


def notices(engine, receiver: Receiver, **options) -> Notices:  # noqa: ANN001
    targets = parse_targets([receiver.url()])
    notifier = Notifier(targets, attempts=3, backoff=0.01, timeout=5)
    return Notices(engine, targets=targets, notifier=notifier, **options)


def run_now(engine, emu: HubEmulator, told: Notices, settings: SnapshotSettings | None = None) -> list[str]:  # noqa: ANN001
    runner = SnapshotScheduler(
        engine, later_weekly_schedule(), settings or llama_settings(emu), run_now=True, notices=told
    )
    return run_until_idle(runner)


def overview_metrics(url: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, tuple[str, str]]:
    """What the dashboard's Overview shows: each headline figure's value and change."""
    monkeypatch.setenv("TRACKER_DATABASE_URL", url)
    app = AppTest.from_file(APP, default_timeout=60)
    app.run()
    assert not app.exception
    return {m.label: (m.value, m.proto.delta) for m in app.metric}


@pytest.mark.slow
def test_a_scheduled_run_sends_one_summary_with_the_dashboards_figures(
    tmp_path: Path, emulator: HubEmulator, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'told.db'}"
    engine = open_store(url)
    try:
        a_week_ago_and_now(engine, emulator)
        told = notices(engine, receiver, dashboard_url="https://tracker.example.org/")
        assert run_now(engine, emulator, told) == ["complete"]
    finally:
        engine.dispose()
    (sent,) = receiver.messages()  # run() drained the notifier before returning
    assert sent["title"].startswith("Open-model adoption: run 2 of ")
    assert sent["type"] == "info"
    shown = overview_metrics(url, monkeypatch)
    # the dashboard's label says what the figure leaves out; the summary's label is the digest's
    on_page = {"Weekly downloads": "Weekly downloads, derivatives only"}
    for label in ("Derivatives", "New this week", "Weekly downloads", "Fastest-growing family"):
        value, change = shown[on_page.get(label, label)]
        line = f"- **{label}**: {value}" + (f" ({change})" if change else "")
        assert line in sent["message"].splitlines(), label
    assert "Dashboard: https://tracker.example.org/" in sent["message"]


def test_a_failed_run_sends_one_alert_with_its_error(tmp_path: Path, receiver: Receiver) -> None:
    engine = open_store(f"sqlite:///{tmp_path / 'failed.db'}")
    settings = SnapshotSettings(
        endpoint=f"http://127.0.0.1:{free_port()}", ecosystems=("llama",), retry_budget=1
    )
    try:
        told = notices(engine, receiver)
        runner = SnapshotScheduler(engine, later_weekly_schedule(), settings, run_now=True, notices=told)
        assert run_until_idle(runner) == ["failed"]
        with Session(engine) as session:
            (run,) = load_runs(session)
    finally:
        engine.dispose()
    (sent,) = receiver.messages()
    assert run.status == "failed"
    assert run.error
    assert sent["type"] == "failure"
    assert sent["title"] == f"Snapshot failed: run {run.id}"
    assert markdown_text(run.error) in sent["message"]  # as data: the error may quote a server


def test_a_failed_runs_error_is_sent_as_data(tmp_path: Path, receiver: Receiver) -> None:
    """An error quotes what a server answered: the alert's Markdown shows it, as written, with no live
    link or tag (Apprise turns Markdown into HTML for e-mail and passes raw HTML through)."""
    engine = open_store(f"sqlite:///{tmp_path / 'failed.db'}")
    try:
        told = notices(engine, receiver)
        told.run_failed(None, 'HTTP 502: <img src=x onerror="alert(1)"> [sign in](https://evil.example/)', 7)
        told.close()
    finally:
        engine.dispose()
    (sent,) = receiver.messages()
    assert "<img" not in sent["message"]
    assert "&lt;img src=x" in sent["message"]
    shown = assert_inert(markdown.markdown(sent["message"]))  # as an e-mail shows it: no link, no tag
    assert "[sign in](https://evil.example/)" in shown.text


def test_a_skipped_run_sends_one_alert(tmp_path: Path, emulator: HubEmulator, receiver: Receiver) -> None:
    engine = open_store(f"sqlite:///{tmp_path / 'busy.db'}")
    try:
        told = notices(engine, receiver)
        with snapshot_lock(engine):  # a manual snapshot is running
            assert run_now(engine, emulator, told) == ["busy"]
    finally:
        engine.dispose()
    (sent,) = receiver.messages()
    assert sent["title"] == "Snapshot skipped"
    assert sent["type"] == "warning"
    assert "another snapshot is running on this database" in sent["message"]


@pytest.mark.slow
def test_a_rule_that_should_fire_fires_once_and_one_that_should_not_stays_silent(
    tmp_path: Path, emulator: HubEmulator, receiver: Receiver
) -> None:
    from tracker.report.alert_file import load_rules

    rules_file = tmp_path / "alerts.toml"
    rules_file.write_text(
        '[[alert]]\nname = "Llama grew"\nfigure = "derivatives"\necosystem = "llama"\ncompare = "previous"\n'
        'above = "-100%"\n\n'
        '[[alert]]\nname = "Llama vanished"\nfigure = "derivatives"\necosystem = "llama"\nbelow = 1\n'
    )
    digests = tmp_path / "digests"
    engine = open_store(f"sqlite:///{tmp_path / 'rules.db'}")
    try:
        a_week_ago_and_now(engine, emulator)
        told = notices(engine, receiver, rules=load_rules(rules_file), digest_dir=digests)
        assert run_now(engine, emulator, told) == ["complete"]
    finally:
        engine.dispose()
    summary, alert = receiver.messages()
    assert summary["type"] == "info"
    assert "1 alert rule fired (each sent on its own)" in summary["message"]
    assert alert["title"] == "Alert: Llama grew"
    assert alert["type"] == "warning"
    assert "Llama vanished" not in alert["message"] + summary["message"]
    files = sorted(p.name for p in digests.iterdir())
    assert len(files) == 3
    assert files[0].endswith("-run-2.html")
    markdown = next(digests.glob("*.md")).read_text()
    alerts = markdown.split("## Alerts", 1)[1].split("##", 1)[0]
    assert alerts.count("Llama grew") == 1
    assert "Llama vanished" not in alerts
    assert "Did not fire: 1 of the 2 rules." in alerts


def test_a_webhook_answering_500_leaves_the_run_complete_and_the_failure_logged_masked(
    tmp_path: Path,
    emulator: HubEmulator,
    receiver: Receiver,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    caplog.set_level(logging.DEBUG, logger="tracker")
    caplog.set_level(logging.DEBUG, logger="apprise")
    monkeypatch.setattr(logging.getLogger("apprise"), "propagate", True)  # as with -vv
    receiver.codes = [500] * 10
    engine = open_store(f"sqlite:///{tmp_path / 'five-hundred.db'}")
    try:
        told = notices(engine, receiver)
        assert run_now(engine, emulator, told) == ["complete"]
        with Session(engine) as session:
            (run,) = load_runs(session)
    finally:
        engine.dispose()
    assert run.status == "complete"
    assert len(receiver.requests) == 3  # tried three times, with backoff, then given up
    (target,) = told.notifier.deliveries
    assert not target.ok
    assert target.attempts == 3
    failure = [r.getMessage() for r in caplog.records if "failed after 3 attempts" in r.getMessage()]
    assert len(failure) == 1
    assert "JSON" in failure[0]
    assert "500" in failure[0]
    assert target.target.masked in failure[0]
    assert TOKEN not in caplog.text
    assert PASSWORD not in caplog.text


def test_overdue_snapshots_send_one_alert(tmp_path: Path, emulator: HubEmulator, receiver: Receiver) -> None:
    engine = open_store(f"sqlite:///{tmp_path / 'overdue.db'}")
    try:
        with HubClient(emulator.url) as client:
            take_snapshot(
                engine, client, LLAMA, strategy="tree", taken_at=datetime.now(UTC) - timedelta(days=9)
            )
        told = notices(engine, receiver)
        told.set_period(timedelta(days=7))
        told.check_overdue()
        told.check_overdue()  # the same last run: no second alert
        told.close()
    finally:
        engine.dispose()
    (sent,) = receiver.messages()
    assert sent["title"] == "Snapshots overdue"
    assert "is 9 days old" in sent["message"]


# --- the command, in a subprocess ---------------------------------------------------------------------------


@pytest.mark.subprocess
def test_tracker_schedule_notifies_writes_digests_and_stores_no_url(
    tmp_path: Path, emulator: HubEmulator, receiver: Receiver
) -> None:
    database = f"sqlite:///{tmp_path / 'cli.db'}"
    digests = tmp_path / "digests"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tracker",
            "schedule",
            "--cron",
            weekly_at(datetime.now(UTC) + timedelta(days=3)),
            "--run-now",
            "--database",
            database,
            "--endpoint",
            emulator.url,
            "--ecosystem",
            "llama",
            "--digest-dir",
            str(digests),
            "--dashboard-url",
            "http://127.0.0.1:8501",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "TRACKER_NOTIFY": receiver.url()},
    )
    deadline = time.monotonic() + 90
    while not receiver.messages() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.1)
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 0, stderr
    (sent,) = receiver.messages()
    assert sent["title"].startswith("Open-model adoption: run 1 of ")
    assert "first complete run" in sent["message"]
    assert len(list(digests.glob("*-run-1.*"))) == 3
    assert "notifying 1: JSON (json://" in stderr
    assert TOKEN not in stderr
    assert PASSWORD not in stderr
    engine = open_store(database)
    try:
        with engine.connect() as connection:
            stored = b"".join(
                bytes(row[0]) for row in connection.execute(text(f"SELECT job_state FROM {JOBS_TABLE}"))
            )
    finally:
        engine.dispose()
    assert stored
    assert TOKEN.encode() not in stored
    assert b"json://" not in stored


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--notify", f"bogus://user:{PASSWORD}@host/{TOKEN}"], "not a notification URL"),
        (["--alerts", "ALERTS"], "unknown figure"),
        (["--digest-dir", "FILE"], "cannot use --digest-dir"),
    ],
)
def test_a_bad_notification_setting_is_one_line_before_any_crawl(
    tmp_path: Path, args: list[str], needle: str, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "alerts.toml").write_text('[[alert]]\nfigure = "downloads_per_hour"\nabove = 1\n')
    (tmp_path / "file").write_text("")
    args = [{"ALERTS": str(tmp_path / "alerts.toml"), "FILE": str(tmp_path / "file")}.get(a, a) for a in args]
    database = tmp_path / "nothing.db"
    with pytest.raises(SystemExit) as exit_info:
        main(["schedule", "--database", f"sqlite:///{database}", "--endpoint", "http://127.0.0.1:9", *args])
    err = capsys.readouterr().err
    assert exit_info.value.code == 1
    assert needle in err
    assert len(err.strip().splitlines()) == 1
    assert TOKEN not in err
    assert PASSWORD not in err
    assert not database.exists()  # checked before the database is opened: nothing stored


def test_tracker_notify_test_says_whether_a_url_works(receiver: Receiver, capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["notify", "--test", receiver.url()])
    out, _ = capsys.readouterr()
    assert exit_info.value.code == 0
    assert out.startswith("delivered to JSON (json://")
    assert TOKEN not in out
    (sent,) = receiver.messages()
    assert sent["title"] == "Open-model adoption tracker: test"
    receiver.codes = [500]
    with pytest.raises(SystemExit) as exit_info:
        main(["notify", "--test", receiver.url()])
    _, err = capsys.readouterr()
    assert exit_info.value.code == 1
    assert err.startswith("tracker: not delivered to JSON (json://")
    assert "500" in err
    assert TOKEN not in err
    assert PASSWORD not in err
    assert len(receiver.messages()) == 2  # a check is one try: no retries


def test_a_schedule_s_digests_name_the_user_s_events_read_again_each_run(
    tmp_path: Path, emulator: HubEmulator
) -> None:
    """`tracker schedule --events PATH`: each digest reads the file again; a file broken since the start
    leaves the shipped events, logged, and the digest is still made."""
    url = f"sqlite:///{tmp_path / 'told.db'}"
    engine = open_store(url)
    events = tmp_path / "events.csv"
    try:
        a_week_ago_and_now(engine, emulator)
        day = datetime.fromtimestamp(emulator.now, UTC).date() - timedelta(days=2)
        events.write_text(f"date,kind,what,source\n{day},release,our own launch,our blog\n")
        folder = tmp_path / "digests"
        told = Notices(engine, digest_dir=folder, events_path=str(events))
        assert run_now(engine, emulator, told) == ["complete"]
        (written,) = folder.glob("*.json")
        assert [e["what"] for e in json.loads(written.read_text())["hub_events"]] == ["our own launch"]
        events.write_text("date,kind,what,source\nnot a date,release,x,y\n")
        assert told._events() is None  # the shipped ones alone
    finally:
        engine.dispose()
