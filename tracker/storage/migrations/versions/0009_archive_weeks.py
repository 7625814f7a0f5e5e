"""The weekly archive's files as a backfill found them: `archive_week`.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07

Weeks imported before it have no row yet: the next backfill describes them (the content hash and the
footer's row count, cheap; the rows' digest only when a later file could repeat them), so a file that
repeats one of them is found too.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the table."""
    op.create_table(
        "archive_week",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("content_hash", sa.String(), nullable=True),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(), nullable=True),
        sa.Column("repeats", sa.Date(), nullable=True),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_archive_week")),
    )
    op.create_index(op.f("ix_archive_week_content_hash"), "archive_week", ["content_hash"])


def downgrade() -> None:
    """Drop it."""
    op.drop_index(op.f("ix_archive_week_content_hash"), table_name="archive_week")
    op.drop_table("archive_week")
