"""Data as Markdown text (`text`), a table cell (`cell`, pipes escaped too) and a table of rows: the one
escaping of the digest and the notifications.

The digest's Markdown becomes HTML through Python-Markdown, and a notification's through Apprise's
converter for e-mail; both pass raw HTML through and make links of `[text](url)`. So every data string
(ids, families, relations, labels, alert lines) goes through `text` on its way into Markdown: `&`, `<` and
`>` as HTML entities (so no tag is ever live), and a backslash before what Markdown would read as a link,
an image, code, emphasis or a heading. A Hub id reads as itself (`_` inside a word is no emphasis).
"""

from __future__ import annotations

import html
import re

# What Markdown reads, escaped with a backslash: the backslash itself, code, emphasis, links and images
# (their brackets), headings; `_` only where it could open or close emphasis (not inside a word).
_PUNCTUATION = re.compile(r"[\\`*\[\]#]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")


def text(value: object) -> str:
    """Data as Markdown text that shows as written: one line, no live markup."""
    line = " ".join(str(value).split())
    return html.escape(_PUNCTUATION.sub(lambda m: "\\" + m.group(0), line), quote=False)


def cell(value: object) -> str:
    """Data for a Markdown table cell: `text`, with its pipes escaped."""
    return text(value).replace("|", "\\|")


def table(header: list[str], rows: list[list[object]], align: str) -> list[str]:
    """A Markdown table; `align`: one letter per column, l or r. Every cell is data (`cell`)."""
    marks = {"l": "---", "r": "---:"}
    lines = [
        "| " + " | ".join(cell(h) for h in header) + " |",
        "| " + " | ".join(marks[a] for a in align) + " |",
    ]
    return lines + ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
