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

from sqlalchemy import delete, select
from sqlalchemy.engine import Engine

from tracker.storage import rollups
from tracker.storage.handles import LINEAGE_LINKS, LINEAGE_NODES

logger = logging.getLogger("tracker.rollups")  # the roll-ups' logger: the index is theirs


def write_missing(engine: Engine) -> list[int]:
    """Write the lineage index of the latest rolled-up runs that have none; the runs written."""
    written = []
    with engine.begin() as connection:
        kept = rollups.lineage_runs(connection)
        query = select(LINEAGE_NODES.c.run_id).where(LINEAGE_NODES.c.run_id.in_(kept)).distinct()
        indexed = set(connection.execute(query).scalars())
        for run_id in (r for r in kept if r not in indexed):
            ecosystems = rollups.ecosystems_of(connection, run_id)
            if not ecosystems:
                continue  # no members: no index to write
            logger.info("writing the lineage explorer's index of run %d", run_id)
            edges = [tuple(row) for row in connection.execute(rollups.run_edges(run_id))]
            for ecosystem in ecosystems:
                rollups.write_lineage(connection, ecosystem, run_id, edges)
            written.append(run_id)
        if written:
            for table in (LINEAGE_NODES, LINEAGE_LINKS):
                connection.execute(delete(table).where(table.c.run_id.not_in(kept)))
    if written:
        rollups.analyze(engine, rollups.INDEX_TABLES)  # the explorer's queries plan on the new rows
    return written
