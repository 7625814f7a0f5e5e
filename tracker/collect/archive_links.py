"""The declared parent links of an archive file's rows, as Arrow arrays (`edges_of`, a row group at a
time), and the index the search walks over them (`ChildIndex`: a vectorised match per level of the ids
and `_id`s of its parents). Parents are followed by `_id` as well as by id, so that a base renamed since
it was declared is still found.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.compute as pc

from tracker.collect.archive_records import UnreadableValue, declared_oids, parse_base_models
from tracker.collect.doors import Door
from tracker.core.lineage import Node, parse_parents

logger = logging.getLogger("tracker.archive_file")  # kept: operators filter on it

_TAG = "base_model:"


@dataclass(frozen=True, slots=True, eq=False)
class Row:
    """A model of the file as the search sees it: id, relation, `_id`, and its row in the spill."""

    model_id: str
    relation: str | None
    oid: str | None
    row: int


@dataclass
class Edges:
    """Declared parent links of the file's rows, as Arrow arrays (one entry per link)."""

    child_row: list[pa.Array] = field(default_factory=list)
    child_id: list[pa.Array] = field(default_factory=list)
    child_oid: list[pa.Array] = field(default_factory=list)
    relation: list[pa.Array] = field(default_factory=list)
    parent_key: list[pa.Array] = field(default_factory=list)  # lower-case id, as declared
    parent_oid: list[pa.Array] = field(default_factory=list)  # its `_id`, when the file gives it
    # The file's door: a row whose id or a parent's is not a Hub id, or whose `baseModels` cannot be read,
    # gives no link (so it is never a child, hence never a member through one), counted in the log.
    door: Door = field(default_factory=lambda: Door(logger, "the archive file"))

    def add(self, rows: list[tuple[int, str, str | None, str, str, str | None]]) -> None:
        if not rows:
            return
        columns = list(zip(*rows, strict=True))
        self.child_row.append(pa.array(columns[0], pa.int64()))
        self.child_id.append(pa.array(columns[1], pa.string()))
        self.child_oid.append(pa.array(columns[2], pa.string()))
        # Relations and parents repeat (a popular base has thousands of children): dictionary-encoded
        # they take a fraction of the memory, and a level's match tests each distinct value once.
        self.relation.append(pc.dictionary_encode(pa.array(columns[3], pa.string())))
        self.parent_key.append(pc.dictionary_encode(pa.array(columns[4], pa.string())))
        self.parent_oid.append(pc.dictionary_encode(pa.array(columns[5], pa.string())))

    def seal(self) -> pa.Table:
        """The links as one table (each column one array; the encoded ones on one dictionary)."""
        plain = {"child_row": pa.int64(), "child_id": pa.string(), "child_oid": pa.string()}
        encoded = ("relation", "parent_key", "parent_oid")
        columns: dict[str, pa.Array] = {}
        for name, kind in plain.items():
            chunks = getattr(self, name)
            columns[name] = pa.concat_arrays(chunks) if chunks else pa.array([], kind)
        for name in encoded:
            chunks = getattr(self, name)
            kind = pa.dictionary(pa.int32(), pa.string())
            columns[name] = pa.chunked_array(chunks, kind).unify_dictionaries().combine_chunks()
        for name in (*plain, *encoded):
            setattr(self, name, [])
        return pa.table(columns)


def edges_of(table: pa.Table, id_column: str, offset: int, edges: Edges) -> None:
    """The row group's declared parent links, through `parse_parents` (as for a listing's payloads)."""
    ids = table[id_column].combine_chunks()
    n = len(ids)
    oids = table["_id"].combine_chunks() if "_id" in table.column_names else pa.nulls(n, pa.string())
    candidates = pa.array([False] * n) if n else pa.array([], pa.bool_())
    base = table["baseModels"].combine_chunks() if "baseModels" in table.column_names else None
    if base is not None:
        candidates = pc.invert(pc.is_null(base))
    tag_rows: dict[int, list[str]] = {}
    if "tags" in table.column_names:
        tags = table["tags"].combine_chunks()
        flat = pc.list_flatten(tags)
        rows_of = pc.list_parent_indices(tags)
        hit = pc.starts_with(flat, _TAG)
        hit = pc.fill_null(hit, False)
        for r, tag in zip(pc.filter(rows_of, hit).to_pylist(), pc.filter(flat, hit).to_pylist(), strict=True):
            tag_rows.setdefault(r, []).append(tag)
        if tag_rows:
            marks = [False] * n
            for r in tag_rows:
                marks[r] = True
            candidates = pc.or_(candidates, pa.array(marks))
    picked = pc.indices_nonzero(candidates)
    if not len(picked):
        return
    rows = picked.to_pylist()
    chosen_ids = pc.take(ids, picked).to_pylist()
    chosen_oids = pc.take(oids, picked).to_pylist()
    chosen_base = pc.take(base, picked).to_pylist() if base is not None else [None] * len(rows)
    out = []
    door = edges.door
    for r, model_id, oid, declared in zip(rows, chosen_ids, chosen_oids, chosen_base, strict=True):
        tags = tag_rows.get(r, ())
        try:
            declared = parse_base_models(declared)
        except UnreadableValue as exc:
            door.refuse(model_id, str(exc))
            continue
        if not door.admit(model_id, declared, tags):
            continue
        relation, parents = parse_parents(declared, tags, model_id)
        if not parents:
            continue
        parent_oids = declared_oids(declared)
        for parent in parents:
            out.append((offset + r, model_id, oid, relation, parent.lower(), parent_oids.get(parent.lower())))
    edges.add(out)


class ChildIndex:
    """The search's children: a vectorised match of a level's ids and `_id`s against the edge arrays."""

    def __init__(self, edges: pa.Table, rootish: Mapping[str, Row]) -> None:
        self.edges = edges
        self._nodes: dict[int, Row] = {}
        # The `_id`s of the rows that can be roots, to their ids (few); a child row's are looked up in the
        # edge arrays when asked (a dictionary of every row's would be hundreds of MB at 2.2M rows).
        self._root_oids = {row.oid: row for row in rootish.values() if row.oid}
        self._ids: dict[str, str] = {}

    def searched(self, rows: Sequence[int]) -> None:
        """The search is over: keep only the ids of the `_id`s these members' parents are declared with
        (their records name them by their id of this file), and drop the edge arrays."""
        self._nodes = {}
        edges = self.edges
        mine = edges.filter(pc.is_in(edges["child_row"], value_set=pa.array(rows, pa.int64())))
        wanted = pc.unique(mine["parent_oid"].combine_chunks().dictionary_decode().drop_null())
        hits = (
            edges.filter(pc.is_in(edges["child_oid"], value_set=wanted)) if len(wanted) else edges.slice(0, 0)
        )
        found = {oid: row.model_id for oid, row in self._root_oids.items()}
        for oid, model_id in zip(hits["child_oid"].to_pylist(), hits["child_id"].to_pylist(), strict=True):
            found.setdefault(oid, model_id)
        self._ids = found
        self.edges = edges.slice(0, 0)

    def ids_of(self, oids: set[str]) -> dict[str, str]:
        """The ids these `_id`s have in this file, among the parents of the members (after `searched`)."""
        return {oid: self._ids[oid] for oid in oids if oid in self._ids}

    def of(self, parents: Sequence[Node]) -> dict[str, list[Node]]:
        """Each parent's listed children (rows declaring it by id or by `_id`)."""
        out: dict[str, list[Node]] = {p.model_id: [] for p in parents}
        if not self.edges.num_rows or not parents:
            return out
        by_key = {p.model_id.lower(): p for p in parents}
        by_oid = {p.oid: p for p in parents if isinstance(p, Row) and p.oid}
        mask = _in(self.edges["parent_key"], list(by_key))
        if by_oid:
            mask = pc.or_(mask, _in(self.edges["parent_oid"], list(by_oid)))
        hits = self.edges.filter(mask)
        seen: set[tuple[str, int]] = set()
        for row, model_id, oid, relation, key, parent_oid in zip(
            hits["child_row"].to_pylist(),
            hits["child_id"].to_pylist(),
            hits["child_oid"].to_pylist(),
            hits["relation"].to_pylist(),
            hits["parent_key"].to_pylist(),
            hits["parent_oid"].to_pylist(),
            strict=True,
        ):
            parent = by_oid.get(parent_oid) if parent_oid else None
            parent = parent or by_key.get(key)
            if parent is None or (parent.model_id, row) in seen:
                continue
            seen.add((parent.model_id, row))
            node = self._nodes.get(row)
            if node is None:
                node = self._nodes[row] = Row(model_id, relation, oid, row)
            out[parent.model_id].append(node)
        return out

    def renamed(self, root_id: str) -> Row | None:
        """A root id the file does not list, found through the `_id` its children declare it with."""
        if not self.edges.num_rows:
            return None
        hits = self.edges.filter(_in(self.edges["parent_key"], [root_id.lower()]))
        for oid in hits["parent_oid"].drop_null().to_pylist():
            if oid in self._root_oids:
                return self._root_oids[oid]
        return None


def _in(column: pa.ChunkedArray, values: list[str]) -> pa.Array:
    """Whether each entry of a dictionary-encoded column is one of `values` (never null)."""
    encoded = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    hit = pc.is_in(encoded.dictionary, value_set=pa.array(values, pa.string()))
    return pc.fill_null(pc.take(hit, encoded.indices), False)
