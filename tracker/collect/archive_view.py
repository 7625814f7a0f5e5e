"""An archive file's whole Hub as the forest's input (`tracker.core.forest.Listing`), from what the file's
reading already holds: the spill (every row's columns, on disk) and the declared links (`Edges`).

No Python object per row: the declared parents' ids and `_id`s (the links' dictionaries) are matched
against the spill's ids a spilled batch at a time (`index_in`), each link's parent becomes a row number
(by `_id` first, as the search follows a renamed base, then by id), and the rows' downloads are read
into two integer arrays. Ids are read back from the spill only for the bases; the derivatives' keys
come from the links' own columns (child id and `_id`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.ipc as ipc

from tracker.core.forest import OTHER, Listing, relation_code
from tracker.core.forest_sets import model_key

_NONE = np.iinfo(np.int64).max


def _counts(batch: pa.RecordBatch, name: str) -> np.ndarray:
    """A download column as integers, -1 where the file gives none (or lacks the column)."""
    if name not in batch.schema.names:
        return np.full(batch.num_rows, -1, np.int64)
    column = pc.cast(batch.column(name), pa.int64(), safe=False)
    return np.asarray(pc.fill_null(column, -1).to_numpy(zero_copy_only=False), np.int64)


def _first_rows(found: pa.Array, offset: int, into: np.ndarray) -> None:
    """Each matched value's first row: `found` is the dictionary index of each row's value, or null."""
    rows = np.flatnonzero(~np.asarray(pc.is_null(found).to_numpy(zero_copy_only=False), bool))
    if len(rows):
        at = np.asarray(pc.take(found, pa.array(rows)).to_numpy(zero_copy_only=False), np.int64)
        np.minimum.at(into, at, rows + offset)


def archive_listing(
    spill_path: str, offsets: Sequence[int], edges: pa.Table, id_column: str
) -> tuple[Listing, Callable[[np.ndarray], list[tuple[str, str | None]]], Callable[[np.ndarray], np.ndarray]]:
    """The forest's input for the file's rows, the ids of some rows (the bases'), and the lasting keys'
    hashes of others (the derivatives': `tracker.core.forest_sets.model_key`, from the links' columns)."""
    n = int(offsets[-1])
    keys = edges["parent_key"].combine_chunks()
    oids = edges["parent_oid"].combine_chunks()
    key_row = np.full(len(keys.dictionary), _NONE, np.int64)
    oid_row = np.full(len(oids.dictionary), _NONE, np.int64)
    d30 = np.empty(n, np.int64)
    d_all = np.empty(n, np.int64)
    with pa.OSFile(spill_path, "rb") as source:  # a batch read, used, dropped: never all its pages mapped
        spill = ipc.open_file(source)
        for g in range(spill.num_record_batches):
            batch = spill.get_batch(g)
            start = int(offsets[g])
            _first_rows(
                pc.index_in(pc.utf8_lower(batch.column(id_column)), value_set=keys.dictionary), start, key_row
            )
            if "_id" in batch.schema.names and len(oids.dictionary):
                _first_rows(pc.index_in(batch.column("_id"), value_set=oids.dictionary), start, oid_row)
            d30[start : start + batch.num_rows] = _counts(batch, "downloads")
            d_all[start : start + batch.num_rows] = _counts(batch, "downloadsAllTime")
            del batch
    pa.default_memory_pool().release_unused()  # the batches read: their buffers back to the system
    child = np.asarray(edges["child_row"].to_numpy(), np.int64)
    by_key = key_row[np.asarray(keys.indices.to_numpy(zero_copy_only=False), np.int64)]
    oid_index = np.asarray(pc.fill_null(oids.indices, -1).to_numpy(zero_copy_only=False), np.int64)
    by_oid = np.where(oid_index >= 0, oid_row[np.maximum(oid_index, 0)], _NONE) if len(oid_row) else by_key
    parent = np.where(by_oid != _NONE, by_oid, by_key)
    listed = parent != _NONE
    relations = edges["relation"].combine_chunks()
    codes = np.asarray([relation_code(r) for r in relations.dictionary.to_pylist()] or [0], np.int8)
    relation = np.zeros(n, np.int8)
    if len(child):
        index = np.asarray(pc.fill_null(relations.indices, -1).to_numpy(zero_copy_only=False), np.int64)
        relation[child] = np.where(index >= 0, codes[np.maximum(index, 0)], OTHER)
    listing = Listing(
        child=child[listed],
        parent=parent[listed],
        has_parent=np.bincount(child, minlength=n)[:n] > 0 if n else np.zeros(0, bool),
        relation=relation,
        downloads_30d=d30,
        downloads_all_time=d_all,
    )

    def ids_of(rows: np.ndarray) -> list[tuple[str, str | None]]:
        rows = np.asarray(rows, np.int64)
        out: list[tuple[str, str | None]] = [("", None)] * len(rows)
        order = np.argsort(rows, kind="stable")
        ordered = rows[order]
        with pa.OSFile(spill_path, "rb") as source:  # a batch read, used, dropped: never all its pages mapped
            spill = ipc.open_file(source)
            for g in range(spill.num_record_batches):
                lo, hi = np.searchsorted(ordered, [offsets[g], offsets[g + 1]])
                if lo == hi:
                    continue
                batch = spill.get_batch(g)
                picked = pa.array(ordered[lo:hi] - offsets[g])
                taken = pc.take(batch.column(id_column), picked).to_pylist()
                oids = (
                    pc.take(batch.column("_id"), picked).to_pylist()
                    if "_id" in batch.schema.names
                    else [None] * len(taken)
                )
                for j, model_id, oid in zip(order[lo:hi], taken, oids, strict=True):
                    out[j] = (model_id, oid)
        return out

    kin, first = np.unique(child, return_index=True)
    taken = pa.array(first, pa.int64())
    kin_keys = np.fromiter(
        (
            model_key(model_id, oid)
            for model_id, oid in zip(
                pc.take(edges["child_id"], taken).to_pylist(),
                pc.take(edges["child_oid"], taken).to_pylist(),
                strict=True,
            )
        ),
        np.uint64,
        count=len(kin),
    )

    def keys_of(rows: np.ndarray) -> np.ndarray:
        return kin_keys[np.searchsorted(kin, np.asarray(rows, np.int64))]

    return listing, ids_of, keys_of
