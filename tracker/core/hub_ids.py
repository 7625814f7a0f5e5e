"""What text from the Hub or an archive file may be: the Hub's id grammar and its four relations.

Every door the tracker reads models through (the Hub's listings and `model_info`, the weekly archive's
files) checks ids against `is_hub_id` and relations through `relation_of`; the ecosystems file's roots and
authors, and the emulator's loader of the real catalogue, use the same rule. Text that passes holds no
markup and no spreadsheet formula: an id is ASCII letters, digits, `-`, `_` and `.`, with at most one `/`,
and each part starts and ends with a letter, a digit or `_` (so never with `=`, `+`, `-` or `@`).
"""

from __future__ import annotations

import re

from tracker.core.records import RELATIONS

# huggingface_hub's `validate_repo_id` (utils/_validators.py), the rule of the Hub's own repo names: an
# optional namespace and a name, each 1 to 96 of [A-Za-z0-9_.-] starting and ending with a word character;
# no `--` nor `..` anywhere; not ending in `.git`. tests/core/test_hub_ids.py holds the two to agree.
_PART = r"[A-Za-z0-9_](?:[A-Za-z0-9_.\-]{0,94}[A-Za-z0-9_])?"
_HUB_ID = re.compile(rf"(?:{_PART}/)?{_PART}", re.ASCII)

# A name the Hub gives from a closed or curated set (`license:` values, `library_name`, `pipeline_tag`,
# providers, `gated`): starts with a letter or a digit; letters, digits and `_.+-:` after.
_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.+:\-]{0,127}", re.ASCII)

UNKNOWN_RELATION = "unknown"  # a relation the Hub does not define (kept with the model, never its text)
DEFAULT_RELATION = "finetune"  # a declared base without a relation: what the Hub infers by default


def is_hub_id(value: object) -> bool:
    """Whether `value` is a Hub model id (`namespace/name` or a legacy `name`)."""
    return (
        isinstance(value, str)
        and _HUB_ID.fullmatch(value) is not None
        and "--" not in value
        and ".." not in value
        and not value.endswith(".git")
    )


def is_namespace(value: object) -> bool:
    """Whether `value` is a Hub user or organisation name (an id's part before `/`)."""
    return is_hub_id(value) and "/" not in value  # type: ignore[operator]


def is_repo_id(value: object) -> bool:
    """Whether `value` is a Hub model id with its namespace (`namespace/name`, as an ecosystems file names
    roots)."""
    return is_hub_id(value) and "/" in value  # type: ignore[operator]


def hub_token(value: object) -> str | None:
    """A name from the Hub's own vocabularies (licence, library, task, provider) as given, or None for
    anything else (kept empty: unknown, never its text)."""
    return value if isinstance(value, str) and _TOKEN.fullmatch(value) else None


def relation_of(value: object) -> str:
    """A declared relation as the tracker keeps it: one of the Hub's four (`RELATIONS`), else `unknown`."""
    return value if isinstance(value, str) and value in RELATIONS else UNKNOWN_RELATION
