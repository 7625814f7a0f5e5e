"""Roll-ups written when a run completes: stored deltas, per-run aggregates, builders and movers boards.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28

Existing complete runs get their roll-ups on the next `open_store` (`tracker.storage.rollups.backfill`), since
they are computed by the tracker's own code, which a migration should not import.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_GROUP = ("run_id", "ecosystem", "family", "relation")


def _group_columns() -> list[sa.Column]:
    return [
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("ecosystem", sa.String(), nullable=False),
        sa.Column("family", sa.String(), nullable=False),
        sa.Column("relation", sa.String(), nullable=False),
    ]


def _run_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["run_id"], ["snapshot_run.id"], name=op.f(f"fk_{table}_run_id_snapshot_run")
    )


def upgrade() -> None:
    """Add the columns, the roll-up tables and the explorer's indexes."""
    with op.batch_alter_table("snapshot_run") as batch:
        batch.add_column(sa.Column("rolled_up_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("membership") as batch:
        batch.add_column(sa.Column("downloads_delta", sa.BigInteger(), nullable=True))
    op.create_index("ix_run_edge_run_id_parent", "run_edge", ["run_id", sa.text("lower(parent_id)")])
    op.create_index("ix_membership_model_id_run_id", "membership", ["model_id", "run_id"])

    op.create_table(
        "rollup",
        *_group_columns(),
        sa.Column("license", sa.String(), nullable=False),
        sa.Column("format", sa.String(), nullable=False),
        sa.Column("models", sa.Integer(), nullable=False),
        sa.Column("new", sa.Integer(), nullable=True),
        sa.Column("downloads_30d", sa.BigInteger(), nullable=False),
        sa.Column("downloads_delta", sa.BigInteger(), nullable=True),
        sa.Column("with_delta", sa.Integer(), nullable=False),
        sa.Column("negative_deltas", sa.Integer(), nullable=False),
        sa.Column("negative_sum", sa.BigInteger(), nullable=False),
        sa.Column("weeks", sa.Float(), nullable=True),
        _run_fk("rollup"),
        sa.PrimaryKeyConstraint(*_GROUP, "license", "format", name=op.f("pk_rollup")),
    )
    op.create_table(
        "rollup_builder",
        *_group_columns(),
        sa.Column("author", sa.String(), nullable=False),
        sa.Column("derivatives", sa.Integer(), nullable=False),
        sa.Column("downloads_30d", sa.BigInteger(), nullable=False),
        sa.Column("weekly_downloads", sa.BigInteger(), nullable=True),
        _run_fk("rollup_builder"),
        sa.PrimaryKeyConstraint(*_GROUP, "author", name=op.f("pk_rollup_builder")),
    )
    op.create_table(
        "rollup_mover",
        *_group_columns(),
        sa.Column("board", sa.String(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("model_id", sa.String(), nullable=False),
        sa.Column("author", sa.String(), nullable=True),
        sa.Column("weekly_downloads", sa.BigInteger(), nullable=True),
        sa.Column("weekly_downloads_before", sa.BigInteger(), nullable=True),
        sa.Column("change", sa.BigInteger(), nullable=True),
        sa.Column("relative_change", sa.Float(), nullable=True),
        _run_fk("rollup_mover"),
        sa.PrimaryKeyConstraint(*_GROUP, "board", "rank", name=op.f("pk_rollup_mover")),
    )


def downgrade() -> None:
    """Drop the roll-ups and the added columns."""
    for table in ("rollup_mover", "rollup_builder", "rollup"):
        op.drop_table(table)
    op.drop_index("ix_membership_model_id_run_id", table_name="membership")
    op.drop_index("ix_run_edge_run_id_parent", table_name="run_edge")
    with op.batch_alter_table("membership") as batch:
        batch.drop_column("downloads_delta")
    with op.batch_alter_table("snapshot_run") as batch:
        batch.drop_column("rolled_up_at")
