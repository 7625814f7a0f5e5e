"""The check at each door a model comes in by (a Hub listing or `model_info`, a row of an archive file),
before it can become a record, a member or a link.

A model whose id, or a declared parent's id, is not a Hub id (`tracker.core.hub_ids`) is refused: the
Hub names no repository so, and such text would reach the digest's HTML as markup or a spreadsheet as a
formula. A relation the Hub does not define is kept, as `unknown` (`tracker.core.lineage.parse_parents`).
Both are counted per door and said in its log: each of the first few, then at each power of ten, with the
count so far, so that a hostile source cannot flood the log; its text is quoted, bounded, on one line.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence

from tracker.core.errors import one_line
from tracker.core.hub_ids import is_hub_id
from tracker.core.lineage import declared_parents
from tracker.core.records import RELATIONS

QUOTE_LIMIT = 120  # characters of a refused id quoted in the log
_EACH = 10  # refusals logged one by one; after them, at each power of ten


def _logged(n: int) -> bool:
    return n <= _EACH or str(n).rstrip("0") == "1"


class Door:
    """Counts and logs what one source (`where`: "the Hub", "archive file 2025-03-12", ...) gave that the
    tracker refuses or cannot name; shared by threads."""

    def __init__(self, logger: logging.Logger, where: str) -> None:
        self.logger = logger
        self.where = where
        self.refused = 0
        self.unknown_relations = 0
        self._seen: set[str] = set()  # a model listed under each of its parents is counted once
        self._lock = threading.Lock()

    def admit_payload(self, item: object) -> bool:
        """Whether a Hub payload (a listing's item, `model_info`'s answer) may become a record."""
        if not isinstance(item, dict):
            return self.refuse(None, f"a {type(item).__name__}, not a model object")
        tags = item.get("tags")
        return self.admit(item.get("id"), item.get("baseModels"), tags if isinstance(tags, list) else ())

    def admit(self, model_id: object, base_models: object, tags: Sequence[str]) -> bool:
        """Whether a model (its id, its `baseModels` as the Hub gives it, its tags) may come in; a refusal
        or an unknown relation is counted and logged."""
        if not is_hub_id(model_id):
            return self.refuse(model_id, "its id is not a Hub id")
        relation, parents = declared_parents(base_models, tags)
        bad = next((p for p in parents if not is_hub_id(p)), None)
        if bad is not None:
            return self.refuse(model_id, f"it names {self._quote(bad)} as a base, which is not a Hub id")
        if parents and relation is not None and relation not in RELATIONS:
            self._unknown(str(model_id))
        return True

    def admit_id(self, model_id: object) -> bool:
        """Whether a model known here by its id alone (a possible root of an archive file) may come in: a
        Hub id, of no model this door refused already."""
        if not is_hub_id(model_id):
            return self.refuse(model_id, "its id is not a Hub id")
        with self._lock:
            return model_id.lower() not in self._seen  # type: ignore[union-attr]

    def refuse(self, model_id: object, why: str) -> bool:
        """Count and log one refused model; False (so that a caller may `return door.refuse(...)`)."""
        key = model_id.lower() if isinstance(model_id, str) else None
        with self._lock:
            if key is not None and key in self._seen:
                return False
            if key is not None:
                self._seen.add(key)
            self.refused += 1
            n = self.refused
        if _logged(n):
            self.logger.warning(
                "%s: refused model %s: %s (%s refused so far)",
                self.where,
                self._quote(model_id),
                why,
                f"{n:,}",
            )
        return False

    def _unknown(self, model_id: str) -> None:
        key = "relation:" + model_id.lower()
        with self._lock:
            if key in self._seen:
                return
            self._seen.add(key)
            self.unknown_relations += 1
            n = self.unknown_relations
        if _logged(n):
            self.logger.info(
                "%s: %s declares a relation the Hub does not define; kept as unknown (%s so far)",
                self.where,
                self._quote(model_id),
                f"{n:,}",
            )

    @staticmethod
    def _quote(value: object) -> str:
        """Text from the source, quoted on one line and bounded (its control characters escaped)."""
        if not isinstance(value, str):
            return type(value).__name__
        return one_line(repr(value[: QUOTE_LIMIT + 1]), limit=QUOTE_LIMIT)
