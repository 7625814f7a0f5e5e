"""Whether two weekly archive files hold the same data: a digest of their rows that no order of the rows,
no row grouping and no compression changes (pure logic: arrays in, a digest out).

The archive copies the last daily dump before each date, so a week without a new dump repeats the week
before: the same file, or the same rows written again (DESIGN.md, "History before the first snapshot").
The content hash catches the first; this digest the second. Each row is hashed from what the tracker
records of it and what changes every week on the real Hub (its id and `_id`, its 30-day and all-time
downloads, its likes), and the file's digest is its row count and two independent 64-bit sums of those
hashes modulo 2^64: a sum does not depend on the order of its terms. Two files of different weeks share
it only if every row's figures are the same, which never happens on a Hub whose downloads move every
day; a chance collision of both sums is about one in 10^38.

Text is hashed from its UTF-8 bytes and offsets (as Arrow holds a string column), for a slice of rows at
once, never a Python call per row.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

_MASK = (1 << 64) - 1
_BASE = np.uint64(0x100000001B3)  # the polynomial's base (FNV's prime): odd
_NULL = np.uint64(0xA0761D6478BD642F)  # what an absent value hashes from
_SECOND = np.uint64(0xE7037ED1A0B428DB)  # moves a row's hash before the second sum
_POWERS_GROW = 256


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser on unsigned 64-bit integers (wrapping arithmetic)."""
    z = x + np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


_powers = np.ones(1, dtype=np.uint64)


def _powers_to(n: int) -> np.ndarray:
    """_BASE ** k for k < n, modulo 2^64."""
    global _powers
    if len(_powers) < n:
        size = max(n, len(_powers) + _POWERS_GROW)
        grown = np.empty(size, dtype=np.uint64)
        grown[0] = 1
        with np.errstate(over="ignore"):
            for k in range(1, size):
                grown[k] = grown[k - 1] * _BASE
        _powers = grown
    return _powers[:n]


def _polynomial(offsets: np.ndarray, body: np.ndarray) -> np.ndarray:
    """Strings' hashes as a polynomial over their bytes (any lengths): a few passes over the bytes."""
    lengths = np.diff(offsets)
    position = np.arange(len(body), dtype=np.int64) - np.repeat(offsets[:-1], lengths)
    terms = (body.astype(np.uint64) + np.uint64(1)) * _powers_to(int(lengths.max(initial=0)) + 1)[position]
    sums = np.concatenate([np.zeros(1, dtype=np.uint64), np.cumsum(terms, dtype=np.uint64)])
    return (sums[offsets[1:]] - sums[offsets[:-1]]) ^ lengths.astype(np.uint64)


def _words(starts: np.ndarray, length: int, body: np.ndarray) -> np.ndarray:
    """Hashes of strings of one length, a multiple of 8, folded from their 8-byte words: one gather of
    their bytes (the Hub's `_id`s, 24 hexadecimal digits each, all take this way)."""
    gathered = body[starts[:, None] + np.arange(length, dtype=np.int64)]
    words = np.ascontiguousarray(gathered).view("<u8")
    folded = np.full(len(starts), np.uint64(length), dtype=np.uint64)
    for k in range(words.shape[1]):
        folded = _mix(folded ^ words[:, k])
    return folded


def text_hashes(offsets: np.ndarray, data: np.ndarray, valid: np.ndarray | None) -> np.ndarray:
    """Each string's 64-bit hash from a string column's `offsets` (n + 1 of them, into `data`) and its
    bytes (`data`, uint8); `valid`: False where the value is absent (None: every value is there).

    A string whose length is a positive multiple of 8 is hashed from its words, any other as a polynomial
    over its bytes: a string's hash depends on it alone, never on the strings beside it."""
    offsets = np.asarray(offsets, dtype=np.int64)
    n = len(offsets) - 1
    if n <= 0:
        return np.zeros(0, dtype=np.uint64)
    start, end = int(offsets[0]), int(offsets[-1])
    body = np.asarray(data[start:end], dtype=np.uint8)
    relative = offsets - start
    lengths = np.diff(relative)
    worded = (lengths > 0) & (lengths % 8 == 0)
    hashes = np.empty(n, dtype=np.uint64)
    for length in np.unique(lengths[worded]):
        rows = np.flatnonzero(lengths == length)
        hashes[rows] = _words(relative[:-1][rows], int(length), body)
    rest = np.flatnonzero(~worded)
    if len(rest) == n:
        hashes = _polynomial(relative, body)
    elif len(rest):
        # The other strings, packed: their own offsets and bytes.
        rest_lengths = lengths[rest]
        rest_offsets = np.concatenate([np.zeros(1, dtype=np.int64), np.cumsum(rest_lengths)])
        take = np.repeat(relative[:-1][rest], rest_lengths) + (
            np.arange(int(rest_offsets[-1]), dtype=np.int64) - np.repeat(rest_offsets[:-1], rest_lengths)
        )
        hashes[rest] = _polynomial(rest_offsets, body[take])
    hashes = _mix(hashes)
    if valid is not None:
        hashes = np.where(np.asarray(valid, dtype=bool), hashes, _NULL)
    return hashes


def number_hashes(values: np.ndarray, valid: np.ndarray | None) -> np.ndarray:
    """Each integer's 64-bit hash; `valid`: False where the value is absent."""
    hashes = _mix(np.asarray(values, dtype=np.int64).view(np.uint64))
    if valid is not None:
        hashes = np.where(np.asarray(valid, dtype=bool), hashes, _NULL)
    return hashes


@dataclass
class RowsDigest:
    """The digest of rows added slice by slice: `add` each slice's columns' hashes (the same columns in
    the same order for every slice and every file compared), then `text`."""

    rows: int = 0
    first: int = 0
    second: int = 0

    def add(self, columns: list[np.ndarray]) -> None:
        """One slice: a hash per row for each column (`text_hashes`, `number_hashes`), in a fixed order."""
        if not columns or not len(columns[0]):
            return
        row = np.zeros(len(columns[0]), dtype=np.uint64)
        for k, hashes in enumerate(columns):
            row = _mix(row ^ (hashes + np.uint64(k)))
        self.rows += len(row)
        self.first = (self.first + int(row.sum(dtype=np.uint64))) & _MASK
        self.second = (self.second + int(_mix(row ^ _SECOND).sum(dtype=np.uint64))) & _MASK

    @property
    def text(self) -> str:
        """The digest as stored: `<rows>:<first sum><second sum>` in hexadecimal."""
        return f"{self.rows}:{self.first:016x}{self.second:016x}"
