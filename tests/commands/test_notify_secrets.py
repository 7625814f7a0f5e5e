"""Notification URLs need not be typed on the command line (issue 27, item 8), where they land in the
shell's history and in /proc for every user to read: `tracker notify --test` and `tracker digest --notify`,
given no URL, send to the URLs of `TRACKER_NOTIFY`, the variable `tracker schedule` reads (from the
service's environment file). A digest made by hand still never posts because the variable is set."""

from __future__ import annotations

import pytest

from tests.support.dashboard_db import build_database
from tests.support.receiver import PASSWORD, TOKEN, Receiver
from tracker.cli import main


@pytest.fixture
def receiver():  # noqa: ANN201 - a started Receiver
    with Receiver() as rec:
        yield rec


@pytest.fixture(scope="module")
def weeks(tmp_path_factory: pytest.TempPathFactory) -> str:
    return build_database(tmp_path_factory.mktemp("notify") / "weeks.db", weeks=2)


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    out, err = capsys.readouterr()
    return exit_info.value.code, out, err


def test_notify_test_without_a_url_checks_tracker_notify(
    receiver: Receiver, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TRACKER_NOTIFY", receiver.url())
    code, out, err = run(["notify", "--test"], capsys)
    assert code == 0, err
    assert out.startswith("delivered to JSON (json://")
    assert TOKEN not in out + err
    assert PASSWORD not in out + err
    assert [m["title"] for m in receiver.messages()] == ["Open-model adoption tracker: test"]


def test_digest_notify_without_a_url_sends_to_tracker_notify(
    receiver: Receiver, weeks: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TRACKER_NOTIFY", receiver.url())
    code, _, err = run(["digest", "--database", weeks, "--format", "json"], capsys)
    assert code == 0, err
    assert not receiver.messages()  # the variable alone sends nothing: a digest by hand stays quiet
    code, out, err = run(["digest", "--database", weeks, "--notify", "--format", "json"], capsys)
    assert code == 0, err
    assert out.startswith("{")
    assert len(receiver.messages()) == 1  # the summary
    assert TOKEN not in out + err


@pytest.mark.parametrize("command", [["notify", "--test"], ["digest", "--notify"]])
def test_without_a_url_and_without_tracker_notify_one_line(
    command: list[str], tmp_path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:  # noqa: ANN001
    monkeypatch.delenv("TRACKER_NOTIFY", raising=False)
    args = (
        [*command, "--database", f"sqlite:///{tmp_path / 'none.db'}"] if command[0] == "digest" else command
    )
    code, _, err = run(args, capsys)
    assert code == 1
    (line,) = err.strip().splitlines()
    assert "TRACKER_NOTIFY" in line
    assert command[1] in line
