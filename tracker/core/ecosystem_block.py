"""The ecosystems-file block that starts tracking a base of the whole Hub (`tracker bases BASE_ID` prints
it): an `[[ecosystem]]` named after the base, with one `[[ecosystem.family]]` whose root is the base.

Pure. Every value is written as a TOML basic string with the characters TOML forbids raw (quote, backslash,
control characters, DEL) escaped, so that a Hub id, checked at the door but data all the same, can never
leave its quotes; comments drop what is not printable. The block parses with
`tracker.core.ecosystems.parse_ecosystems`, appended to any valid file whose names it was told.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from tracker.core.ecosystems import OTHER_FAMILY

__all__ = ["ecosystem_block", "ecosystem_name", "toml_string"]

_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}
_NOT_IN_NAME = re.compile(r"[^a-z0-9_-]+")


def toml_string(value: str) -> str:
    """`value` as a TOML basic string, quotes included."""
    out = []
    for char in value:
        if char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04X}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def _comment(text: str) -> str:
    """Text fit for a TOML comment: one line, printable characters only."""
    return "".join(char if char.isprintable() else "?" for char in text)


def ecosystem_name(base_id: str, taken: Iterable[str] = ()) -> str:
    """A name for the base's ecosystem, as the file's rule wants it ([a-z0-9][a-z0-9_-]*): the base's
    name in lower case, other characters as `-`; with `-2`, `-3`, ... when a name in `taken` has it."""
    name = base_id.rsplit("/", 1)[-1].lower()
    slug = _NOT_IN_NAME.sub("-", name).strip("-_") or "base"
    used = {t.lower() for t in taken}
    candidate, n = slug, 1
    while candidate in used:
        n += 1
        candidate = f"{slug}-{n}"
    return candidate


def ecosystem_block(
    base_id: str,
    *,
    whole_namespace: bool = False,
    taken: Iterable[str] = (),
    comments: Sequence[str] = (),
) -> str:
    """The `[[ecosystem]]` block that tracks `base_id` (a `namespace/name` id): named by
    `ecosystem_name` against the names in `taken`, labelled and with one family named after the base's
    name, the base its root; with `whole_namespace`, `authors` = the namespace too (every model of it a
    root). `comments` go first, one `#` line each. Starts with a blank line, to append to a file."""
    label = base_id.rsplit("/", 1)[-1]
    family = base_id if label.lower() == OTHER_FAMILY.lower() else label  # "Other" is reserved
    lines = ["", *(f"# {_comment(c)}" for c in comments), "[[ecosystem]]"]
    lines += [
        f"name = {toml_string(ecosystem_name(base_id, taken))}",
        f"label = {toml_string(label)}",
        "enabled = true",
    ]
    if whole_namespace and "/" in base_id:
        lines.append(f"authors = [{toml_string(base_id.split('/', 1)[0])}]")
    lines += [
        "",
        "  [[ecosystem.family]]",
        f"  name = {toml_string(family)}",
        f"  roots = [{toml_string(base_id)}]",
    ]
    return "\n".join(lines) + "\n"
