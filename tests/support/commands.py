"""Run the `tracker` command line as a user does: a subprocess, no standard input (`tracker`), or in the
background (`spawn`)."""

from __future__ import annotations

import os
import subprocess
import sys


def tracker(*args: str, env: dict | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """`python -m tracker ARGS` with `env` added to this environment; output captured as text."""
    return subprocess.run(
        [sys.executable, "-m", "tracker", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
        stdin=subprocess.DEVNULL,
    )


def spawn(*args: str) -> subprocess.Popen[bytes]:
    """`python -m tracker ARGS` started in the background, output discarded: a run to kill mid-way."""
    return subprocess.Popen(
        [sys.executable, "-m", "tracker", *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
    )
