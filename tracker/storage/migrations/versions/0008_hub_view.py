"""The whole-Hub view: `hub_base`, `hub_group`, `hub_pairs`, and the run's Hub-wide totals.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07

Earlier runs have no view (their totals stay empty): it is computed from what a run reads of the whole
Hub, which no earlier run kept.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TOTALS = ("hub_models", "hub_derivatives", "hub_new_derivatives")
_RELATIONS = ("finetunes", "adapters", "quantizations", "merges")


def _run_key(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["run_id"], ["snapshot_run.id"], name=op.f(f"fk_{table}_run_id_snapshot_run")
    )


def upgrade() -> None:
    """Add the tables and the run's totals."""
    with op.batch_alter_table("snapshot_run") as batch:
        for name in _TOTALS:
            batch.add_column(sa.Column(name, sa.Integer(), nullable=True))
    op.create_table(
        "hub_base",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("base_id", sa.String(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("hub_oid", sa.String(), nullable=True),
        sa.Column("author", sa.String(), nullable=False),
        sa.Column("organisation", sa.String(), nullable=False),
        sa.Column("region", sa.String(), nullable=False),
        sa.Column("derivatives", sa.Integer(), nullable=False),
        sa.Column("new_derivatives", sa.Integer(), nullable=True),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in _RELATIONS),
        sa.Column("downloads_30d", sa.BigInteger(), nullable=True),
        sa.Column("downloads_all_time", sa.BigInteger(), nullable=True),
        sa.Column("derivative_downloads_30d", sa.BigInteger(), nullable=False),
        sa.Column("ecosystems", sa.String(), nullable=False),
        _run_key("hub_base"),
        sa.PrimaryKeyConstraint("run_id", "base_id", name=op.f("pk_hub_base")),
    )
    op.create_table(
        "hub_group",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("bases", sa.Integer(), nullable=False),
        sa.Column("derivatives", sa.Integer(), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in _RELATIONS),
        sa.Column("derivative_downloads_30d", sa.BigInteger(), nullable=False),
        sa.Column("new_derivatives", sa.Integer(), nullable=True),
        *(sa.Column(f"new_{name}", sa.Integer(), nullable=True) for name in _RELATIONS),
        _run_key("hub_group"),
        sa.PrimaryKeyConstraint("run_id", "kind", "name", name=op.f("pk_hub_group")),
    )
    op.create_table(
        "hub_pairs",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("pairs", sa.LargeBinary(), nullable=False),
        _run_key("hub_pairs"),
        sa.PrimaryKeyConstraint("run_id", name=op.f("pk_hub_pairs")),
    )


def downgrade() -> None:
    """Drop them."""
    for table in ("hub_pairs", "hub_group", "hub_base"):
        op.drop_table(table)
    # A plain DROP COLUMN (SQLite 3.35 and later, PostgreSQL): batch mode would copy `snapshot_run` and
    # drop the original, which the other tables' foreign keys to its rows forbid.
    for name in reversed(_TOTALS):
        op.execute(f"ALTER TABLE snapshot_run DROP COLUMN {name}")  # noqa: S608 - literal names
