"""The live line of a long step: rewritten on a terminal, logged every interval elsewhere."""

from __future__ import annotations

import io
import logging
import time

import pytest

from tracker.collect.progress import LiveLine


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def until(condition, seconds: float = 10) -> None:  # noqa: ANN001 - a callable
    """Wait until `condition()` (a loaded machine may refresh late)."""
    end = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.05)


def test_on_a_terminal_the_line_is_rewritten_and_wiped_for_other_lines() -> None:
    stream = Terminal()
    texts = iter(["step one", "step two", "step three", "step four"])
    with LiveLine(lambda: next(texts, "done"), stream=stream) as line:
        until(lambda: "step one" in stream.getvalue())  # one refresh a second
        with line.held():
            stream.write("week 1\n")
        until(lambda: "step two" in stream.getvalue())
    written = stream.getvalue()
    assert written.startswith("\r\033[Kstep one")
    assert "step one\r\033[Kweek 1\n" in written  # wiped before the other line
    assert "week 1\n\r\033[Kstep two" in written  # and written again after it
    assert written.endswith("\r\033[K")  # wiped at the end


def test_elsewhere_the_line_is_logged_every_interval(caplog: pytest.LogCaptureFixture) -> None:
    stream = io.StringIO()
    caplog.set_level(logging.INFO, logger="tracker.progress")

    def lines() -> list[str]:
        return [r.getMessage() for r in caplog.records if r.name == "tracker.progress"]

    with (
        LiveLine(lambda: "importing week 3", stream=stream, interval=0.2),
        LiveLine(lambda: "", stream=stream, interval=0.1),
    ):
        until(lambda: len(lines()) >= 2)
    assert set(lines()) == {"importing week 3"}  # an empty description says nothing
    assert stream.getvalue() == ""  # no terminal codes in a log
