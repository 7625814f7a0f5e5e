"""How `tracker dashboard` runs Streamlit: every option one Streamlit knows; readers get no file watcher
and no full garbage collection after each run (both only delayed every page), developers keep the
watcher."""

from __future__ import annotations

import pytest
from streamlit import config

from tracker.commands.dashboard import streamlit_options


def _options(*, developer: bool) -> dict[str, str]:
    given = streamlit_options(developer=developer)
    return dict(zip(given[::2], given[1::2], strict=True))


@pytest.mark.parametrize("developer", [False, True])
def test_every_option_is_one_streamlit_knows(developer: bool) -> None:
    for name in _options(developer=developer):
        config.get_option(name.removeprefix("--"))  # an unknown name raises


def test_readers_get_no_file_watcher_and_no_collection_after_each_run() -> None:
    options = _options(developer=False)
    assert options["--server.fileWatcherType"] == "none"
    assert options["--runner.postScriptGC"] == "false"
    assert options["--client.toolbarMode"] == "viewer"
    assert options["--server.headless"] == "true"


def test_developers_keep_the_file_watcher() -> None:
    options = _options(developer=True)
    assert "--server.fileWatcherType" not in options  # Streamlit's own: it offers to rerun on save
    assert options["--client.toolbarMode"] == "developer"
