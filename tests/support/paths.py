"""Where the tests find the project's files: the repository, the dashboard's entry script, the docs, and
the recorded Hub payloads (`tests/payloads/`, copied from shared/hub-samples with their source)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "dashboard" / "app.py")
DOCS = ROOT / "docs"
PAYLOADS = ROOT / "tests" / "payloads"
