"""The shape of the data dictionary's entries: an exported `Table` (its grain, filters and notes) and each
of its `Column`s (name, kind, meaning, unit, whether it can be empty, caveats). Import-light, as the
dictionary is: the command line reads it to build its help.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Kind = Literal["integer", "text", "timestamp"]
TableName = Literal["history", "models", "edges", "runs", "bases"]


@dataclass(frozen=True)
class Column:
    """One exported column.

    Fields:
        name: the column's name in every format.
        kind: integer (64-bit), text or timestamp (an instant in UTC).
        meaning: what a value says, in a sentence or two.
        unit: what the number counts, when it is a number.
        nullable: whether the column can be empty; an empty value is missing, never zero.
        caveats: what a reader must know before drawing conclusions from it.
    """

    name: str
    kind: Kind
    meaning: str
    unit: str = ""
    nullable: bool = False
    caveats: str = ""


@dataclass(frozen=True)
class Table:
    """One exportable table.

    Fields:
        name: the TABLE argument of `tracker export`.
        grain: what one row is.
        columns: the columns, in export order.
        time_column: the column `--since` and `--until` filter on (inclusive).
        filters: the other filters that apply: `ecosystem`, `family`, `region`, `organisation`.
        notes: what holds for the table as a whole.
    """

    name: TableName
    grain: str
    columns: tuple[Column, ...]
    time_column: str
    filters: tuple[str, ...] = field(default=())
    notes: str = ""

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)
