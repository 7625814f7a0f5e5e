"""The lineage explorer's index of the latest runs, written where a writer left it out.

A run's completion writes its index only while the run is among the latest `rollups.LINEAGE_RUNS`
(`tracker.storage.rollups.refresh`), and a writer that records newer runs next leaves it out
(`lineage=False`): a backfill of many weekly files indexes only its last files, since each file's index
would be deleted two files later (at the real size, about a fifth of a file's import). When the last files
were not imported (repeats, failures, a stop), the latest runs lack the index: `write_missing` writes it
for them, and deletes any older run's.
"""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.engine import Engine

from tracker.storage import planner, rollups
from tracker.storage.handles import LINEAGE_NODES

logger = logging.getLogger("tracker.rollups")  # the roll-ups' logger: the index is theirs


def write_missing(engine: Engine) -> list[int]:
    """Write the lineage index of the latest rolled-up runs that have none; the runs written."""
    written = []
    with engine.begin() as connection:
        kept = rollups.lineage_runs(connection)
        query = select(LINEAGE_NODES.c.run_id).where(LINEAGE_NODES.c.run_id.in_(kept)).distinct()
        indexed = set(connection.execute(query).scalars())
        for run_id in (r for r in kept if r not in indexed):
            logger.info("writing the lineage explorer's index of run %d", run_id)
            if rollups.index_run(connection, run_id):
                written.append(run_id)
        if written:
            rollups.keep_lineage_of(connection, kept)
    if written:
        planner.analyze(engine, planner.INDEX_TABLES)  # the explorer's queries plan on the new rows
    return written
