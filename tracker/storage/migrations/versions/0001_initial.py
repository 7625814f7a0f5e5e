"""Initial schema: snapshot runs, models, per-run figures, memberships and parent links.

Revision ID: 0001
Revises:
Create Date: 2026-11-28

Hand-checked against `tracker/storage/tables/`. Only plain `sa.*` types: SQLModel's `AutoString` emits
`VARCHAR` and its `UTCDateTime` emits `DateTime(timezone=True)`, so the DDL is theirs without importing
sqlmodel here.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create every table and index."""
    op.create_table(
        "snapshot_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("ecosystems", sa.String(), nullable=False),
        sa.Column("strategy", sa.String(), nullable=False),
        sa.Column("requests", sa.Integer(), nullable=False),
        sa.Column("retries", sa.Integer(), nullable=False),
        sa.Column("models", sa.Integer(), nullable=False),
        sa.Column("error", sa.String(), nullable=True),
        sa.Column("host", sa.String(), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_snapshot_run")),
    )
    op.create_index(op.f("ix_snapshot_run_taken_at"), "snapshot_run", ["taken_at"])
    op.create_index(op.f("ix_snapshot_run_status"), "snapshot_run", ["status"])

    op.create_table(
        "model",
        sa.Column("model_id", sa.String(), nullable=False),
        sa.Column("hub_oid", sa.String(), nullable=True),
        sa.Column("author", sa.String(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_modified", sa.DateTime(timezone=True), nullable=True),
        sa.Column("pipeline_tag", sa.String(), nullable=True),
        sa.Column("library_name", sa.String(), nullable=True),
        sa.Column("license", sa.String(), nullable=True),
        sa.Column("gated", sa.String(), nullable=False),
        sa.Column("tags", sa.String(), nullable=False),
        sa.Column("updated_run_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("model_id", name=op.f("pk_model")),
    )
    op.create_index(op.f("ix_model_hub_oid"), "model", ["hub_oid"])

    op.create_table(
        "model_snapshot",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("model_id", sa.String(), nullable=False),
        sa.Column("downloads_30d", sa.BigInteger(), nullable=True),
        sa.Column("downloads_all_time", sa.BigInteger(), nullable=True),
        sa.Column("likes", sa.Integer(), nullable=True),
        sa.Column("trending_score", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["run_id"], ["snapshot_run.id"], name=op.f("fk_model_snapshot_run_id_snapshot_run")
        ),
        sa.PrimaryKeyConstraint("run_id", "model_id", name=op.f("pk_model_snapshot")),
    )
    op.create_index("ix_model_snapshot_model_id_run_id", "model_snapshot", ["model_id", "run_id"])

    op.create_table(
        "membership",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("ecosystem", sa.String(), nullable=False),
        sa.Column("model_id", sa.String(), nullable=False),
        sa.Column("family", sa.String(), nullable=False),
        sa.Column("relation", sa.String(), nullable=False),
        sa.Column("depth", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"], ["snapshot_run.id"], name=op.f("fk_membership_run_id_snapshot_run")
        ),
        sa.PrimaryKeyConstraint("run_id", "ecosystem", "model_id", name=op.f("pk_membership")),
    )
    op.create_index("ix_membership_ecosystem_run_id", "membership", ["ecosystem", "run_id"])

    op.create_table(
        "run_edge",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("child_id", sa.String(), nullable=False),
        sa.Column("parent_id", sa.String(), nullable=False),
        sa.Column("relation", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"], ["snapshot_run.id"], name=op.f("fk_run_edge_run_id_snapshot_run")
        ),
        sa.PrimaryKeyConstraint("run_id", "child_id", "parent_id", name=op.f("pk_run_edge")),
    )


def downgrade() -> None:
    """Drop everything (indexes go with their tables)."""
    for table in ("run_edge", "membership", "model_snapshot", "model", "snapshot_run"):
        op.drop_table(table)
