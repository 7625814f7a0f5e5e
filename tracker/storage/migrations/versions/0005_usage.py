"""Adoption beyond downloads: each model's parameter count and live inference providers, per run.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the columns, empty for earlier runs (they did not ask the Hub for these values)."""
    with op.batch_alter_table("model_snapshot") as batch:
        batch.add_column(sa.Column("parameters", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("live_providers", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("providers", sa.String(), nullable=True))


def downgrade() -> None:
    """Drop them."""
    with op.batch_alter_table("model_snapshot") as batch:
        batch.drop_column("providers")
        batch.drop_column("live_providers")
        batch.drop_column("parameters")
