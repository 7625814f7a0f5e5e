"""Text from the Hub is data: at the Hub's door (listings and `model_info`), a model whose id or declared
parent's id is not a Hub id is refused and counted in the log; a relation other than the Hub's four is kept
as `unknown` and counted; nothing of it reaches the digest's HTML as markup or a CSV export as a formula.
Run end to end on the emulator (a catalogue with crafted rows), on both databases, with both strategies."""

from __future__ import annotations

import csv
import io
import logging
from datetime import UTC, datetime

import pytest
from sqlmodel import Session

from tests.support.markup import assert_inert
from tracker.cli import main
from tracker.collect.hub import HubClient
from tracker.core.ecosystems import parse_ecosystems
from tracker.emulator.catalogue import Catalogue
from tracker.emulator.routes.server import HubEmulator
from tracker.emulator.vocabulary import DAY, HubModel, object_id, parse_time
from tracker.run.snapshot import take_snapshot
from tracker.storage.database import open_store
from tracker.storage.loads import load_run_edges, load_run_members

ECOSYSTEMS = parse_ecosystems(
    """
[[ecosystem]]
name = "llama"
authors = ["meta-llama"]
  [[ecosystem.family]]
  name = "A"
  roots = ["meta-llama/A-base"]
"""
)
MARKUP = "<img src=x onerror=alert(1)>"
FORMULAS = ('=HYPERLINK("x")', "@x", "+x", "-x")
T0 = parse_time("2025-01-01T00:00:00Z")
RUN_1, RUN_2 = T0 + 10 * DAY, T0 + 20 * DAY
BASE = "meta-llama/A-base"
# (id, relation, parents, created): the new ones after the first run, so that the digest counts them.
ROWS = [
    (BASE, None, (), T0),
    ("u/ft-a", "finetune", (BASE,), T0 + DAY),
    ("u/tuned_v2", "finetune", (BASE,), RUN_1 + DAY),
    ("u/odd-relation", MARKUP, (BASE,), RUN_1 + DAY),
    *((f, "finetune", (BASE,), RUN_1 + 2 * DAY) for f in FORMULAS),
    ("u/formula-parent", "merge", (BASE, '=HYPERLINK("y")'), RUN_1 + 3 * DAY),
]
KEPT = {BASE, "u/ft-a", "u/tuned_v2", "u/odd-relation"}


def crafted() -> Catalogue:
    index = {row[0]: k for k, row in enumerate(ROWS)}
    models = [
        HubModel(
            oid=object_id(created, k.to_bytes(8, "big")),
            repo_id=repo_id,
            created=created,
            relation=relation,
            parents=tuple(index.get(p, p) for p in parents),
        )
        for k, (repo_id, relation, parents, created) in enumerate(ROWS)
    ]
    return Catalogue("crafted", models, RUN_2)


def at(t: int) -> datetime:
    return datetime.fromtimestamp(t, UTC)


def refusal_counts(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "tracker.hub" and "refused" in r.getMessage()]


@pytest.mark.parametrize("strategy", ["tree", "scan"])
def test_the_hubs_text_is_data_from_door_to_digest_and_export(
    migrated_url: str, strategy: str, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.INFO, logger="tracker.hub")
    engine = open_store(migrated_url)
    try:
        with HubEmulator(crafted()) as hub:
            for t in (RUN_1, RUN_2):
                hub.set_now(t)
                with HubClient(hub.url) as client:
                    result = take_snapshot(engine, client, ECOSYSTEMS, strategy=strategy, taken_at=at(t))
        with Session(engine) as session:
            members = {m.model_id: m.relation for m, _ in load_run_members(session, result.run_id)}
            edges = {(e.child_id, e.parent_id, e.relation) for e in load_run_edges(session, result.run_id)}
    finally:
        engine.dispose()
    # The formulas are refused, as ids and as a parent's id; the odd relation is kept as `unknown`.
    assert set(members) == KEPT
    assert members["u/odd-relation"] == "unknown"
    assert ("u/odd-relation", BASE, "unknown") in edges
    assert all(not p.startswith(("=", "@", "+", "-")) for _, p, _ in edges)
    # Counted in the log: each refused row once (5 of them in the second run), the unknown relation too.
    lines = refusal_counts(caplog)
    assert any("5 refused" in line for line in lines), lines
    assert any('=HYPERLINK(\\"x\\")' in line or "=HYPERLINK(" in line for line in lines), lines
    assert any("unknown" in r.getMessage() and "u/odd-relation" in r.getMessage() for r in caplog.records)
    assert_digest_and_exports_are_data(migrated_url, capsys)
    # the crafted model that passed the door is in the models' export
    capsys.readouterr()
    with pytest.raises(SystemExit) as done:
        main(["export", "models", "--database", migrated_url, "--format", "csv", "--output", "-"])
    assert done.value.code == 0
    assert "u/tuned_v2" in {row["model_id"] for row in csv.DictReader(io.StringIO(capsys.readouterr().out))}


def assert_digest_and_exports_are_data(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    """The digest's HTML has no tag of the data's making, and its relation table says `unknown`; the CSV
    exports hold the ids that passed the door (`KEPT`) as the Hub gave them, none that a spreadsheet would
    run."""
    capsys.readouterr()
    with pytest.raises(SystemExit) as done:
        main(["digest", "--database", url, "--format", "html"])
    assert done.value.code == 0
    page = capsys.readouterr().out
    assert_no_live_markup(page)
    assert "<td>unknown</td>" in page
    # the Whole Hub section: the view's table of totals (a scan, an archive file), or the line saying so
    assert "<h2>The whole Hub</h2>" in page
    assert ("<td>models on the Hub</td>" in page) != ("has no whole-Hub view" in page)
    for table in ("models", "edges"):
        with pytest.raises(SystemExit) as done:
            main(["export", table, "--database", url, "--format", "csv", "--output", "-"])
        assert done.value.code == 0
        rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
        assert rows
        ids = {v for row in rows for k, v in row.items() if k in ("model_id", "child_id", "parent_id")}
        assert ids <= KEPT, ids - KEPT
        assert not [v for row in rows for v in row.values() if v and v[0] in "=+-@\t\r" and not number(v)]
    # The whole Hub's bases (a run with the view): only ids that passed the door, no cell a spreadsheet runs.
    with pytest.raises(SystemExit) as done:
        main(["export", "bases", "--database", url, "--format", "csv", "--output", "-"])
    assert done.value.code == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert {row["base_id"] for row in rows} <= KEPT
    assert not [v for row in rows for v in row.values() if v and v[0] in "=+-@\t\r" and not number(v)]


def assert_no_live_markup(page: str) -> None:
    """The page's images are its own charts; no tag carries a handler; no link; no script."""
    assert_inert(page)
    assert "onerror" not in page


def number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def test_the_hubs_other_text_is_its_vocabulary_or_nothing() -> None:
    """Author, licence, library, task, gating and providers: as the Hub gives them when they are names from
    its vocabularies, else empty (unknown), never text a spreadsheet or a page would run."""
    from tracker.collect.payloads import parse_observation

    def parsed(**odd: object):  # noqa: ANN202 - an Observation
        item = {
            "id": "u/model",
            "_id": "a" * 24,
            "author": "u",
            "tags": ["license:apache-2.0"],
            "library_name": "transformers",
            "pipeline_tag": "text-generation",
            "gated": "manual",
            "inferenceProviderMapping": {"together": {"status": "live"}, "hf-inference": {"status": "live"}},
        }
        return parse_observation({**item, **odd})

    fine = parsed()
    assert (fine.author, fine.license, fine.library_name, fine.pipeline_tag, fine.gated) == (
        "u",
        "apache-2.0",
        "transformers",
        "text-generation",
        "manual",
    )
    assert fine.live_providers == ("hf-inference", "together")
    odd = parsed(
        author='=HYPERLINK("x")',
        tags=["license:=1+1"],
        library_name="@lib",
        pipeline_tag=MARKUP,
        gated="-x",
        inferenceProviderMapping={"<b>x</b>": {"status": "live"}, "together": {"status": "live"}},
    )
    assert (odd.author, odd.license, odd.library_name, odd.pipeline_tag, odd.gated) == (
        "u",
        None,
        None,
        None,
        None,
    )
    assert odd.live_providers == ("together",)
