"""Errors as people read them: one line, whatever the exception carried (pure)."""

from __future__ import annotations

from collections.abc import Iterable

ELLIPSIS = "…"


def one_line(text: object, *, limit: int | None = None) -> str:
    """Any text on one line: runs of whitespace and newlines become one space, at most `limit` characters.

    A line longer than `limit` is cut at the last word boundary that fits and ends in "…" (the whole
    stays within `limit`); a single word longer than that is cut where it must. An exception with an
    empty message gives its type's name, so a line never ends in nothing.
    """
    line = " ".join(str(text).split())
    if not line and isinstance(text, BaseException):
        line = type(text).__name__
    if limit is None or len(line) <= limit:
        return line
    room = max(limit - len(ELLIPSIS), 0)
    cut = line[: room + 1].rfind(" ")  # a space just past the room still ends a whole word
    kept = line[:cut] if cut > 0 else line[:room]
    return kept.rstrip(" ,;:.([{") + ELLIPSIS


def unknown_name(kind: str, name: str, known: Iterable[str]) -> str:
    """The line that refuses a name nobody knows, naming those known: `unknown ecosystem 'lama' (known:
    llama, qwen)`. One wording for every command that takes names (snapshot, export)."""
    return f"unknown {kind} '{name}' (known: {', '.join(known) or 'none'})"
