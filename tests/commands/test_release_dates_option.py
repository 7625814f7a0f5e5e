"""`--release-dates` / `TRACKER_RELEASE_DATES`: the commands that compute relative adoption read and check
the file while parsing their options, and `tracker dashboard` and `tracker demo` hand the dashboard's own
process the file they checked, by its absolute path."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tracker.commands.dashboard import dashboard, demo, release_dates_env
from tracker.core.release_dates import RELEASE_DATES_ENV, load_release_dates

ROWS = "model_id,created_on,released_on\nacme/Base-7B,2026-03-01,2026-04-02\n"


@pytest.mark.parametrize("command", [dashboard, demo], ids=["dashboard", "demo"])
@pytest.mark.parametrize("by", ["flag", "env"])
def test_the_option_reads_the_user_file_beside_the_shipped_one(
    command,
    by: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,  # noqa: ANN001 - a click command
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("dates.csv").write_text(ROWS)
    args = ["--database", f"sqlite:///{tmp_path / 'tracker.db'}"]
    if by == "flag":
        args += ["--release-dates", "dates.csv"]
    else:
        monkeypatch.setenv(RELEASE_DATES_ENV, "dates.csv")
    with command.make_context(command.name, args) as ctx:
        dates = ctx.params["release_dates"]
    assert dates.released_on("acme/base-7b") == date(2026, 4, 2)
    assert dates.released_on("google/gemma-4-31B-it") == date(2026, 4, 2)  # the shipped rows too
    assert dates.user_path == "dates.csv"
    # the dashboard's process is told where it is, wherever it starts
    assert release_dates_env(dates) == {RELEASE_DATES_ENV: str((tmp_path / "dates.csv").resolve())}
    assert list(tmp_path.iterdir()) == [tmp_path / "dates.csv"]  # no database made by parsing


def test_without_a_user_file_the_dashboard_reads_the_shipped_one_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(RELEASE_DATES_ENV, raising=False)
    with dashboard.make_context("dashboard", []) as ctx:
        dates = ctx.params["release_dates"]
    assert dates.user_path is None
    assert len(dates) == len(load_release_dates())
    assert release_dates_env(dates) == {}
    assert release_dates_env(None) == {}
