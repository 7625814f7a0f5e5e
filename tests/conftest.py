"""Shared fixtures: the emulated Hub on a free port of 127.0.0.1, and the real client pointed at it."""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Iterator

import pytest

# huggingface_hub reads its settings at import: keep it away from the real Hub and from any real token,
# and give it a throwaway home (it caches an agent registry there).
_HF_HOME = tempfile.mkdtemp(prefix="tracker-tests-hf-")
os.environ["HF_HOME"] = _HF_HOME
os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"
os.environ.pop("HF_TOKEN", None)
os.environ.pop("HF_ENDPOINT", None)
# On its first request the client fetches an "agent harnesses" registry from huggingface.co itself (not
# from the endpoint it is given), unless its cache in HF_HOME is fresh: give it a fresh, empty one.
with open(os.path.join(_HF_HOME, ".agent_harnesses.json"), "w", encoding="utf-8") as _cache:
    _cache.write('{"standardEnvVars": [], "harnesses": {}}')

from tests.support import dashboard_db  # noqa: E402
from tracker.emulator.builders.real import load_real_catalogue_with_stats  # noqa: E402
from tracker.emulator.builders.real_lineage import RealLoadStats  # noqa: E402
from tracker.emulator.builders.synthetic import build_synthetic  # noqa: E402
from tracker.emulator.catalogue import Catalogue  # noqa: E402 - after the environment is set
from tracker.emulator.routes.server import HubEmulator  # noqa: E402

pytest_plugins = ["tests.support.db"]  # backend, database_url, migrated_url, engine: SQLite and PostgreSQL


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the PostgreSQL cases `postgres`: every test parametrized onto the `postgresql` backend."""
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec is not None and "postgresql" in callspec.params.values():
            item.add_marker(pytest.mark.postgres)


class _Undeclared(subprocess.Popen):
    """`subprocess.Popen` for the tests not marked `subprocess`: refuses, so the marker cannot go stale."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        raise AssertionError("this test starts a process: mark it @pytest.mark.subprocess")


@pytest.fixture(autouse=True)
def _declared_services(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """A test that starts a process without saying so fails, so that `--fast` stays what it says."""
    if (
        request.node.get_closest_marker("subprocess") is None
        and request.node.get_closest_marker("browser") is None
    ):
        monkeypatch.setattr(subprocess, "Popen", _Undeclared)


@pytest.fixture(scope="session", autouse=True)
def _shared_builds(tmp_path_factory: pytest.TempPathFactory) -> None:
    """One folder of this test run for what every xdist worker may share (built databases)."""
    base = tmp_path_factory.getbasetemp()
    run = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base  # .../pytest-N/popen-gw0
    shared = run / "shared"
    shared.mkdir(exist_ok=True)
    dashboard_db.SHARED = shared


TEST_SEED = 0
TEST_MODELS = 20_000


@pytest.fixture(scope="session")
def catalogue() -> Catalogue:
    """The default synthetic catalogue (seed 0, 20,000 models), built once per session."""
    return build_synthetic(seed=TEST_SEED, models=TEST_MODELS)


@pytest.fixture(scope="session")
def small() -> Catalogue:
    """A smaller synthetic Hub (seed 3, 6,000 models: every trap but the 1,000-child parent), built once
    per session; a module may override it."""
    return build_synthetic(seed=3, models=6000)


@pytest.fixture(scope="session")
def real_loaded() -> tuple[Catalogue, RealLoadStats]:
    """The real catalogue (16 real weeks of Hub lineage, seed 0) with its load statistics, built once per
    session: a few seconds each time otherwise. Read-only, like every catalogue."""
    return load_real_catalogue_with_stats()


@pytest.fixture(scope="session")
def real(real_loaded: tuple[Catalogue, RealLoadStats]) -> Catalogue:
    """The real catalogue alone."""
    return real_loaded[0]


@pytest.fixture
def emulator(small: Catalogue) -> Iterator[HubEmulator]:
    """A fresh emulator on `small` (as the requesting module defines it), serving on a free port."""
    with HubEmulator(small) as emu:
        yield emu


@pytest.fixture
def hub(catalogue: Catalogue) -> Iterator[HubEmulator]:
    """A fresh emulator (default clock, no faults) on the session catalogue, serving on a free port."""
    with HubEmulator(catalogue) as emulator:
        yield emulator


@pytest.fixture
def api(hub: HubEmulator):  # noqa: ANN201 - HfApi, imported lazily like the product does
    """The real huggingface_hub client, pointed at the emulator, never sending a token."""
    from huggingface_hub import HfApi

    return HfApi(endpoint=hub.url, token=False, library_name="tracker-tests")


@pytest.fixture(scope="session")
def five_ecosystems(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A SQLite URL: five ecosystems over 14 months of emulator snapshots (`dashboard_db.build_history`);
    read-only for the tests that share it. `TRACKER_COMPARE_DATABASE` names another SQLite database
    instead (the demo's: `TRACKER_COMPARE_DATABASE=sqlite:///demo.db pytest tests/read/test_compare.py`)."""
    from tests.support.dashboard_db import build_history

    given = os.environ.get("TRACKER_COMPARE_DATABASE")
    if given:
        return given

    return build_history(tmp_path_factory.mktemp("five-ecosystems") / "tracker.db")
