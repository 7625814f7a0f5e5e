"""Which rules the emulated Hub applies to `expand`, named for the Hub they model.

- `2026` (the default): the real Hub as public evidence shows it (`notes/real-hub-2026.md`).
  Listings (`GET /api/models`) refuse `expand=childrenModelCount` and `usedStorage` with 400 and
  `{"error": ...}` naming the values they accept; `baseModels` is accepted. On `model_info`,
  `childrenModelCount` is an object of counts by relation (`{"adapter": 716, "merge": 19,
  "quantized": 190, "finetune": 328}`, every relation present).
- `2025`: as in mid-2025, listings also refuse `baseModels` (parents come from the tags only).
- `lenient`: listings accept every value, and `childrenModelCount` is an integer everywhere: the
  emulator's behaviour before the evidence, kinder than the real Hub (a tree crawl spares leaves).

Any of them can refuse more values on listings (`expand_rules(name, also_refuse=...)`, the emulator's
`listing_refuses`), with the same 400: for tests of a client that drops a refused value alone and asks
again (a Hub refusing `inferenceProviderMapping`, or `safetensors` and `gguf`, on listings).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from tracker.emulator.payloads import EXPAND_PROPERTIES


@dataclass(frozen=True)
class ExpandRules:
    """One set of rules.

    Fields:
        name: `2026`, `2025` or `lenient`.
        listing_refuses: `expand` values a listing answers with 400.
        counts_by_relation: whether `childrenModelCount` is an object of counts by relation (else an int).
    """

    name: str
    listing_refuses: tuple[str, ...]
    counts_by_relation: bool


RULES: dict[str, ExpandRules] = {
    "2026": ExpandRules("2026", ("childrenModelCount", "usedStorage"), True),
    "2025": ExpandRules("2025", ("baseModels", "childrenModelCount", "usedStorage"), True),
    "lenient": ExpandRules("lenient", (), False),
}
DEFAULT_RULES = "2026"


def expand_rules(name: str, *, also_refuse: Iterable[str] = ()) -> ExpandRules:
    """The rules of this name, refusing also the `expand` values `also_refuse` on listings; ValueError
    naming the known rules, or the valid values, otherwise."""
    try:
        rules = RULES[name]
    except KeyError:
        raise ValueError(f"unknown listing rules {name!r} (known: {', '.join(RULES)})") from None
    extra = [v for v in dict.fromkeys(also_refuse) if v not in rules.listing_refuses]
    for value in extra:
        if value not in EXPAND_PROPERTIES:
            raise ValueError(f"cannot refuse {value!r}: not an expand value ({', '.join(EXPAND_PROPERTIES)})")
    return replace(rules, listing_refuses=(*rules.listing_refuses, *extra)) if extra else rules
