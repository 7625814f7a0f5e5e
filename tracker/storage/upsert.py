"""The upsert every save uses: `INSERT ... ON CONFLICT (key) DO UPDATE`, compiled once per dialect,
table and columns, then run as one executemany of plain tuples (SQLite and PostgreSQL alike).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlmodel import Session, SQLModel

_PYFORMAT = re.compile(r"%\((\w+)\)s")  # a named placeholder of the `pyformat` style (psycopg)


@dataclass(frozen=True, slots=True)
class _UpsertPlan:
    """A compiled upsert, and how to turn rows (tuples in the caller's column order) into its parameters.

    Fields:
        sql: the dialect's `INSERT ... ON CONFLICT (key) DO UPDATE SET <every other column>`.
        key: the positions of the primary key's columns in a row.
        order: the row positions in the order of the statement's parameters; None when they match.
        processors: (parameter position, the column type's bind processing), for the columns that have
            any (SQLModel's UTCDateTime: refuse naive values, store UTC).
        names: the parameters' names when the driver wants dicts; None when it wants tuples.
    """

    sql: str
    key: tuple[int, ...]
    order: tuple[int, ...] | None
    processors: tuple[tuple[int, Callable[[Any], Any]], ...]
    names: tuple[str, ...] | None


@functools.lru_cache(maxsize=64)
def _upsert_plan(dialect: Dialect, model: type[SQLModel], columns: tuple[str, ...]) -> _UpsertPlan:
    """Build and compile the upsert of these columns once per dialect."""
    table = SQLModel.metadata.tables[model.__tablename__]  # type: ignore[attr-defined]
    keys = [column.name for column in table.primary_key.columns]
    insert = postgresql.insert(table) if dialect.name == "postgresql" else sqlite.insert(table)
    statement = insert.on_conflict_do_update(
        index_elements=keys, set_={name: insert.excluded[name] for name in columns if name not in keys}
    )
    compiled = statement.compile(dialect=dialect, column_keys=list(columns))
    sql, names = compiled.string, None
    if compiled.positional:
        params = tuple(compiled.positiontup or ())
    elif dialect.paramstyle == "pyformat":
        # psycopg checks and reorders a dict per row against the query's names: a fifth of its executemany
        # time. Tuples against `%s` placeholders (the same statement) skip that.
        found: list[str] = []
        sql = _PYFORMAT.sub(lambda m: found.append(m.group(1)) or "%s", sql)
        params = tuple(found)
    else:
        params = names = columns
    order = tuple(columns.index(name) for name in params)
    processors = [
        (position, table.c[name].type.dialect_impl(dialect).bind_processor(dialect))
        for position, name in enumerate(params)
    ]
    return _UpsertPlan(
        sql=sql,
        key=tuple(columns.index(name) for name in keys),
        order=None if order == tuple(range(len(columns))) else order,
        processors=tuple((position, process) for position, process in processors if process is not None),
        names=names,
    )


def upsert(
    session: Session, model: type[SQLModel], columns: tuple[str, ...], rows: Iterable[tuple[Any, ...]]
) -> None:
    """Insert rows, or update every non-key column of the rows already there: one executemany."""
    plan = _upsert_plan(session.get_bind().dialect, model, columns)
    # A key twice in one statement is an error on PostgreSQL (ON CONFLICT cannot touch a row twice):
    # keep the last, as a later upsert would.
    key_of = itemgetter(*plan.key)
    params: list[Any] = list({key_of(row): row for row in rows}.values())
    if not params:
        return
    # The statement is compiled once and the types' bind processing applied here, only where there is
    # any: SQLAlchemy's per-row parameter handling costs more than SQLite's executemany itself (issue #7).
    if plan.order is not None:
        reorder = itemgetter(*plan.order)
        params = [reorder(row) for row in params]
    if plan.processors:
        params = [_processed(row, plan.processors) for row in params]
    if plan.names is not None:
        params = [dict(zip(plan.names, row, strict=True)) for row in params]
    session.connection().exec_driver_sql(plan.sql, params)


def _processed(
    row: tuple[Any, ...], processors: tuple[tuple[int, Callable[[Any], Any]], ...]
) -> tuple[Any, ...]:
    """The row with the bind processing applied where the plan says."""
    values = list(row)
    for position, process in processors:
        values[position] = process(values[position])
    return tuple(values)
