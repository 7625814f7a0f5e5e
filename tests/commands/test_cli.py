"""The command line end to end, in subprocesses as a user runs it: help, one-line errors, the emulator."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import urllib.request

import pytest

from tests.support.commands import tracker as run
from tracker.emulator.builders.forest import FOREST_MODELS


@pytest.mark.subprocess
@pytest.mark.parametrize("args", [["--help"], ["hub", "--help"], ["hub", "serve", "--help"]])
def test_every_command_has_help(args: list[str]) -> None:
    result = run(*args)
    assert result.returncode == 0
    assert "Usage: tracker" in result.stdout


@pytest.mark.subprocess
@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["hub", "serve", "--now", "last tuesday"], "--now"),
        (["hub", "serve", "--fault", "418:3"], "--fault"),
        (["hub", "serve", "--fault", "429:0"], "--fault"),
        (["hub", "serve", "--catalogue", "imaginary"], "--catalogue"),
        (["hub", "serve", "--catalogue", "real", "--models", "500"], "--models"),
        (["no-such-command"], "no-such-command"),
    ],
)
def test_bad_input_is_one_line_and_non_zero(args: list[str], needle: str) -> None:
    result = run(*args)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("tracker: ")
    assert needle in lines[0]
    assert "Traceback" not in result.stderr


@pytest.mark.subprocess
def test_busy_port_is_one_line() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run("hub", "serve", "--port", str(port), "--models", "500")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"tracker: cannot listen on 127.0.0.1:{port}: Address already in use"
    ]


@pytest.mark.subprocess
def test_hub_serve_answers_then_stops_on_sigterm() -> None:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tracker",
            "-q",
            "hub",
            "serve",
            "--port",
            "0",
            "--models",
            "2000",
            "--seed",
            "7",
            "--quota",
            "50",
            "--window",
            "60",
            "--now",
            "2026-12-01T00:00:00Z",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        # 2,000 models asked, and the whole-Hub forest's 63 (tracker.emulator.builders.forest) on top
        assert (
            f"synthetic catalogue, seed 7, {2000 + FOREST_MODELS:,} models, clock 2026-12-01T00:00:00" in line
        )
        url = line.split()[3]
        with urllib.request.urlopen(f"{url}/api/models?limit=3&sort=downloads", timeout=10) as response:
            items = json.load(response)
            assert response.headers["RateLimit-Policy"] == '"fixed window";"api";q=50;w=60'
            assert response.headers["RateLimit"].startswith('"api";r=49;t=')
        assert len(items) == 3
        assert items[0]["downloads"] >= items[1]["downloads"] >= items[2]["downloads"]
        with urllib.request.urlopen(f"{url}/_emulator/state", timeout=10) as response:
            state = json.load(response)
        assert state["now"] == "2026-12-01T00:00:00.000Z"
        assert state["models"] == 2000 + FOREST_MODELS
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=10)
    assert code == 0
