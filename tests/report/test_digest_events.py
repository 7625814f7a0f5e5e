"""The digest names the Hub events of its week beside the download figures, and flags the movers whose
step holds an event of their library; on SQLite and PostgreSQL, on real emulator snapshots with known
movers (`tests.support.moves`) whose libraries are set in the store."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from tests.support.dashboard_db import build_database, snapshot_weeks
from tests.support.moves import calm_models, rewrite
from tracker.cli import main
from tracker.core.events import Event
from tracker.read.libraries import load_libraries
from tracker.report import digest, digest_render
from tracker.storage.database import open_store

HOSTILE = "we <script>x</script> shipped [v2](http://evil.example) *now*"


@pytest.fixture
def moved(migrated_url: str) -> tuple[str, list[str]]:
    """Three weekly runs, three known risers: of diffusers, of transformers, and of no library."""
    snapshot_weeks(migrated_url, range(3))
    risers = calm_models(migrated_url)[:3]
    engine = open_store(migrated_url)
    try:
        with engine.begin() as connection:
            for model_id, library in zip(risers, ("diffusers", "transformers", None), strict=True):
                connection.execute(
                    text("UPDATE model SET library_name = :library WHERE model_id = :model"),
                    {"library": library, "model": model_id},
                )
    finally:
        engine.dispose()
    rewrite(migrated_url, {risers[0]: (0, 3_000), risers[1]: (0, 2_500), risers[2]: (0, 2_000)})
    return migrated_url, risers


def build(url: str, events: list[Event] | None) -> digest.Digest:
    engine = open_store(url)
    try:
        return digest.build(engine, hub_events=events)
    finally:
        engine.dispose()


def week_of(made: digest.Digest) -> tuple[date, date]:
    """The days of the previous run and of this one."""
    return (
        date.fromisoformat(made.data["previous_run"]["taken_at"][:10]),
        date.fromisoformat(made.data["run"]["taken_at"][:10]),
    )


def test_a_week_crossing_events_names_them_and_flags_the_movers_of_their_libraries(
    moved: tuple[str, list[str]],
) -> None:
    url, (diffusers, transformers, none) = moved
    before, now = week_of(build(url, []))
    counting = Event(now, "counting", "config.json counts twice", "hub-docs 9999", ("transformers",))
    mine = Event(before + timedelta(days=1), "release", HOSTILE, "our blog")
    outside = Event(before, "release", "on the previous run's day", "our blog")
    made = build(url, [outside, mine, counting])

    assert made.data["hub_events"] == [
        {"date": f"{mine.date}", "kind": "release", "what": HOSTILE, "source": "our blog", "libraries": []},
        {
            "date": f"{now}",
            "kind": "counting",
            "what": "config.json counts twice",
            "source": "hub-docs 9999",
            "libraries": ["transformers"],
        },
    ]
    risers = {r["model_id"]: r["event"] for r in made.data["movers"]["risers"]}
    assert risers == {
        diffusers: f"{mine.date}: {HOSTILE}",  # the user's event concerns everyone; counting, not diffusers
        transformers: f"{mine.date}: {HOSTILE}; {now}: config.json counts twice",
        none: f"{mine.date}: {HOSTILE}",
    }

    markdown = digest_render.to_markdown(made)
    headline = markdown.split("## Headline", 1)[1].split("## ", 1)[0]
    assert (
        f"Hub event in this week: {now}, config.json counts twice (source: hub-docs 9999). Weekly downloads "
        "of models of transformers step there: the Hub's counting, not adoption." in headline
    )
    assert "<script>" not in markdown
    assert "[v2](http" not in markdown
    assert "we &lt;script&gt;x&lt;/script&gt; shipped \\[v2\\](http://evil.example) \\*now\\*" in headline
    assert f"Flagged: {transformers}'s step holds a Hub event of its library" in markdown
    assert "on the previous run" not in markdown


def test_a_week_crossing_no_event_says_nothing_of_events(moved: tuple[str, list[str]]) -> None:
    url, _ = moved
    before, now = week_of(build(url, []))
    made = build(url, [Event(before, "release", "on the previous run's day", "blog")])
    assert made.data["hub_events"] == []
    assert {r["event"] for r in made.data["movers"]["risers"]} == {""}
    markdown = digest_render.to_markdown(made)
    assert "Hub event" not in markdown
    assert "Flagged" not in markdown
    # the shipped events (2025-07-24, 2026-08-06) are long before these runs of November 2026
    assert build(url, None).data["hub_events"] == []


def test_the_stored_libraries_are_read_for_the_flags(moved: tuple[str, list[str]]) -> None:
    url, risers = moved
    engine = open_store(url)
    try:
        found = load_libraries(engine, [*risers, "nobody/not-stored"])
    finally:
        engine.dispose()
    assert found == dict(zip(risers, ("diffusers", "transformers", None), strict=True))


def test_the_digest_command_reads_the_events_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = build_database(tmp_path / "weeks.db")  # SQLite: the option reads a file, whatever the database
    _, now = week_of(build(url, []))
    mine = tmp_path / "mine.csv"
    mine.write_text(f"date,kind,what,source\n{now},release,our v2 is out,our blog\n")
    with pytest.raises(SystemExit) as stopped:
        main(["digest", "--database", url, "--events", str(mine), "--format", "json"])
    out, err = capsys.readouterr()
    assert stopped.value.code == 0, err
    assert json.loads(out)["hub_events"] == [
        {"date": f"{now}", "kind": "release", "what": "our v2 is out", "source": "our blog", "libraries": []}
    ]
