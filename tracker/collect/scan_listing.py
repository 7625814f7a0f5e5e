"""What a scan keeps of the whole Hub for the whole-Hub view (`tracker.core.forest`): flat arrays, never a
Python object per model.

Per model: the hash of its lower-case id (Python's `hash`, stable within the process: the parents'
declared ids are matched on it, a false match about once in 10^13 unlisted ids), its relation and whether
it declares a parent, its 30-day downloads. Per model without a parent (a base, possibly): its place in
the crawl's shelf (its id is read back from there for the bases alone) and its all-time downloads. Per
model with a parent (a derivative, possibly): its lasting key, hashed (its `_id`, else its id:
`tracker.core.forest_sets.model_key`). Per declared link: the child's number and the parent's hash. About
30 bytes a model at the real Hub's size (2.2 million models: about 70 MB).
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Sequence

import numpy as np

from tracker.core.forest import Listing, relation_code
from tracker.core.forest_sets import model_key

_PARENT = 8  # in a model's info byte, beside its relation code


def _count(value: object) -> int:
    """A download figure as the Hub gave it; -1 for none (or a value that is not a count)."""
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else -1


class ScanListing:
    """The listing's arrays, filled item by item (`add`), then handed to the forest (`listing`)."""

    def __init__(self) -> None:
        self._hash = array("q")
        self._info = bytearray()
        self._d30 = array("q")
        self._lone = array("q")  # numbers of the models without a parent
        self._lone_at = array("q")  # their places in the shelf
        self._lone_all = array("q")  # their all-time downloads
        self._kin = array("q")  # numbers of the models with a parent
        self._kin_keys = array("Q")  # their lasting keys, hashed (`tracker.core.forest_sets.model_key`)
        self._child = array("q")
        self._parent = array("q")  # the declared parent's hash

    def __len__(self) -> int:
        return len(self._info)

    def add(
        self, key: str, model_id: str, at: int, relation: str | None, parents: Sequence[str], item: dict
    ) -> None:
        """A listed model: its lower-case id, id, place in the shelf, relation, declared parents, payload."""
        n = len(self._info)
        self._hash.append(hash(key))
        self._d30.append(_count(item.get("downloads")))
        if parents:
            self._info.append(relation_code(relation) | _PARENT)
            self._kin.append(n)
            self._kin_keys.append(model_key(model_id, item.get("_id")))
            for parent in parents:
                self._child.append(n)
                self._parent.append(hash(parent.lower()))
        else:
            self._info.append(relation_code(relation))
            self._lone.append(n)
            self._lone_at.append(at)
            self._lone_all.append(_count(item.get("downloadsAllTime")))

    def listing(
        self, read_ids: Callable[[list[int]], list[tuple[str, str | None]]]
    ) -> tuple[
        Listing, Callable[[np.ndarray], list[tuple[str, str | None]]], Callable[[np.ndarray], np.ndarray]
    ]:
        """The forest's input, and the ids of some numbers (`read_ids`: ids at places in the shelf)."""
        # The declared parents' numbers first, the sort's arrays dropped before the others are made.
        hashes = np.frombuffer(self._hash, np.int64) if len(self._hash) else np.zeros(0, np.int64)
        order = np.argsort(hashes, kind="stable")
        ordered = hashes[order]
        del hashes
        wanted = np.frombuffer(self._parent, np.int64) if len(self._parent) else np.zeros(0, np.int64)
        at = np.searchsorted(ordered, wanted)
        at[at == len(ordered)] = 0
        listed = ordered[at] == wanted if len(ordered) else np.zeros(len(wanted), bool)
        del ordered, wanted
        parent = order[at[listed]]
        del order, at
        self._hash, self._parent = array("q"), array("q")
        child = np.frombuffer(self._child, np.int64)[listed] if len(self._child) else np.zeros(0, np.int64)
        self._child = array("q")
        info = np.frombuffer(bytes(self._info), np.uint8)
        self._info = bytearray()
        lone = np.frombuffer(self._lone, np.int64) if len(self._lone) else np.zeros(0, np.int64)
        downloads_all = np.full(len(info), -1, np.int64)
        if len(lone):
            downloads_all[lone] = np.frombuffer(self._lone_all, np.int64)
        listing = Listing(
            child=child,
            parent=parent,
            has_parent=(info & _PARENT) > 0,
            relation=(info & (_PARENT - 1)).astype(np.int8),
            downloads_30d=np.frombuffer(self._d30, np.int64)  # a view: the arrays take no more items
            if len(self._d30)
            else np.zeros(0, np.int64),
            downloads_all_time=downloads_all,
        )
        kin = np.frombuffer(self._kin, np.int64) if len(self._kin) else np.zeros(0, np.int64)
        lone_at = np.frombuffer(self._lone_at, np.int64) if len(self._lone_at) else np.zeros(0, np.int64)

        kin_keys = np.frombuffer(self._kin_keys, np.uint64) if len(self._kin_keys) else np.zeros(0, np.uint64)

        def ids_of(numbers: np.ndarray) -> list[tuple[str, str | None]]:
            """The ids and `_id`s of models without a parent (the bases), read back from the shelf."""
            places = lone_at[np.searchsorted(lone, np.asarray(numbers, np.int64))]
            return read_ids(places.tolist())

        def keys_of(numbers: np.ndarray) -> np.ndarray:
            """The lasting keys' hashes of models with a parent (the derivatives)."""
            return kin_keys[np.searchsorted(kin, np.asarray(numbers, np.int64))]

        return listing, ids_of, keys_of
