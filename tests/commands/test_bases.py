"""`tracker bases` as a user runs it (a subprocess): the top bases of a run, one base's ecosystems-file
block (which must load with the ecosystems parser once appended to the shipped file), and the refusals,
on a database of two weekly scans of a small synthetic Hub (each with the whole-Hub view)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import text

from tests.support.commands import tracker
from tests.support.dashboard_db import FIVE, build_database
from tracker.core.ecosystems import default_ecosystems_path, load_ecosystems
from tracker.read.hub import load_bases
from tracker.storage.database import open_store

pytestmark = pytest.mark.subprocess

FIRST_LINE = "run 2, taken 2026-11-09 06:00 UTC: 2,451 models listed, 1,820 derivatives (23 new), 299 bases"
SDXL = "stabilityai/stable-diffusion-xl-base-1.0"


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return build_database(tmp_path_factory.mktemp("bases") / "tracker.db", weeks=2, ecosystems=FIVE)


def ok(*args: str) -> str:
    done = tracker("bases", *args)
    assert (done.returncode, done.stderr) == (0, ""), done.stderr
    return done.stdout


def refused(*args: str) -> str:
    done = tracker("bases", *args)
    assert done.returncode == 1, done
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("tracker: ")
    return lines[0]


def table(out: str) -> list[list[str]]:
    """The listing's rows (after the two lines of totals and the header), split on runs of 2+ spaces."""
    rows = [line for line in out.splitlines()[3:] if line and not line.startswith("* outside")]
    return [[cell.strip() for cell in line[1:].strip().split("  ") if cell.strip()] for line in rows]


def test_lists_the_latest_runs_top_bases(url: str) -> None:
    out = ok("--database", url)
    lines = out.splitlines()
    assert lines[0] == FIRST_LINE
    assert lines[1] == "top 20 by derivatives:"
    assert (
        lines[2].split()
        == "base organisation region derivatives new downloads 30d capture ecosystems".split()
    )
    assert lines[-1].startswith("* outside every tracked ecosystem: `tracker bases BASE_ID` prints")
    engine = open_store(url)
    try:
        stored = load_bases(engine, 2).head(20)
    finally:
        engine.dispose()
    rows = table(out)
    assert [r[0] for r in rows] == list(stored["base_id"])
    assert [int(r[3].replace(",", "")) for r in rows] == list(stored["derivatives"])
    marked = [line.startswith("*") for line in lines[3:23]]
    assert marked == [not t for t in stored["tracked"]]
    assert rows[0] == ["meta-llama/Llama-3.1-8B", "Meta", "us", "254", "8", "1,895", "98%", "llama"]
    assert rows[1] == [SDXL, "Stability AI", "eu", "82", "1", "32,900", "26%", "-"]


def test_filters_and_an_earlier_run(url: str) -> None:
    out = ok("--database", url, "--run", "1", "--top", "4", "--untracked", "--region", "EU", "--region", "us")
    lines = out.splitlines()
    assert lines[0] == "run 1, taken 2026-11-02 06:00 UTC: 2,430 models listed, 1,799 derivatives, 298 bases"
    assert lines[1] == "top 4 by derivatives (region eu or us, untracked):"
    assert all(line.startswith("*") for line in lines[3:7])
    assert [r[:6] for r in table(out)] == [
        [SDXL, "Stability AI", "eu", "82", "-", "32,900"],
        ["google-t5/t5-small", "Google", "us", "65", "-", "152,010"],
        ["google-bert/bert-base-uncased", "Google", "us", "63", "-", "9,718,863"],
        ["openai-community/gpt2", "OpenAI", "us", "34", "-", "127,010"],
    ]


def test_a_bases_block_parses_appended_to_the_shipped_file(url: str, tmp_path: Path) -> None:
    shipped = tmp_path / "ecosystems.toml"
    shutil.copyfile(default_ecosystems_path(), shipped)
    before = load_ecosystems(shipped)
    block = ok("--database", url, SDXL, "--whole-namespace")
    assert "[[ecosystem]]\n" in block
    assert all(line.startswith("#") for line in block.strip().splitlines()[:2])
    with shipped.open("a", encoding="utf-8") as f:
        f.write(block)
    # The same base again, in any case, told the file: a second ecosystem, named apart.
    again = ok("--database", url, "--ecosystems", str(shipped), SDXL.upper())
    with shipped.open("a", encoding="utf-8") as f:
        f.write(again)
    after = load_ecosystems(shipped)
    assert after[: len(before)] == before
    added = after[len(before) :]
    assert [e.name for e in added] == ["stable-diffusion-xl-base-1-0", "stable-diffusion-xl-base-1-0-2"]
    assert [e.authors for e in added] == [("stabilityai",), ()]
    assert {e.label for e in added} == {"stable-diffusion-xl-base-1.0"}
    assert all(e.enabled for e in added)
    assert [[(f.name, f.roots) for f in e.families] for e in added] == [
        [("stable-diffusion-xl-base-1.0", (SDXL,))]
    ] * 2


def test_a_tracked_bases_block_says_so(url: str) -> None:
    block = ok("--database", url, "--run", "1", "meta-llama/llama-3.1-8b")
    assert "# Already a root of: llama." in block
    assert 'roots = ["meta-llama/Llama-3.1-8B"]' in block  # as the Hub spells it
    assert 'name = "llama-3-1-8b"' in block


def test_refusals_are_one_line(url: str) -> None:
    assert "a/b is no base in run 2" in refused("--database", url, "a/b")
    assert "not a Hub model id" in refused("--database", url, "a b")
    assert refused("--database", url, "--run", "9") == (
        "tracker: no run 9 in this database (`tracker runs` lists them)"
    )
    assert "give them without BASE_ID" in refused("--database", url, SDXL, "--top", "3")
    assert "give BASE_ID" in refused("--database", url, "--whole-namespace")
    assert "no database at" in refused("--database", f"sqlite:///{Path(url[10:]).parent / 'none.db'}")


def test_without_the_view(url: str, tmp_path: Path) -> None:
    """Runs from before the view (as migration 0008 leaves them), then a database with no run at all."""
    old = tmp_path / "old.db"
    shutil.copyfile(url.removeprefix("sqlite:///"), old)
    engine = open_store(f"sqlite:///{old}")
    try:
        with engine.begin() as c:
            for table_name in ("hub_base", "hub_group", "hub_pairs"):
                c.execute(text(f"DELETE FROM {table_name}"))  # noqa: S608 - our own table names
            c.execute(text("UPDATE snapshot_run SET hub_models = NULL, hub_derivatives = NULL"))
            c.execute(text("UPDATE snapshot_run SET hub_new_derivatives = NULL"))
    finally:
        engine.dispose()
    line = (
        "no run has the whole-Hub view yet (runs: 1, 2): a scan (`tracker snapshot --strategy scan`) or a "
        "backfill (`tracker backfill`) records it"
    )
    assert ok("--database", f"sqlite:///{old}") == line + "\n"
    assert refused("--database", f"sqlite:///{old}", SDXL) == f"tracker: {line}"
    assert "run 1 has no whole-Hub view (a scan run; runs with it: none yet)" in refused(
        "--database", f"sqlite:///{old}", "--run", "1"
    )
    empty = f"sqlite:///{tmp_path / 'empty.db'}"
    open_store(empty).dispose()
    assert ok("--database", empty).startswith("no runs yet, so no whole-Hub view: a scan")
