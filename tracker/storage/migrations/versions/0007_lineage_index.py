"""The lineage explorer's index: `lineage_node` and `lineage_link`.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01

Written when a run's roll-ups are (`tracker.storage.rollups`, `tracker.core.lineage_index`), for the latest
two
rolled-up runs. The latest complete runs are marked as not rolled up (`rolled_up_at` empty), so the next
`open_store` writes their roll-ups again with the tracker's own code, the index included
(`tracker.storage.rollups.backfill`); the older runs keep theirs.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

logger = logging.getLogger("tracker.migrations")

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_RELATIONS = ("finetune", "adapter", "quantized", "merge")
# what the explorer reads of a subtree (`tracker.read.explorer.load_subtree`): SQLite's indexes cover it
_LINK_READS = (
    "level",
    "family",
    "relation",
    "depth",
    "downloads_30d",
    "likes",
    "parents",
    "descendants",
    "tree_downloads",
    "tree_models",
)


def upgrade() -> None:
    """Create the tables and their indexes; mark the latest two complete runs for new roll-ups."""
    op.create_table(
        "lineage_node",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("model_id", sa.String(), nullable=False),
        sa.Column("ecosystem", sa.String(), nullable=False),
        sa.Column("family", sa.String(), nullable=False),
        sa.Column("relation", sa.String(), nullable=False),
        sa.Column("depth", sa.Integer(), nullable=False),
        sa.Column("downloads_30d", sa.BigInteger(), nullable=True),
        sa.Column("likes", sa.Integer(), nullable=True),
        sa.Column("order_key", sa.BigInteger(), nullable=False),
        sa.Column("root_id", sa.String(), nullable=False),
        sa.Column("path", sa.String(), nullable=False),
        sa.Column("parents", sa.String(), nullable=False),
        sa.Column("children", sa.Integer(), nullable=False),
        *(sa.Column(f"children_{relation}", sa.Integer(), nullable=False) for relation in _RELATIONS),
        sa.Column("descendants", sa.Integer(), nullable=False),
        sa.Column("subtree_downloads", sa.BigInteger(), nullable=False),
        sa.Column("tree_downloads", sa.Float(), nullable=False),
        sa.Column("tree_models", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"], ["snapshot_run.id"], name=op.f("fk_lineage_node_run_id_snapshot_run")
        ),
        sa.PrimaryKeyConstraint("run_id", "model_id", "ecosystem", name=op.f("pk_lineage_node")),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_lineage_node_search", "lineage_node", ["run_id", "order_key"])
    op.create_index("ix_lineage_node_roots", "lineage_node", ["run_id", "depth", "children"])
    op.create_table(
        "lineage_link",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("ancestor_id", sa.String(), nullable=False),
        sa.Column("ecosystem", sa.String(), nullable=False),
        sa.Column("model_id", sa.String(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("family", sa.String(), nullable=False),
        sa.Column("relation", sa.String(), nullable=False),
        sa.Column("depth", sa.Integer(), nullable=False),
        sa.Column("downloads_30d", sa.BigInteger(), nullable=True),
        sa.Column("likes", sa.Integer(), nullable=True),
        sa.Column("parents", sa.String(), nullable=False),
        sa.Column("descendants", sa.Integer(), nullable=False),
        sa.Column("tree_downloads", sa.Float(), nullable=False),
        sa.Column("tree_models", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"], ["snapshot_run.id"], name=op.f("fk_lineage_link_run_id_snapshot_run")
        ),
        sa.PrimaryKeyConstraint(
            "run_id", "ancestor_id", "ecosystem", "model_id", name=op.f("pk_lineage_link")
        ),
        sqlite_with_rowid=False,
    )
    for size in ("tree_downloads", "tree_models"):
        op.create_index(
            f"ix_lineage_link_{size}",
            "lineage_link",
            ["run_id", "ancestor_id", size, "ecosystem", "model_id"],
        )
    _create_search()
    op.execute(
        "UPDATE snapshot_run SET rolled_up_at = NULL WHERE id IN (SELECT id FROM snapshot_run "
        "WHERE status = 'complete' ORDER BY taken_at DESC, id DESC LIMIT 2)"
    )


def _create_search() -> None:
    """The search's trigram index of model ids (`tracker.storage.tables.MODEL_SEARCH`), where the database
    has one."""
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        try:
            op.execute("CREATE VIRTUAL TABLE model_search USING fts5(model_id, tokenize='trigram')")
        except sa.exc.OperationalError as error:  # an SQLite without FTS5 or its trigram tokenizer
            logger.warning("no search index on this SQLite (%s): the lineage search scans", error)
            return
        op.execute("INSERT INTO model_search(rowid, model_id) SELECT rowid, model_id FROM model")
        op.execute(
            "CREATE TRIGGER model_search_insert AFTER INSERT ON model BEGIN "
            "INSERT INTO model_search(rowid, model_id) VALUES (new.rowid, new.model_id); END"
        )
        op.execute(
            "CREATE TRIGGER model_search_delete AFTER DELETE ON model BEGIN "
            "DELETE FROM model_search WHERE rowid = old.rowid; END"
        )
        op.execute(
            "CREATE TRIGGER model_search_update AFTER UPDATE OF model_id ON model BEGIN "
            "UPDATE model_search SET model_id = new.model_id WHERE rowid = old.rowid; END"
        )
    elif bind.dialect.name == "postgresql":
        savepoint = bind.begin_nested()
        try:
            bind.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        except sa.exc.DBAPIError as error:  # no right to create it: the search scans
            savepoint.rollback()
            logger.warning("no pg_trgm (%s): the lineage search scans", str(error).splitlines()[0])
            return
        savepoint.commit()
        op.execute("CREATE INDEX ix_model_search ON model USING gin (lower(model_id) gin_trgm_ops)")


def downgrade() -> None:
    """Drop them."""
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS model_search_{trigger}")
        op.execute("DROP TABLE IF EXISTS model_search")
    else:
        op.execute("DROP INDEX IF EXISTS ix_model_search")
    for size in ("tree_downloads", "tree_models"):
        op.drop_index(f"ix_lineage_link_{size}", table_name="lineage_link")
    op.drop_table("lineage_link")
    op.drop_index("ix_lineage_node_roots", table_name="lineage_node")
    op.drop_index("ix_lineage_node_search", table_name="lineage_node")
    op.drop_table("lineage_node")
