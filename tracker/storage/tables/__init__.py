"""The database tables (SQLModel, `table=True`), one module per family, all on the one `SQLModel.metadata`.

Alembic owns the schema: see `tracker/storage/migrations/`. Importing this package registers every table
(`runs`: the runs and what each records; `rollups`: the roll-ups a complete run gets; `lineage`: the
lineage explorer's index; `hub`: the whole-Hub view; `archive`: the weekly archive's files as a backfill
found them), whichever of them a caller names; `naming` names their constraints. What migration 0007
writes outside the metadata is named here.

Timestamps are plain `datetime` annotations on purpose: SQLModel 0.0.50 maps them to its `UTCDateTime`
type, whose DDL is `DateTime(timezone=True)` (`TIMESTAMP WITH TIME ZONE` on PostgreSQL, `DATETIME` on
SQLite), which refuses naive values, and which returns zone-aware UTC on both back-ends. Spelling
`sa_type=DateTime(timezone=True)` would bypass that processing: SQLite would hand back naive values.
"""

from __future__ import annotations

from tracker.storage.tables import archive, hub, lineage, rollups, runs  # noqa: F401 - registers every table on the metadata

# Objects migration 0007 writes differently per database, outside SQLModel's metadata:
# - the lineage search's index of model ids, by trigrams (any case): on SQLite an FTS5 table kept by
#   triggers on `model` (its rowids are `model`'s); on PostgreSQL a pg_trgm GIN index on lower(model_id)
#   (none when the extension cannot be created);
# - `lineage_link`'s indexes by subtree size, (run_id, ancestor_id, size, ecosystem, model_id): on SQLite
#   covering every column the explorer reads (a subtree is then one read of the index); on PostgreSQL
#   those keys only (a key cannot hold a merge's long list of parents).
MODEL_SEARCH = "model_search"
LINK_ORDERS = ("ix_lineage_link_tree_downloads", "ix_lineage_link_tree_models")


def is_dialect_object(name: str | None) -> bool:
    """Whether a schema object is one of those (autogenerate and the schema checks leave them out)."""
    return bool(name) and (name.startswith(MODEL_SEARCH) or name in (f"ix_{MODEL_SEARCH}", *LINK_ORDERS))
