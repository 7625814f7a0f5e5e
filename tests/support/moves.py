"""Known movers in a database of real emulator snapshots (three weekly runs, as `dashboard_db.build_database`
writes): the third run's weekly downloads are rewritten to repeat the second's for every model (nobody
moves), then chosen models' two weekly figures are moved by set amounts, and the roll-ups written again."""

from __future__ import annotations

from sqlalchemy import text

from tracker.storage import rollups
from tracker.storage.database import open_store

# The third run's all-time count is the second's plus the second's weekly downloads: a steady week.
STEADY = """
UPDATE model_snapshot SET downloads_all_time = (
    SELECT 2 * two.downloads_all_time - one.downloads_all_time
    FROM model_snapshot AS two JOIN model_snapshot AS one ON one.model_id = two.model_id
    WHERE two.run_id = 2 AND one.run_id = 1 AND two.model_id = model_snapshot.model_id
)
WHERE run_id = 3 AND model_id IN (
    SELECT two.model_id FROM model_snapshot AS two JOIN model_snapshot AS one ON one.model_id = two.model_id
    WHERE two.run_id = 2 AND one.run_id = 1
      AND two.downloads_all_time IS NOT NULL AND one.downloads_all_time IS NOT NULL
)
"""
# Derivatives of one ecosystem only, in all three runs, with a weekly figure of 0 to 4,000 in the second.
CALM = """
SELECT two.model_id FROM model_snapshot AS two
JOIN model_snapshot AS one ON one.model_id = two.model_id AND one.run_id = 1
JOIN membership AS m ON m.model_id = two.model_id AND m.run_id = 3 AND m.depth > 0
WHERE two.run_id = 2 AND two.downloads_all_time - one.downloads_all_time BETWEEN 0 AND 4000
  AND two.model_id NOT IN (
    SELECT model_id FROM membership WHERE run_id = 3 GROUP BY model_id HAVING count(*) > 1
  )
ORDER BY m.ecosystem, two.model_id
"""


def calm_models(url: str) -> list[str]:
    """The CALM derivatives, by ecosystem then id: +2,000 a week on any of them is +50% or more."""
    engine = open_store(url)
    try:
        with engine.connect() as connection:
            return list(connection.execute(text(CALM)).scalars())
    finally:
        engine.dispose()


def rewrite(url: str, moves: dict[str, tuple[int, int]]) -> None:
    """Every model's third week steady, then each of `moves` (model -> (added to its weekly downloads
    the run before, added to its weekly downloads now)); the roll-ups of runs 2 and 3 written again."""
    engine = open_store(url)
    try:
        with engine.begin() as connection:
            connection.execute(text(STEADY))
            for model_id, (before, now) in moves.items():
                for run_id, by in ((2, before), (3, before + now)):
                    connection.execute(
                        text(
                            "UPDATE model_snapshot SET downloads_all_time = downloads_all_time + :by "
                            "WHERE model_id = :model AND run_id = :run"
                        ),
                        {"by": by, "model": model_id, "run": run_id},
                    )
        for run_id in (2, 3):
            rollups.refresh(engine, run_id)
    finally:
        engine.dispose()
