"""Roll-ups by size class and by live inference provider; an index of the roots.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02

`rollup` gains `size_class` in its key (existing rows: `unknown`) and the provider sums; the new
`rollup_provider` holds each provider's live members. Every complete run is then marked as not rolled up
(`rolled_up_at` empty), so the next `open_store` writes its roll-ups again with the tracker's own code
(`tracker.storage.rollups.backfill`, as for revision 0002), size classes and providers included.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_KEY = ("run_id", "ecosystem", "family", "relation", "license", "format")
_COUNTS = ("with_providers", "live_models", "provider_pairs")


def upgrade() -> None:
    """Add the columns, the table and the index; mark the runs for new roll-ups."""
    with op.batch_alter_table("rollup") as batch:
        batch.add_column(sa.Column("size_class", sa.String(), nullable=False, server_default="unknown"))
        for name in _COUNTS:
            batch.add_column(sa.Column(name, sa.Integer(), nullable=False, server_default="0"))
        batch.drop_constraint("pk_rollup", type_="primary")
        batch.create_primary_key("pk_rollup", [*_KEY, "size_class"])
    op.create_table(
        "rollup_provider",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("ecosystem", sa.String(), nullable=False),
        sa.Column("family", sa.String(), nullable=False),
        sa.Column("relation", sa.String(), nullable=False),
        sa.Column("provider", sa.String(), nullable=False),
        sa.Column("models", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"], ["snapshot_run.id"], name=op.f("fk_rollup_provider_run_id_snapshot_run")
        ),
        sa.PrimaryKeyConstraint(
            "run_id", "ecosystem", "family", "relation", "provider", name=op.f("pk_rollup_provider")
        ),
    )
    op.create_index(
        "ix_membership_roots",
        "membership",
        ["depth", "run_id", "ecosystem", "model_id"],
        sqlite_where=sa.text("depth = 0"),
        postgresql_where=sa.text("depth = 0"),
    )
    op.execute("UPDATE snapshot_run SET rolled_up_at = NULL WHERE status = 'complete'")


def downgrade() -> None:
    """Drop them; the roll-ups by size class collapse into one row per group again."""
    op.drop_index("ix_membership_roots", table_name="membership")
    op.drop_table("rollup_provider")
    op.execute("DELETE FROM rollup WHERE size_class <> 'unknown'")  # the older key cannot hold them
    op.execute("UPDATE snapshot_run SET rolled_up_at = NULL WHERE status = 'complete'")
    with op.batch_alter_table("rollup") as batch:
        batch.drop_constraint("pk_rollup", type_="primary")
        batch.create_primary_key("pk_rollup", list(_KEY))
        for name in reversed(_COUNTS):
            batch.drop_column(name)
        batch.drop_column("size_class")
