"""The `expand` values a crawl asks the Hub for, those it can do without, and which of them a 400's
message refuses (`refused_values`): the rules the client follows when a route refuses a request.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

# What every model record of a crawl needs, asked for explicitly: the Hub's default payload lacks
# downloadsAllTime, baseModels and childrenModelCount.
CRAWL_EXPAND = (
    "author",
    "createdAt",
    "lastModified",
    "downloads",
    "downloadsAllTime",
    "likes",
    "trendingScore",
    "tags",
    "library_name",
    "pipeline_tag",
    "gated",
    "baseModels",
    "childrenModelCount",
    "safetensors",
    "gguf",
    "inferenceProviderMapping",
)
# What a crawl can do without, in the order tried when a route refuses a request without saying which
# value it refuses: the real Hub's listings refuse childrenModelCount (and usedStorage), and refused
# baseModels in 2025 (`notes/real-hub-2026.md`). Parents then come from the `base_model:` tags, and
# every member's children are listed. Then the usage values, which no evidence shows refused: without them a
# run lacks sizes and providers, not members.
DROPPABLE_EXPAND = (
    "childrenModelCount",
    "usedStorage",
    "baseModels",
    "inferenceProviderMapping",
    "gguf",
    "safetensors",
)


_LISTED = re.compile(r"\[([^\[\]]*)\]")  # [a, b, c]
_PIPED = re.compile(r"[\w'\"-]+(?:\s*\|\s*[\w'\"-]+){2,}")  # 'a' | 'b' | 'c'
_CULPRIT = re.compile(  # "got X", "received 'X'", "value: X", "unsupported X", "X is not allowed"
    r"(?:got|received|value|unknown|unsupported)\W{0,4}([A-Za-z][\w-]*)"
    r"|([A-Za-z][\w-]*)\W{0,2}\s(?:is\s)?not\s(?:allowed|supported|accepted|valid)",
    re.I,
)


def refused_values(message: str, asked: Sequence[str]) -> list[str]:
    """The asked `expand` values a 400's message refuses: those missing from the list of accepted values
    it gives (`[a, b, ...]`, or `'a' | 'b' | ...`), else those it names as the culprit; [] if neither."""
    lists = [m.group(1).split(",") for m in _LISTED.finditer(message)]
    lists += [m.group(0).split("|") for m in _PIPED.finditer(message)]
    for names in lists:
        accepted = {n.strip().strip("'\"`") for n in names}
        if len(accepted) >= 3 and accepted & set(asked):  # a list of values, some of them ours
            refused = [e for e in asked if e not in accepted]
            if refused:
                return refused
    named = {m.group(1) or m.group(2) for m in _CULPRIT.finditer(message)}
    return [e for e in asked if e in named]
