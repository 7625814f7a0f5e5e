"""`tracker digest` on real emulator snapshots: its figures against the history recomputed with the metrics
layer's pure maths (not the roll-ups the digest reads) and against what the dashboard's Overview shows;
the notable events against the runs' own rows; every format; a one-run database; bad runs."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from tests.support.dashboard_db import FIVE, build_database, snapshot_weeks
from tests.support.paths import APP, DOCS
from tracker.cli import main
from tracker.core import movers
from tracker.read import metrics
from tracker.report import digest, digest_movers, digest_render
from tracker.storage.database import open_store


@pytest.fixture(scope="module")
def weeks(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Three weekly runs of five ecosystems (the third sees a deleted parent with children)."""
    return build_database(tmp_path_factory.mktemp("digest") / "weeks.db", weeks=3, ecosystems=FIVE)


@pytest.fixture(scope="module")
def one_run(tmp_path_factory: pytest.TempPathFactory) -> str:
    return build_database(tmp_path_factory.mktemp("digest-one") / "one.db", weeks=1, ecosystems=FIVE)


@pytest.fixture(scope="module")
def made(weeks: str) -> digest.Digest:
    engine = open_store(weeks)
    try:
        return digest.build(engine, dashboard_url="http://127.0.0.1:8501/")
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def history(weeks: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    engine = open_store(weeks)
    try:
        return metrics.load_history(engine), metrics.load_edges(engine)
    finally:
        engine.dispose()


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    out, err = capsys.readouterr()
    return exit_info.value.code, out, err


def headline(d: digest.Digest) -> dict[str, dict]:
    return {k["figure"]: k for k in d.data["headline"]}


# --- the figures, against the metrics layer's maths over the raw history -------------------------------


@pytest.mark.slow
def test_headline_figures_are_the_histories(made: digest.Digest, history: tuple) -> None:
    frame, _ = history
    runs = sorted(frame["run_id"].unique())
    now, before = runs[-1], runs[-2]
    assert made.data["run"]["id"] == now
    assert made.data["previous_run"]["id"] == before
    derivatives = metrics.derivatives(frame).groupby("run_id").size()
    new = metrics.compute_new(frame).groupby("run_id")["new"].sum()
    weekly = metrics.compute_downloads(frame).groupby("run_id")["weekly_downloads"].sum()
    shown = headline(made)
    assert shown["derivatives"]["now"] == derivatives[now]
    assert shown["derivatives"]["value"] == f"{derivatives[now]:,}"
    assert shown["derivatives"]["change"] == f"{derivatives[now] - derivatives[before]:+,}"
    assert shown["new"]["now"] == new[now]
    assert shown["new"]["before"] == new[before]
    assert shown["weekly_downloads"]["now"] == weekly[now]
    assert shown["weekly_downloads"]["change"] == f"{weekly[now] - weekly[before]:+,}"
    per_family = metrics.compute_counts(frame, "family").groupby(["run_id", "family"])["derivatives"].sum()
    growth = (per_family[now] - per_family[before]) / per_family[before]
    eligible = growth[per_family[before] >= 10]
    best = eligible.sort_values(ascending=False)
    assert shown["fastest_family"]["now"] == best.index[0]
    assert shown["fastest_family"]["change"] == f"{best.iloc[0]:+.1%}"


def test_new_derivatives_by_family_and_relation_are_the_histories(
    made: digest.Digest, history: tuple
) -> None:
    frame, _ = history
    now = made.data["run"]["id"]
    for by, listed in (("family", made.data["new_by_family"]), ("relation", made.data["new_by_relation"])):
        expected = metrics.compute_new(frame, by)
        expected = expected[(expected["run_id"] == now) & (expected["new"] > 0)]
        assert {(r["ecosystem"], r[by]): r["new"] for r in listed} == {
            (r.ecosystem, getattr(r, by)): int(r.new) for r in expected.itertuples()
        }
        assert [r["new"] for r in listed] == sorted((r["new"] for r in listed), reverse=True)


def test_movers_and_ecosystems_are_the_histories(made: digest.Digest, history: tuple) -> None:
    frame, _ = history
    boards = metrics.compute_movers(frame, n=digest.TOP)
    risers = boards["risers"].drop_duplicates("model_id")
    assert [r["model_id"] for r in made.data["movers"]["risers"]] == list(risers["model_id"])
    assert [r["change"] for r in made.data["movers"]["risers"]] == [int(c) for c in risers["change"]]
    assert [r["rank"] for r in made.data["movers"]["risers"]] == [int(c) for c in risers["rank"]]
    fallers = boards["fallers"].drop_duplicates("model_id")
    assert [r["model_id"] for r in made.data["movers"]["fallers"]] == list(fallers["model_id"])
    now = made.data["run"]["id"]
    new = metrics.compute_new(frame)
    new = new[new["run_id"] == now].set_index("ecosystem")["new"]
    total = new.sum()  # the runs are a week apart: per week is per run
    shown = {e["ecosystem"]: e for e in made.data["ecosystems"]}
    assert set(shown) == set(FIVE)
    counts = metrics.compute_counts(frame)
    counts = counts[counts["run_id"] == now].set_index("ecosystem")["derivatives"]
    for name, row in shown.items():
        assert row["derivatives"] == counts[name]
        assert row["new"] == new[name]
        assert row["share_of_new"] == pytest.approx(new[name] / total)
    sentence = digest_render.rivals_sentence(made.data)
    assert sentence.startswith(f"Llama took {new['llama'] / total:.1%} of the new derivatives per week")


def test_notable_events_are_the_runs_rows(made: digest.Digest, history: tuple) -> None:
    frame, edges = history
    now, before = made.data["run"]["id"], made.data["previous_run"]["id"]
    ids_now = set(frame.loc[frame["run_id"] == now, "model_id"].str.lower())
    previous = frame[frame["run_id"] == before]
    gone = previous[~previous["model_id"].str.lower().isin(ids_now)]
    links = edges[edges["run_id"] == before]
    children = links.groupby(links["parent_id"].str.lower())["child_id"].nunique()
    expected = {m: int(children[m.lower()]) for m in gone["model_id"] if m.lower() in children.index}
    events = made.data["events"]
    assert expected, "the synthetic Hub deletes a parent with children before the third week"
    assert {r["model_id"]: r["children"] for r in events["lost_parents"]} == expected
    assert events["lost_models"] == gone["model_id"].nunique()
    roots_now = set(frame.loc[(frame["run_id"] == now) & (frame["depth"] == 0), "model_id"])
    roots_before = set(previous.loc[previous["depth"] == 0, "model_id"])
    assert {r["model_id"] for r in events["new_roots"]} == roots_now - roots_before
    latest = frame[frame["run_id"] == now]
    negative = latest[latest["downloads_delta"] < 0]
    assert events["revisions"]["models"] == len(negative)
    assert events["revisions"]["downloads"] == int(negative["downloads_delta"].sum())


def test_the_overview_shows_the_digests_headline(weeks: str, made: digest.Digest, monkeypatch) -> None:
    monkeypatch.setenv("TRACKER_DATABASE_URL", weeks)
    app = AppTest.from_file(APP, default_timeout=60)
    app.run()
    assert not app.exception
    # the cards are Llama's (the Overview leads with it); the ecosystems together, the digest's headline
    together = next(c.value for c in app.caption if c.value.startswith("All 5 ecosystems shown together."))
    for figure in made.data["headline"]:
        shown = f"{figure['value']} ({figure['change']})" if figure["change"] else figure["value"]
        assert f"{figure['label']}" in together, figure["label"]
        assert f": {shown}" in together, (figure["label"], together)


# --- the formats ------------------------------------------------------------------------------------------


def test_markdown_carries_every_section_with_figures_in_full(made: digest.Digest) -> None:
    text = digest_render.to_markdown(made)
    for heading in ("## Headline", "## New derivatives", "## Movers", "## The ecosystems side by side"):
        assert heading in text
    derivatives = headline(made)["derivatives"]
    assert f"| Derivatives | {derivatives['value']} | {derivatives['change']} |" in text
    assert "," in derivatives["value"]  # thousands separators, as on the dashboard
    assert "[Open the dashboard](http://127.0.0.1:8501/)" in text
    assert "## Alerts" not in text  # no rules given


def test_json_carries_the_same_figures_as_the_markdown(weeks: str, made: digest.Digest, capsys) -> None:
    code, out, _ = run(["digest", "--database", weeks, "--format", "json"], capsys)
    assert code == 0
    data = json.loads(out)
    assert data["headline"] == made.data["headline"]
    assert data["ecosystems"] == made.data["ecosystems"]
    assert data["run"]["taken_at"].endswith("Z")


@pytest.mark.slow
def test_html_embeds_the_charts_as_images(weeks: str, made: digest.Digest, tmp_path: Path, capsys) -> None:
    target = tmp_path / "digest.html"
    code, out, _ = run(["digest", "--database", weeks, "--output", str(target)], capsys)
    assert code == 0
    assert out == ""
    page = target.read_text()
    assert page.startswith("<!doctype html>")
    drawn = 4 if digest_movers.draws_a_leaderboard(made.risers.head(digest.TOP)) else 3
    assert page.count('src="data:image/png;base64,') == drawn  # derivatives, new, shares, movers if ranked
    assert "<table>" in page
    assert "Open-model adoption: run 3 of" in page
    assert not list(target.parent.glob(".*.tmp"))


def test_the_summary_has_the_four_figures_movers_and_link(made: digest.Digest) -> None:
    title, body = digest_render.summary(made)
    assert title == made.data["title"]
    for figure in made.data["headline"]:
        assert f"**{figure['label']}**: {figure['value']} ({figure['change']})" in body
    risers = made.data["movers"]["risers"]
    if risers:  # the first three by name, the fourth not
        for riser in risers[: digest.SUMMARY_MOVERS]:
            assert riser["model_id"] in body
        if len(risers) > digest.SUMMARY_MOVERS:
            assert risers[digest.SUMMARY_MOVERS]["model_id"] not in body
    else:  # nobody cleared the floor: one sentence says so
        assert "\n\n" + movers.nobody("risers") + "\n\n" in body
    assert body.rstrip().endswith("Dashboard: http://127.0.0.1:8501/")


# --- one run, no run, a wrong run ---------------------------------------------------------------------------


@pytest.mark.slow
def test_a_database_with_one_run_says_the_comparison_starts_next_week(one_run: str, capsys) -> None:
    code, out, _ = run(["digest", "--database", one_run], capsys)
    assert code == 0
    assert digest_render.FIRST_RUN in out
    assert "| Derivatives |" in out
    assert "| New this week | – | – |" in out
    code, out, _ = run(["digest", "--database", one_run, "--format", "json"], capsys)
    data = json.loads(out)
    assert data["previous_run"] is None
    assert data["movers"]["risers"] == []
    engine = open_store(one_run)
    try:
        title, body = digest_render.summary(digest.build(engine))
    finally:
        engine.dispose()
    assert digest_render.FIRST_RUN in body


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--run", "99"], "no run 99 in this database"),
        (["--run", "2", "--format", "yaml"], "Invalid value for '--format'"),
    ],
)
def test_a_wrong_run_or_format_is_one_line(weeks: str, args: list[str], needle: str, capsys) -> None:
    code, out, err = run(["digest", "--database", weeks, *args], capsys)
    assert code in (1, 2)
    assert out == ""
    assert needle in err
    assert len(err.strip().splitlines()) == 1


def test_a_failed_run_or_an_empty_database_has_no_digest(tmp_path: Path, weeks: str, capsys) -> None:
    open_store(f"sqlite:///{tmp_path / 'empty.db'}").dispose()  # a database without a run
    code, _, err = run(["digest", "--database", f"sqlite:///{tmp_path / 'empty.db'}"], capsys)
    assert code == 1
    assert "no complete run yet" in err.splitlines()[-1]
    failed = tmp_path / "failed.db"
    failed.write_bytes(Path(weeks.removeprefix("sqlite:///")).read_bytes())
    engine = open_store(f"sqlite:///{failed}")
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql(
                "UPDATE snapshot_run SET status = 'failed', error = 'boom' WHERE id = 2"
            )
    finally:
        engine.dispose()
    code, _, err = run(["digest", "--database", f"sqlite:///{failed}", "--run", "2"], capsys)
    assert code == 1
    assert "run 2 is failed, not complete" in err


def test_digest_files_are_dated_and_never_overwritten(made: digest.Digest, tmp_path: Path) -> None:
    from tracker.run.notices import digest_names, write_digest_files

    folder = tmp_path / "digests"
    names = digest_names(made)
    stem = f"{made.data['run']['taken_at'][:10]}-run-{made.run_id}"
    assert names == {"markdown": f"{stem}.md", "html": f"{stem}.html", "json": f"{stem}.json"}
    (folder).mkdir()
    (folder / names["markdown"]).write_text("written before")  # an earlier digest of this run
    written = write_digest_files(made, folder)
    assert sorted(p.name for p in written) == sorted([names["html"], names["json"]])
    assert (folder / names["markdown"]).read_text() == "written before"
    assert write_digest_files(made, folder) == []  # again: nothing replaced
    assert json.loads((folder / names["json"]).read_text()) == made.data
    assert sorted(p.name for p in folder.iterdir()) == sorted(names.values())  # no temporary left


def test_every_json_key_is_documented(weeks: str) -> None:
    """docs/digest.md names every key a script can meet (alerts included)."""
    from tracker.report.alert_file import load_rules

    documented = (DOCS / "digest.md").read_text()
    engine = open_store(weeks)
    try:
        rules = load_rules(DOCS / "alerts.example.toml")
        data = digest.build(engine, rules=rules).data
    finally:
        engine.dispose()

    def keys(value: object) -> set[str]:
        if isinstance(value, dict):
            return set(value) | {k for v in value.values() for k in keys(v)}
        if isinstance(value, list):
            return {k for v in value for k in keys(v)}
        return set()

    def named(key: str) -> bool:  # `key`, `a.key`, `key[]`, `key.sub`
        return re.search(rf"[`.]{re.escape(key)}[`.\[]", documented) is not None

    missing = sorted(k for k in keys(data) if not named(k))
    assert not missing, f"undocumented in docs/digest.md: {missing}"


@pytest.mark.slow
def test_the_same_weeks_give_the_same_digest_on_either_database(database_url: str, weeks: str) -> None:
    """The module's three weeks recorded again, on the real PostgreSQL and on a new SQLite file: the same
    digest, to the last figure and name."""
    snapshot_weeks(database_url, range(3), ecosystems=FIVE)
    digests = []
    for url in (database_url, weeks):
        engine = open_store(url)
        try:
            digests.append(digest.build(engine).data)
        finally:
            engine.dispose()
    again, first = digests
    assert again == first


# --- the movers' section on literal rows -------------------------------------------------------------------


def _boards(weekly: dict[str, tuple[int, int]]) -> dict[str, pd.DataFrame]:
    """The boards of literal rows: model -> (weekly downloads the run before, this run)."""
    frame = pd.DataFrame(
        [
            {
                "ecosystem": "llama",
                "model_id": model_id,
                "family": "Llama 3.1",
                "relation": "quantized",
                "author": model_id.split("/")[0],
                "weekly_downloads": now,
                "weekly_downloads_before": before,
            }
            for model_id, (before, now) in weekly.items()
        ]
    )
    return {**movers.boards(frame, n=digest.TOP), "entrants": frame.iloc[0:0]}


def _data(weekly: dict[str, tuple[int, int]]) -> dict:
    return {
        "previous_run": {"id": 2, "taken_at": "2026-11-09T06:00:00Z"},
        "movers": digest_movers.data(_boards(weekly), digest.TOP),
    }


def test_nobody_clearing_the_floor_is_one_sentence_not_a_table() -> None:
    d = _data({"a/steady": (100_000, 109_000), "b/small": (10, 900), "c/dip": (5_000, 4_500)})
    assert d["movers"] == {
        "floors": {"change": 1_000, "share": 0.25},
        "risers": [],
        "fallers": [],
        "entrants": [],
    }
    assert digest_movers.markdown(d, digest.TOP) == [
        "A riser's weekly downloads rose by at least 1,000 and by at least 25% of its figure the run before; "
        "a faller's fell by as much.",
        "",
        "Risers (weekly downloads against the previous run):",
        "",
        "No model's weekly downloads rose by at least 1,000 and 25% since the previous run.",
        "",
        "Fallers (weekly downloads against the previous run):",
        "",
        "No model's weekly downloads fell by at least 1,000 and 25% since the previous run.",
        "",
        "New entrants to the top 5 by weekly downloads:",
        "",
        "None.",
    ]
    assert digest_movers.summary_line(d, digest.SUMMARY_MOVERS) == (
        "No model's weekly downloads rose by at least 1,000 and 25% since the previous run."
    )
    assert not digest_movers.draws_a_leaderboard(pd.DataFrame(columns=["change"]))


def test_risers_are_ranked_with_their_ties() -> None:
    d = _data(
        {
            "b/spike": (2_000, 9_000),
            "a/launch": (0, 1_500),
            "d/grow": (4_000, 5_000),
            "e/grow": (3_000, 4_000),
            "c/big": (100_000, 110_000),  # +10%: not a riser
            "g/fade": (20_000, 12_000),
        }
    )
    risers = d["movers"]["risers"]
    assert [(r["model_id"], r["change"], r["rank"], r["tied"]) for r in risers] == [
        ("b/spike", 7_000, 1, False),
        ("a/launch", 1_500, 2, False),
        ("d/grow", 1_000, 3, True),
        ("e/grow", 1_000, 3, True),
    ]
    assert risers[0] == {
        "model_id": "b/spike",
        "ecosystem": "llama",
        "family": "Llama 3.1",
        "relation": "quantized",
        "weekly_downloads": 9_000,
        "weekly_downloads_before": 2_000,
        "change": 7_000,
        "event": "",  # no Hub event of its library in its step
        "rank": 1,
        "tied": False,
    }
    lines = digest_movers.markdown(d, digest.TOP)
    start = lines.index("Risers (weekly downloads against the previous run):")
    assert lines[start + 2 : start + 8] == [
        "| rank | model | ecosystem | weekly downloads | change |",
        "| ---: | --- | --- | ---: | ---: |",
        "| 1 | b/spike | llama | 9,000 | +7,000 |",
        "| 2 | a/launch | llama | 1,500 | +1,500 |",
        "| =3 | d/grow | llama | 5,000 | +1,000 |",
        "| =3 | e/grow | llama | 4,000 | +1,000 |",
    ]
    assert "| 1 | g/fade | llama | 12,000 | -8,000 |" in lines
    assert digest_movers.summary_line(d, digest.SUMMARY_MOVERS) == (
        "Top movers (change in weekly downloads): b/spike +7,000; a/launch +1,500; d/grow +1,000 (tied)."
    )
    board = digest_movers.frame_of(risers)
    assert digest_movers.draws_a_leaderboard(board)


def test_risers_that_all_tie_are_said_to_tie_and_not_drawn() -> None:
    d = _data({"a/one": (2_000, 3_000), "b/two": (0, 1_000)})
    lines = digest_movers.markdown(d, digest.TOP)
    start = lines.index("Risers (weekly downloads against the previous run):")
    assert lines[start + 2 : start + 7] == [
        "The 2 models listed all rose by 1,000 weekly downloads: a tie, not a ranking.",
        "",
        "| rank | model | ecosystem | weekly downloads | change |",
        "| ---: | --- | --- | ---: | ---: |",
        "| =1 | a/one | llama | 3,000 | +1,000 |",
    ]
    assert not digest_movers.draws_a_leaderboard(digest_movers.frame_of(d["movers"]["risers"]))
    assert digest_movers.markdown({**d, "previous_run": None}, digest.TOP) == [
        "Movers compare weekly downloads with the previous run: from the next run on."
    ]


def test_a_digest_of_emulated_data_says_its_figures_are_synthetic(made: digest.Digest, weeks: str) -> None:
    line = made.data["provenance"]
    assert line.startswith("**Demo data** from the Hub emulator: model ids, lineage, downloads")
    markdown = digest_render.to_markdown(made)
    assert f"\n> {line}\n" in markdown
    assert markdown.index(line) < markdown.index("## Headline")
    hub = Path(weeks.removeprefix("sqlite:///")).with_name("hub.db")
    hub.write_bytes(Path(weeks.removeprefix("sqlite:///")).read_bytes())
    engine = open_store(f"sqlite:///{hub}")
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql("UPDATE snapshot_run SET endpoint = 'https://huggingface.co'")
        assert digest.build(engine).data["provenance"] is None
    finally:
        engine.dispose()


def test_the_digests_charts_name_ecosystems_by_their_labels_llama_first(weeks: str) -> None:
    engine = open_store(weeks)
    try:
        made = digest.build(engine, labels={"llama": "Meta Llama", "qwen": "Alibaba Qwen"})
    finally:
        engine.dispose()
    headline = digest_render.chart_specs(made)["headline"][1].to_json()
    assert "Meta Llama" in headline
    assert "Alibaba Qwen" in headline
    assert headline.index("Meta Llama") < headline.index("Alibaba Qwen")


def test_the_digests_text_names_ecosystems_by_their_labels(weeks: str) -> None:
    """Markdown, HTML and the notification name ecosystems as the ecosystems file labels them; the JSON
    keeps the names (scripts key on them) and gives the labels beside."""
    engine = open_store(weeks)
    try:
        made = digest.build(engine, labels={"llama": "Meta Llama", "qwen": "Alibaba Qwen"})
    finally:
        engine.dispose()
    assert {"ecosystem": "llama", "label": "Meta Llama"} in made.data["labels"]
    assert {"ecosystem": "mistral", "label": "mistral"} in made.data["labels"]  # no label given: its name
    assert made.data["ecosystems"][0]["ecosystem"] in FIVE
    text = digest_render.to_markdown(made)
    assert "Meta Llama took " in text
    assert "| Alibaba Qwen |" in text  # the side-by-side table
    assert "| qwen |" not in text
    assert "| llama |" not in text
    risers = made.data["movers"]["risers"]
    if risers:
        row = next(line for line in text.splitlines() if f"| {risers[0]['model_id']} |" in line)
        assert f"| {digest_movers.ecosystem_label(made.data, risers[0]['ecosystem'])} |" in row
    assert "Meta Llama took " in digest_render.summary(made)[1]
