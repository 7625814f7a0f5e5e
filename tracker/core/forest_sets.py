"""What makes a derivative *new*: each run's (base, derivative) pairs kept as hashes (pure logic).

A new derivative of a base is one of its derivatives that was not among them in the previous run with the
whole-Hub view (DESIGN.md); so each such run keeps its pairs, never as rows (one per Hub model would be
millions a week) but as one compressed value: for each base in the stored order, its derivatives' lasting
keys hashed to 64 bits (blake2b of the `_id` the Hub gives, which a rename keeps, else of the lower-case
id: Hub ids are case-insensitive), with each derivative's relation. Eight bytes a pair: two derivatives of
one base collide once in about 10^19 pairs, so the counts are exact in practice.

A group of bases (an ecosystem, an organisation, a region, the whole Hub) has its own pairs: (group,
derivative), each derivative once per group; its new derivatives are those the group's bases did not have
between them before.
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from tracker.core.forest import OTHER

_MIX = np.uint64(0x9E3779B97F4A7C15)  # odd: spreads an owner's hash before it is folded into a pair's
_VERSION = b"P1"


def _digest(text: str) -> bytes:
    """The 64-bit hash of a key, case-insensitive (Hub ids are), as 8 little-endian bytes."""
    return hashlib.blake2b(text.lower().encode(), digest_size=8).digest()


def id_hashes(ids: Sequence[str]) -> np.ndarray:
    """Each id's 64-bit hash (of its lower-case form), as unsigned integers."""
    return np.frombuffer(b"".join(_digest(i) for i in ids), dtype="<u8").astype(np.uint64)


def model_key(model_id: str, oid: object) -> int:
    """A derivative's lasting key, hashed: the Hub's `_id` where given (a renamed repo keeps it, so a
    rename does not make a derivative new), else its id (lower-case)."""
    key = oid if isinstance(oid, str) and oid else model_id
    return int.from_bytes(_digest(key), "little")


def encode(node_hashes: np.ndarray, relations: np.ndarray) -> bytes:
    """A run's pairs as one value: the derivatives' hashes (in the bases' stored order) and relations."""
    count = len(node_hashes).to_bytes(8, "little")
    body = np.asarray(node_hashes, "<u8").tobytes() + np.asarray(relations, np.uint8).tobytes()
    return _VERSION + zlib.compress(count + body, 6)


def decode(value: bytes) -> tuple[np.ndarray, np.ndarray]:
    """The hashes and relations `encode` wrote; ValueError for a value it did not write."""
    if not value.startswith(_VERSION):
        raise ValueError("not a stored set of pairs")
    raw = zlib.decompress(value[len(_VERSION) :])
    count = int.from_bytes(raw[:8], "little")
    if len(raw) != 8 + 9 * count:
        raise ValueError("a stored set of pairs is truncated")
    hashes = np.frombuffer(raw, dtype="<u8", count=count, offset=8).astype(np.uint64)
    relations = np.frombuffer(raw, dtype=np.uint8, count=count, offset=8 + 8 * count)
    return hashes, relations


@dataclass(frozen=True)
class Pairs:
    """(owner, derivative) pairs of a run, each once: `keys` (the pair's hash), `owner` (the owner's index
    in the caller's list), `relation` (the derivative's relation code)."""

    keys: np.ndarray
    owner: np.ndarray
    relation: np.ndarray


def pairs(owner_hashes: np.ndarray, owner: np.ndarray, nodes: np.ndarray, relations: np.ndarray) -> Pairs:
    """Pairs keyed by owner and derivative (`owner_hashes[owner[i]]` with `nodes[i]`), duplicates dropped."""
    owner = np.asarray(owner, np.int64)
    with np.errstate(over="ignore"):
        keys = np.asarray(nodes, np.uint64) ^ (np.asarray(owner_hashes, np.uint64)[owner] * _MIX)
    keys, first = np.unique(keys, return_index=True)
    return Pairs(keys, owner[first], np.asarray(relations, np.int64)[first])


def new_counts(now: Pairs, before: Pairs, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Per owner (0..size-1): the pairs of `now` that `before` lacks, in all and by relation
    (`tracker.core.forest.RELATIONS` columns)."""
    fresh = ~np.isin(now.keys, before.keys, assume_unique=True)
    owner = now.owner[fresh]
    by_relation = np.bincount(owner * (OTHER + 1) + now.relation[fresh], minlength=size * (OTHER + 1))
    return np.bincount(owner, minlength=size), by_relation.reshape(size, OTHER + 1)[:, :OTHER]
