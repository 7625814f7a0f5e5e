"""The rows' digest that tells a repeated archive week (`tracker.core.week_digest`): the same rows give the
same digest in any order and any slicing; any changed figure, key, or row gives another."""

from __future__ import annotations

import random

import numpy as np
import pyarrow as pa

from tracker.collect.archive_digest import slice_hashes
from tracker.core.week_digest import RowsDigest, text_hashes

Row = tuple[str, str | None, int, int | None, int]


def _rows(n: int, seed: int = 1) -> list[Row]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        oid = f"{rng.getrandbits(96):024x}" if i % 50 else (None if i % 100 == 0 else f"odd-{i}")
        all_time = None if i % 7 == 0 else rng.randrange(10**9)
        out.append((f"org{i % 97}/model-{i}", oid, rng.randrange(10**6), all_time, i % 13))
    return out


def _digest(rows: list[Row], step: int) -> str:
    table = pa.table(
        {
            "id": [r[0] for r in rows],
            "_id": [r[1] for r in rows],
            "downloads": [r[2] for r in rows],
            "downloadsAllTime": [r[3] for r in rows],
            "likes": [r[4] for r in rows],
        }
    )
    digest = RowsDigest()
    for start in range(0, len(rows), step):
        digest.add(slice_hashes(table.slice(start, step), "id"))
    return digest.text


def test_the_same_rows_in_any_order_and_slicing_give_the_same_digest() -> None:
    rows = _rows(5000)
    shuffled = rows[:]
    random.Random(2).shuffle(shuffled)
    assert _digest(rows, 1000) == _digest(shuffled, 777) == _digest(rows, 5000)
    assert _digest(rows, 1000).startswith("5000:")


def test_any_changed_figure_or_key_or_row_gives_another() -> None:
    rows = _rows(5000)
    base = _digest(rows, 1000)
    for column in range(5):
        changed = rows[:]
        row = list(changed[123])
        row[column] = (row[column] or 0) + 1 if column > 1 else "f" * 24
        changed[123] = tuple(row)  # type: ignore[assignment]
        assert _digest(changed, 1000) != base, f"column {column}"
    assert _digest(rows[:-1], 1000) != base
    assert _digest(rows + rows[:1], 1000) != base  # a row twice is not the row once
    nulled = rows[:]
    nulled[10] = (*rows[10][:3], None, rows[10][4])
    assert rows[10][3] is not None
    assert _digest(nulled, 1000) != base  # an absent figure is not a zero


def test_a_string_s_hash_is_its_own_whatever_its_neighbours() -> None:
    """Strings of a multiple of 8 bytes take another path than the others: mixed or alone, the same hash."""
    words = ["a" * 24, "bc", "", "é" * 4, "x" * 16, "0123456789abcdef01234567", "y" * 23]
    data = "".join(words).encode()
    offsets = np.cumsum([0] + [len(w.encode()) for w in words])
    together = text_hashes(offsets, np.frombuffer(data, np.uint8), None)
    for k, word in enumerate(words):
        raw = word.encode()
        alone = text_hashes(np.array([0, len(raw)]), np.frombuffer(raw, np.uint8), None)
        assert alone[0] == together[k], word
    assert len(set(together.tolist())) == len(words)
