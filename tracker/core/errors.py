"""Errors as people read them: one line, whatever the exception carried (pure)."""

from __future__ import annotations


def one_line(text: object, *, limit: int | None = None) -> str:
    """Any text on one line: runs of whitespace and newlines become one space, cut at `limit` characters.

    An exception with an empty message gives its type's name, so a line never ends in nothing.
    """
    line = " ".join(str(text).split())
    if not line and isinstance(text, BaseException):
        line = type(text).__name__
    return line if limit is None else line[:limit]
