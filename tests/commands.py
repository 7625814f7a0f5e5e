"""Run the `tracker` command line as a user does: a subprocess, no standard input."""

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
