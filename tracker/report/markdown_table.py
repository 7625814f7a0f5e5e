"""Markdown tables for the digest: a cell's text with its pipes escaped, and a table of rows."""

from __future__ import annotations


def cell(text: object) -> str:
    """Text for a Markdown table cell: pipes escaped."""
    return str(text).replace("|", "\\|")


def table(header: list[str], rows: list[list[object]], align: str) -> list[str]:
    """A Markdown table; `align`: one letter per column, l or r."""
    marks = {"l": "---", "r": "---:"}
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(marks[a] for a in align) + " |"]
    return lines + ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
