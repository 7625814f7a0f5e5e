"""`./dev audit` (run by `./dev test` first): when its advisory source cannot be reached, one clear warning
and exit 0, so that a network error never fails CI."""

from __future__ import annotations

import os
import socket
import subprocess
from pathlib import Path

import pytest

from tests.support.paths import ROOT


def closed_port() -> int:
    """A port of 127.0.0.1 where nothing listens (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.subprocess
def test_an_unreachable_advisory_source_is_one_warning_and_exit_0(tmp_path: Path) -> None:
    dead = f"http://127.0.0.1:{closed_port()}"
    env = {k: v for k, v in os.environ.items() if k.lower() not in ("no_proxy", "all_proxy")}
    # Every HTTPS request of pip-audit goes to a proxy that refuses; a fresh cache answers nothing itself.
    env |= {"HTTPS_PROXY": dead, "https_proxy": dead, "XDG_CACHE_HOME": str(tmp_path)}
    # As a shell runs it, outside the environment `./dev test` runs the tests in: `dev` finds uv with the
    # machine's python3, which the environment's own python3 would hide.
    venv = str(ROOT / ".venv")
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if not p.startswith(venv))
    env.pop("VIRTUAL_ENV", None)
    done = subprocess.run(
        [str(ROOT / "dev"), "audit"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 1, done.stdout
    assert lines[0].startswith("dev audit: WARNING: cannot reach the advisory source (PyPI's JSON API")
    assert "NOT checked" in lines[0]
    assert "Traceback" not in done.stdout + done.stderr
