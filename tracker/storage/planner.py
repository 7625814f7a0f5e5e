"""The planner's statistics of the tables a run writes and the roll-ups and the explorer read.

A run's completion refreshes them (`tracker.storage.rollups.refresh`), and so does the writer of a
missing lineage index (`tracker.storage.latest_lineage`): without them the first queries on a new run's
rows are planned as if the tables were empty.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.engine import Engine

RUN_TABLES = ("model", "membership", "model_snapshot", "run_edge", "rollup", "rollup_builder")
# The explorer's search planned without statistics of the index took 0.3 s at the real size, 5 ms with.
INDEX_TABLES = ("lineage_node", "lineage_link")


def analyze(engine: Engine, tables: Sequence[str] = RUN_TABLES) -> None:
    """Refresh the planner's statistics of the tables a run writes and the roll-ups read (PostgreSQL:
    `tables`, the lineage index's once a run has written it: 3.5 s more at the real size).

    Without them PostgreSQL joined a new 200,000-model run's rows by nested loops (over 15 minutes for
    the roll-ups' first query, against seconds), and SQLite walked the explorer's links by run id
    rather than by the `lower(parent_id)` index (11 s for the roots, against 0.2 s). Sampled, ANALYZE
    takes well under a second at any size (SQLite `analysis_limit`; PostgreSQL samples by default).
    """
    with engine.begin() as connection:
        if engine.dialect.name == "sqlite":
            connection.exec_driver_sql("PRAGMA analysis_limit=1000")
            connection.exec_driver_sql("ANALYZE")
        elif engine.dialect.name == "postgresql":
            connection.exec_driver_sql(f"ANALYZE {', '.join(tables)}")  # names of our own, above
