"""The metadata's naming convention for constraints and indexes, set before any table is made.

Named constraints, so that later migrations can drop or alter them (SQLite's batch mode needs names).
SQLAlchemy names a table's constraints as they attach to it: every table module imports this one first.
"""

from __future__ import annotations

from sqlmodel import SQLModel

SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
