"""Where a run's data came from: `hub` for a live snapshot, the archive file for a backfilled one; a
model's `gated` may be unknown (the archive's files do not say).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the run's source; every earlier run was a live snapshot of the Hub."""
    with op.batch_alter_table("snapshot_run") as batch:
        batch.add_column(sa.Column("source", sa.String(), nullable=False, server_default="hub"))
    with op.batch_alter_table("model") as batch:
        batch.alter_column("gated", existing_type=sa.String(), nullable=True)


def downgrade() -> None:
    """Drop the run's source; unknown `gated` values become `false`."""
    op.execute("UPDATE model SET gated = 'false' WHERE gated IS NULL")
    with op.batch_alter_table("model") as batch:
        batch.alter_column("gated", existing_type=sa.String(), nullable=False)
    with op.batch_alter_table("snapshot_run") as batch:
        batch.drop_column("source")
