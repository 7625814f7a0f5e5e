"""Relative adoption through storage, on SQLite and PostgreSQL: a base whose weights went up privately
three weeks before its launch (Gemma 4 31B, in the shipped release-dates file) gets its milestones at the
release day's ages, exactly; a user's file moves them again; a base no file names keeps createdAt."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from sqlmodel import Session

from tracker.core.records import Membership, Observation
from tracker.core.release_dates import ReleaseDates, load_release_dates
from tracker.read import compare
from tracker.storage import lifecycle, saves

GEMMA = "google/gemma-4-31B-it"  # shipped: created 2026-03-11, released 2026-04-02
PLAIN = "acme/Plain-27B"
CREATED = {GEMMA: datetime(2026, 3, 11, 9, 0, tzinfo=UTC), PLAIN: datetime(2026, 3, 20, 12, 0, tzinfo=UTC)}
# Weekly runs, Mondays 06:00 UTC, 16 March to 4 May 2026, and each base's downloads (all time) in them
RUNS = [datetime(2026, 3, 16, 6, tzinfo=UTC) + timedelta(weeks=i) for i in range(8)]
FIGURES = {
    GEMMA: [10, 20, 30, 1_030, 5_030, 9_030, 12_030, 14_030],  # hardly a download before the launch
    PLAIN: [0, 700, 1_400, 2_100, 2_800, 3_500, 4_200, 4_900],
}
HOURS = 168  # between two runs


def _observation(model_id: str, all_time: int) -> Observation:
    return Observation(
        model_id=model_id,
        hub_oid=None,
        author=model_id.split("/")[0],
        created_at=CREATED[model_id],
        last_modified=None,
        pipeline_tag="text-generation",
        library_name="transformers",
        license=None,
        gated="false",
        tags=(),
        relation=None,
        parents=(),
        children_count=0,
        downloads_30d=0,
        downloads_all_time=all_time,
        likes=0,
        trending_score=0,
        parameters=27_000_000_000,
    )


def _record(engine) -> None:  # noqa: ANN001 - an Engine
    for i, taken_at in enumerate(RUNS):
        with Session(engine) as session:
            run_id = lifecycle.begin_run(
                session, taken_at=taken_at, started_at=taken_at, ecosystems=["gemma"], strategy="tree"
            )
            saves.save_observations(session, run_id, [_observation(m, FIGURES[m][i]) for m in FIGURES])
            saves.save_memberships(
                session, run_id, [Membership("gemma", m, "Gemma 4", "base", 0) for m in FIGURES]
            )
            session.commit()
            lifecycle.finish_run(
                session, run_id, status="complete", finished_at=taken_at, requests=1, retries=0
            )


def _between(model_id: str, run: int, hours: float) -> float:
    """The figure `hours` after run `run`, interpolated towards the next."""
    low, high = FIGURES[model_id][run], FIGURES[model_id][run + 1]
    return low + (high - low) * hours / HOURS


def _rows(adoption: pd.DataFrame, model_id: str) -> pd.DataFrame:
    return adoption[adoption["model_id"] == model_id].set_index("days")


def test_a_corrected_base_counts_its_ages_from_the_release_day(engine, tmp_path: Path) -> None:  # noqa: ANN001
    _record(engine)
    adoption = compare.load_relative_adoption(engine)  # the shipped release dates
    gemma = _rows(adoption, GEMMA)
    assert set(gemma["age_from"]) == {"release date"}
    assert set(gemma["released_at"]) == {pd.Timestamp("2026-04-02", tz="UTC")}
    assert gemma.loc[7, "created_at"] == pd.Timestamp(CREATED[GEMMA])
    # 9 April 00:00 is 66 hours after the run of 6 April 06:00; 16 April the same after 13 April's;
    # 2 May is 114 hours after 27 April's
    assert gemma.loc[7, "at"] == pd.Timestamp("2026-04-09", tz="UTC")
    assert gemma.loc[7, "downloads"] == pytest.approx(_between(GEMMA, 3, 66))  # 2,601.43
    assert gemma.loc[14, "downloads"] == pytest.approx(_between(GEMMA, 4, 66))  # 6,601.43
    assert gemma.loc[30, "downloads"] == pytest.approx(_between(GEMMA, 6, 114))  # 13,387.14
    assert gemma.loc[60, "status"] == "not reached"
    # from createdAt (11 March 09:00) its 7 days would have been 18 March, in its private weeks: 13.04
    old = _rows(compare.load_relative_adoption(engine, release_dates=ReleaseDates({})), GEMMA)
    assert set(old["age_from"]) == {"createdAt"}
    assert old.loc[7, "downloads"] == pytest.approx(_between(GEMMA, 0, 51))
    # a base no file names: from its createdAt, 20 March 12:00
    plain = _rows(adoption, PLAIN)
    assert set(plain["age_from"]) == {"createdAt"}
    assert set(plain["released_at"]) == {pd.Timestamp(CREATED[PLAIN])}
    assert plain.loc[7, "downloads"] == pytest.approx(_between(PLAIN, 1, 102))  # 27 March 12:00
    # a user's file: its row replaces the shipped one (released 5 April), and names the other base too
    mine = tmp_path / "mine.csv"
    mine.write_text(
        "model_id,created_on,released_on\n"
        "google/GEMMA-4-31B-it,2026-03-11,2026-04-05\n"
        "acme/plain-27b,2026-03-20,2026-03-23\n"
    )
    adoption = compare.load_relative_adoption(engine, release_dates=load_release_dates(mine))
    gemma, plain = _rows(adoption, GEMMA), _rows(adoption, PLAIN)
    assert gemma.loc[7, "at"] == pd.Timestamp("2026-04-12", tz="UTC")  # 138 hours after 6 April 06:00
    assert gemma.loc[7, "downloads"] == pytest.approx(_between(GEMMA, 3, 138))
    assert set(plain["age_from"]) == {"release date"}
    assert plain.loc[7, "downloads"] == pytest.approx(_between(PLAIN, 1, 162))  # 30 March 00:00
    assert plain.loc[30, "downloads"] == pytest.approx(_between(PLAIN, 5, 42))  # 22 April 00:00
