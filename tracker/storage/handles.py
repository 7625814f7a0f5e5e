"""The Core tables behind the table models, typed once: for queries that select columns, not objects.

SQLModel sets `__table__` on each table model when the class is made, but declares it nowhere a type
checker sees; `table_of` says what it is, once, for every reader and writer.
"""

from __future__ import annotations

from sqlalchemy import Table
from sqlmodel import SQLModel

from tracker.storage.tables.archive import ArchiveWeek
from tracker.storage.tables.lineage import LineageLink, LineageNode
from tracker.storage.tables.rollups import Rollup, RollupBuilder, RollupMover, RollupProvider
from tracker.storage.tables.runs import ModelRecord, ModelSnapshot, RunEdge, RunMembership, SnapshotRun


def table_of(model: type[SQLModel]) -> Table:
    """The `Table` of a table model (`SnapshotRun` -> `snapshot_run`)."""
    return model.__table__  # type: ignore[attr-defined]  # set by SQLModel's metaclass, never declared


RUNS = table_of(SnapshotRun)
ARCHIVE_WEEKS = table_of(ArchiveWeek)
MODELS = table_of(ModelRecord)
SNAPSHOTS = table_of(ModelSnapshot)
MEMBERSHIP = table_of(RunMembership)
EDGES = table_of(RunEdge)
ROLLUP = table_of(Rollup)
ROLLUP_PROVIDERS = table_of(RollupProvider)
ROLLUP_BUILDERS = table_of(RollupBuilder)
ROLLUP_MOVERS = table_of(RollupMover)
LINEAGE_NODES = table_of(LineageNode)
LINEAGE_LINKS = table_of(LineageLink)
