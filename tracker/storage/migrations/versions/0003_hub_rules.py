"""The Hub's rules as runs learn them: each run's endpoint and the `expand` values its listings refuse;
the roots' child counts by relation.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the run's endpoint and listing rules, and the child-count table."""
    with op.batch_alter_table("snapshot_run") as batch:
        batch.add_column(sa.Column("endpoint", sa.String(), nullable=True))
        batch.add_column(sa.Column("listing_refuses", sa.String(), nullable=True))
        batch.add_column(sa.Column("listing_checked_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "child_count",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("model_id", sa.String(), nullable=False),
        sa.Column("relation", sa.String(), nullable=False),
        sa.Column("children", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"], ["snapshot_run.id"], name=op.f("fk_child_count_run_id_snapshot_run")
        ),
        sa.PrimaryKeyConstraint("run_id", "model_id", "relation", name=op.f("pk_child_count")),
    )


def downgrade() -> None:
    """Drop the child-count table and the run's rule columns."""
    op.drop_table("child_count")
    with op.batch_alter_table("snapshot_run") as batch:
        batch.drop_column("listing_checked_at")
        batch.drop_column("listing_refuses")
        batch.drop_column("endpoint")
