"""The digest's Whole Hub section (`tracker.report.digest_hub`) on real emulator scans: three weekly scans
of five ecosystems around the synthetic Hub's new base (`NEW_BASE_ID`, created between the second and the
third), then a tree crawl, which records no view. Its figures against the stored view (`snapshot_run`'s
`hub_*` columns, `hub_base`, `hub_group`), in Markdown and JSON; the alert on untracked newcomers firing
and not firing on the same runs; literal rows for the escaping of ids and names."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import text

from tests.support.dashboard_db import FIVE, WEEK, _built_once, _catalogue, snapshot_weeks
from tests.support.markup import assert_inert
from tracker.cli import main
from tracker.collect.hub import HubClient
from tracker.core.ecosystems import labels_of, load_ecosystems, select_ecosystems
from tracker.emulator.builders.forest import NEW_BASE_CREATED, NEW_BASE_ID
from tracker.emulator.routes.server import HubEmulator
from tracker.read import hub
from tracker.report import digest, digest_hub, digest_render
from tracker.report.alert_file import load_rules
from tracker.run.snapshot import take_snapshot
from tracker.storage.database import open_store

LABELS = labels_of(load_ecosystems())
# The synthetic default clock is Monday 2026-11-02 06:00 UTC; the new base appears the Wednesday before.
SCANS = range(-2, 1)  # 19 Oct, 26 Oct, 2 Nov: runs 1, 2, 3
FIRST, BEFORE, AFTER, TREE = 1, 2, 3, 4
# Run 3's newcomers to the top 50 outside every tracked ecosystem, by rank (read from the stored view).
UNTRACKED = ["aurora-frontier/Aurora-1-12B", "EleutherAI/pythia-1b", "google-bert/bert-base-uncased"]


@pytest.fixture(scope="module")
def scans(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Three weekly scans, the second before the new base's creation, the third after."""
    path = tmp_path_factory.mktemp("digest-hub") / "scans.db"
    return _built_once("digest-hub-scans", path, lambda url: snapshot_weeks(url, SCANS, ecosystems=FIVE))


@pytest.fixture(scope="module")
def with_tree(scans: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The scans, then a tree crawl a week after the third: a run without the view."""
    path = tmp_path_factory.mktemp("digest-hub-tree") / "tree.db"

    def build(url: str) -> None:
        shutil.copyfile(scans.removeprefix("sqlite:///"), url.removeprefix("sqlite:///"))
        add_tree_run(url)

    return _built_once("digest-hub-tree", path, build)


def add_tree_run(url: str) -> None:
    engine = open_store(url)
    try:
        with HubEmulator(_catalogue()) as emulator:
            emulator.set_now(emulator.now + WEEK)
            with HubClient(emulator.url) as client:
                at = datetime.fromtimestamp(emulator.now, UTC)
                chosen = select_ecosystems(load_ecosystems(), list(FIVE))
                take_snapshot(engine, client, chosen, strategy="tree", taken_at=at)
    finally:
        engine.dispose()


def made(
    url: str, run_id: int | None = None, rules: str | None = None, tmp: Path | None = None
) -> digest.Digest:
    engine = open_store(url)
    try:
        loaded = ()
        if rules is not None and tmp is not None:
            (tmp / "alerts.toml").write_text(rules, encoding="utf-8")
            loaded = load_rules(tmp / "alerts.toml")
        return digest.build(engine, run_id, rules=loaded, labels=LABELS)
    finally:
        engine.dispose()


def stored(url: str, query: str, **params: object) -> list:
    engine = open_store(url)
    try:
        with engine.connect() as c:
            return list(c.execute(text(query), params).all())
    finally:
        engine.dispose()


def section(markdown: str) -> str:
    start = markdown.index("## The whole Hub")
    return markdown[start : markdown.index("\n## ", start + 1)]


def cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    capsys.readouterr()
    with pytest.raises(SystemExit) as done:
        main(args)
    out, err = capsys.readouterr()
    assert done.value.code == 0, err
    return out


# --- the section on real scans ------------------------------------------------------------------------------


def test_the_runs_are_the_scans_around_the_new_base(scans: str) -> None:
    runs = stored(scans, "SELECT id, taken_at FROM snapshot_run ORDER BY id")
    assert [r[0] for r in runs] == [FIRST, BEFORE, AFTER]
    created = datetime.fromtimestamp(NEW_BASE_CREATED, UTC).replace(tzinfo=None)
    assert pd.Timestamp(runs[1][1]) < pd.Timestamp(created) < pd.Timestamp(runs[2][1])


def test_the_json_totals_are_the_runs_columns(scans: str, capsys: pytest.CaptureFixture[str]) -> None:
    data = json.loads(cli(["digest", "--database", scans, "--format", "json"], capsys))
    w = data["whole_hub"]
    (now, before) = stored(
        scans,
        "SELECT hub_models, hub_derivatives, hub_new_derivatives FROM snapshot_run WHERE id IN (:a, :b) "
        "ORDER BY id DESC",
        a=AFTER,
        b=BEFORE,
    )
    assert data["run"]["id"] == AFTER
    assert w["recorded"] is True
    assert w["runs_without_view"] == []
    assert w["previous_run"] == {"id": BEFORE, "taken_at": "2026-10-26T06:00:00Z"}
    assert (w["models"], w["derivatives"], w["new_derivatives"]) == tuple(now)
    assert (w["models_change"], w["derivatives_change"], w["new_derivatives_change"]) == tuple(
        a - b for a, b in zip(now, before, strict=True)
    )
    assert w["top"] == hub.TOP == 50


def test_each_ecosystem_and_region_share_of_new_derivatives_is_the_stored_groups(scans: str) -> None:
    w = made(scans).data["whole_hub"]
    (hub_new,) = stored(scans, "SELECT hub_new_derivatives FROM snapshot_run WHERE id = :r", r=AFTER)[0]
    for kind, listed in (("ecosystem", w["ecosystems"]), ("region", w["regions"])):
        rows = stored(
            scans,
            "SELECT name, bases, derivatives, new_derivatives FROM hub_group WHERE run_id = :r AND kind = :k",
            r=AFTER,
            k=kind,
        )
        assert {g["name"]: (g["bases"], g["derivatives"], g["new_derivatives"]) for g in listed} == {
            r[0]: tuple(r[1:]) for r in rows
        }
        assert {g["name"]: g["new_share"] for g in listed} == {r[0]: r[3] / hub_new for r in rows}
        shares = [g["new_share"] for g in listed]
        assert shares == sorted(shares, reverse=True)
    assert sorted(g["name"] for g in w["ecosystems"]) == sorted(FIVE)


def test_the_new_base_is_named_in_markdown_and_json(scans: str, capsys: pytest.CaptureFixture[str]) -> None:
    data = json.loads(cli(["digest", "--database", scans, "--format", "json"], capsys))
    w = data["whole_hub"]
    (derivatives,) = stored(
        scans, "SELECT derivatives FROM hub_base WHERE run_id = :r AND base_id = :b", r=AFTER, b=NEW_BASE_ID
    )[0]
    new = {b["base_id"]: b for b in w["new_bases"]}
    assert set(new) == {NEW_BASE_ID, "google/embeddinggemma-300m"}
    assert w["new_bases_count"] == 2
    assert new[NEW_BASE_ID] == {
        "base_id": NEW_BASE_ID,
        "organisation": "aurora-frontier",
        "region": "unknown",
        "derivatives": derivatives,
        "new_derivatives": derivatives,  # every derivative of a new base is new
        "ecosystems": [],
        "tracked": False,
    }
    assert new["google/embeddinggemma-300m"]["ecosystems"] == ["gemma"]
    page = section(cli(["digest", "--database", scans], capsys))
    assert f"| {NEW_BASE_ID} | aurora-frontier | unknown | {derivatives:,} | untracked |" in page
    assert "| google/embeddinggemma-300m | Google | us | 1 | Google Gemma |" in page
    assert "New bases (not bases in the run before with the view), 2 in all:" in page


def test_newcomers_are_the_read_layers_the_untracked_marked(scans: str) -> None:
    d = made(scans)
    w = d.data["whole_hub"]
    engine = open_store(scans)
    try:
        expected = hub.newcomers(engine, AFTER)
    finally:
        engine.dispose()
    assert [(b["base_id"], b["rank"]) for b in w["newcomers"]] == list(
        zip(expected["base_id"], expected["rank"], strict=True)
    )
    assert [b["base_id"] for b in w["newcomers"] if not b["tracked"]] == UNTRACKED
    assert w["untracked_newcomers"] == 3
    assert digest_hub.untracked_ids(w) == UNTRACKED
    page = section(digest_render.to_markdown(d))
    assert f"Newcomers to the top 50 by new derivatives, {len(expected)} (3 untracked):" in page
    assert f"| 2 | {NEW_BASE_ID} | 4 | aurora-frontier | untracked |" in page
    assert "| 5 | codellama/CodeLlama-70b-Python-hf | 1 | Meta | Meta Llama |" in page


def test_the_totals_render_in_full_with_their_change(scans: str) -> None:
    page = section(digest_render.to_markdown(made(scans)))
    now, before = (
        stored(
            scans,
            "SELECT hub_models, hub_derivatives, hub_new_derivatives FROM snapshot_run WHERE id = :r",
            r=r,
        )[0]
        for r in (AFTER, BEFORE)
    )
    assert f"| models on the Hub | {now[0]:,} | {now[0] - before[0]:+,} |" in page
    assert f"| derivatives of some base | {now[1]:,} | {now[1] - before[1]:+,} |" in page
    assert f"| new derivatives | {now[2]:,} | {now[2] - before[2]:+,} |" in page
    assert "| Meta Llama | 13 | 44.8% | 919 | 51.1% |" in page
    assert "against run 2 of 2026-10-26, the run before with the whole-Hub view" in page


def test_the_second_run_counts_no_newcomers_yet(scans: str) -> None:
    d = made(scans, BEFORE)
    w = d.data["whole_hub"]
    assert (w["newcomers"], w["untracked_newcomers"]) == (None, None)
    assert w["new_derivatives_change"] is None  # the first run with the view counts no new derivatives
    page = section(digest_render.to_markdown(d))
    assert "| new derivatives | 20 | – |" in page
    assert "Newcomers to the top 50 by new derivatives: from the third run with the view on" in page


def test_the_first_run_has_totals_and_nothing_to_compare(scans: str) -> None:
    w = made(scans, FIRST).data["whole_hub"]
    assert w["previous_run"] is None
    assert (w["new_derivatives"], w["models_change"]) == (None, None)
    assert (w["new_bases"], w["new_bases_count"], w["newcomers"]) == (None, None, None)
    assert [g["new_share"] for g in w["ecosystems"]] == [None] * 5


def test_a_tree_run_says_it_has_no_view_never_zeros(
    scans: str, with_tree: str, capsys: pytest.CaptureFixture[str]
) -> None:
    data = json.loads(cli(["digest", "--database", with_tree, "--format", "json"], capsys))
    assert data["run"]["id"] == TREE
    w = data["whole_hub"]
    assert w["recorded"] is False
    assert w["runs_without_view"] == [TREE]
    figures = {k: v for k, v in w.items() if k not in ("recorded", "runs_without_view", "top")}
    assert set(figures.values()) == {None}
    page = section(cli(["digest", "--database", with_tree], capsys))
    assert page.strip().splitlines()[2:] == [
        f"Run {TREE} has no whole-Hub view (only a scan or a backfilled archive file records it; a tree "
        f"crawl reads the tracked ecosystems' lineage alone). Runs without it: {TREE}."
    ]
    # an earlier scan's digest is unchanged by the later tree run
    assert made(with_tree, AFTER).data["whole_hub"] == made(scans, AFTER).data["whole_hub"]


def test_the_html_section_is_inert(scans: str, capsys: pytest.CaptureFixture[str]) -> None:
    page = cli(["digest", "--database", scans, "--format", "html"], capsys)
    assert "<h2>The whole Hub</h2>" in page
    assert f"<td>{NEW_BASE_ID}</td>" in page
    assert_inert(page)


# --- the alert on untracked newcomers, on the same runs ----------------------------------------------------


def alert_of(url: str, run_id: int | None, threshold: int, tmp_path: Path) -> dict:
    rules = f'[[alert]]\nfigure = "untracked_newcomers"\nabove = {threshold}\n'
    (checked,) = made(url, run_id, rules, tmp_path).data["alerts"]["checked"]
    return checked


def test_an_untracked_newcomer_fires_the_alert_naming_the_bases(scans: str, tmp_path: Path) -> None:
    fired = alert_of(scans, AFTER, 0, tmp_path)
    assert (fired["evaluated"], fired["fired"], fired["value"], fired["measured"]) == (True, True, 3, 3)
    assert fired["line"] == (
        f"Untracked newcomers to the top 50 (whole Hub) stood at 3 ({', '.join(UNTRACKED)}), above 0."
    )
    assert fired["rule"] == "untracked newcomers to the top 50 (whole Hub) above 0"


def test_the_alert_stays_silent_at_or_under_its_threshold(scans: str, tmp_path: Path) -> None:
    quiet = alert_of(scans, AFTER, 3, tmp_path)
    assert (quiet["evaluated"], quiet["fired"], quiet["value"]) == (True, False, 3)
    assert quiet["line"].endswith("stood at 3 (" + ", ".join(UNTRACKED) + "), not above 3.")


def test_the_alert_is_not_evaluated_without_newcomers_or_a_view(
    scans: str, with_tree: str, tmp_path: Path
) -> None:
    early = alert_of(scans, BEFORE, 0, tmp_path)
    assert (early["evaluated"], early["fired"]) == (False, False)
    assert "no newcomer is counted before the third run with the whole-Hub view" in early["line"]
    tree = alert_of(with_tree, TREE, 0, tmp_path)
    assert (tree["evaluated"], tree["fired"]) == (False, False)
    assert f"run {TREE} has no whole-Hub view" in tree["line"]
