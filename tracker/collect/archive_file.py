"""One file of the Hub's weekly archive as a crawl: the whole Hub's listing, read from Parquet.

The file is a scan in a file: every model the Hub listed that week, with its declared parents. So
membership, depth, family and relation come from the search the crawl uses (`tracker.core.lineage.members`),
and each parsed record from the parser the crawl uses (`tracker.collect.hub.parse_observation`), fed from
Parquet
rows instead of listing pages. Only what the search and the records need is read, a row group at a
time: the footer, then the column chunks of `NEEDED` the file has (its own schema decides; the archive's
drifts: no `downloadsAllTime` before 2025-02-26, no `baseModels` in the oldest files), never `cardData`,
`siblings` or `config`, and of `safetensors` and `gguf` only the counts (`USAGE_FIELDS`; a `gguf` chat
template can be kilobytes). A column the file lacks gives empty values; the archive has no
`inferenceProviderMapping`, so a backfilled run's live providers are unknown, never zero.

Two passes, one read of the file:
1. each row group: its rows' declared parents become edge arrays (child row, child id and `_id`,
   relation, parent id and `_id`), from `baseModels` or, where that is absent or null, the `base_model:`
   tags (`tracker.core.lineage.parse_parents` decides, as for a listing); rows that can be roots are kept;
   the row group's projected columns go to a local Arrow IPC file (the spill);
2. the search walks the edge arrays level by level (a vectorised match per level); the members' rows
   are read back from the spill, memory-mapped, a batch at a time.

Python objects are made only for models with a declared parent (in passing, a row group at a time) and
for members; the 2.2 million rows of a week stay in Arrow buffers, most of them on disk.

Parents are followed by `_id` as well as by id: a declared base named by an id the file no longer lists
(renamed since) is still found through its `_id`, and recorded under its id of that week.
"""

from __future__ import annotations

import bisect
import json
import logging
import math
import os
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.ipc as ipc
import pyarrow.parquet as pq

from tracker.collect.archive import ArchiveError, CountingFile, error_line
from tracker.collect.crawl import BATCH, Batch
from tracker.collect.hub import CRAWL_EXPAND, parse_observation
from tracker.core.ecosystems import Ecosystem, family_of_root
from tracker.core.lineage import Node, Root, members, membership_rows, parse_parents
from tracker.core.records import Edge, Membership, Observation

logger = logging.getLogger("tracker.archive_file")  # kept: operators filter on it

# What a run records of a model: the fields a crawl asks the Hub's listings for (the archive names them
# alike), the ids (older files: `modelId`), and `private` where a file has it. The rest is never read.
NEEDED = (
    "_id",
    "id",
    "modelId",
    *(name for name in CRAWL_EXPAND if name != "childrenModelCount"),  # no file has child counts
    "private",
)
# The struct columns read in part: the children the parameter count needs (`tracker.core.usage`).
USAGE_FIELDS = {"safetensors": ("parameters", "total"), "gguf": ("total",)}
_TAG = "base_model:"
SLICE = 20_000  # rows decoded, and their declared parents parsed, at once


class ArchiveFileError(ArchiveError):
    """The file is not a readable archive file (not Parquet, no id column, a column of a wrong type)."""


@dataclass(frozen=True)
class FileProgress:
    """Where the reading of one file is: bytes read of its size, rows read, members found."""

    bytes_read: int
    size: int
    rows: int
    row_groups_done: int
    row_groups: int
    members: int


@dataclass(frozen=True, slots=True, eq=False)
class _Row:
    """A model of the file as the search sees it: id, relation, `_id`, and its row in the spill."""

    model_id: str
    relation: str | None
    oid: str | None
    row: int


@dataclass
class _Edges:
    """Declared parent links of the file's rows, as Arrow arrays (one entry per link)."""

    child_row: list[pa.Array] = field(default_factory=list)
    child_id: list[pa.Array] = field(default_factory=list)
    child_oid: list[pa.Array] = field(default_factory=list)
    relation: list[pa.Array] = field(default_factory=list)
    parent_key: list[pa.Array] = field(default_factory=list)  # lower-case id, as declared
    parent_oid: list[pa.Array] = field(default_factory=list)  # its `_id`, when the file gives it

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


def _ids_column(schema: pa.Schema) -> str:
    if "id" in schema.names:
        return "id"
    if "modelId" in schema.names:
        return "modelId"
    raise ArchiveFileError("the file has no `id` (nor `modelId`) column")


def _iso(value: object) -> str | None:
    """A Parquet timestamp (a datetime, or a string already) as the Hub writes it."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    stamp = value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)  # type: ignore[attr-defined]
    return stamp.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


class ArchiveFileReader:
    """Reads one open archive file (`CountingFile`) for some ecosystems; iterate `batches()`."""

    def __init__(
        self,
        file: CountingFile,
        ecosystems: Sequence[Ecosystem],
        *,
        on_progress: Callable[[FileProgress], None] | None = None,
    ) -> None:
        self.file = file
        self.ecosystems = tuple(ecosystems)
        self.on_progress = on_progress
        self.missing_roots: list[str] = []
        self.rows = 0
        self.members = 0
        self._shared: dict[str, str] = {}
        # What `_rootish` looks for in every slice: the listed root ids, and the authors' namespaces.
        self._root_ids = pa.array(
            sorted({r.lower() for eco in self.ecosystems for fam in eco.families for r in fam.roots}),
            pa.string(),
        )
        self._prefixes = sorted({a.lower() + "/" for eco in self.ecosystems for a in eco.authors})
        try:
            self._parquet = pq.ParquetFile(file, pre_buffer=False)  # type: ignore[arg-type]
        except (pa.ArrowException, OSError, ValueError) as exc:
            raise ArchiveFileError(f"not a Parquet file ({error_line(exc)})") from None
        schema = self._parquet.schema_arrow
        self.id_column = _ids_column(schema)
        self.columns = [c for c in NEEDED if c in schema.names]
        self.lacks = tuple(c for c in ("downloadsAllTime", "baseModels", "gated") if c not in schema.names)
        self._check_types(schema)
        self._fields = _projection(schema, self.columns)  # as read: the usage structs in part
        self.columns = list(self._fields)
        # What pyarrow is asked for: a column's name, or `struct.child` for each child of a usage struct.
        self._paths = [
            f"{name}.{child.name}" if name in USAGE_FIELDS else name
            for name, f in self._fields.items()
            for child in (f.type if name in USAGE_FIELDS else [f])
        ]

    # --- the file's schema -----------------------------------------------------------------------

    def _check_types(self, schema: pa.Schema) -> None:
        """Refuse a column whose type cannot hold what the archive puts there (one line)."""

        def kind(name: str) -> pa.DataType:
            return schema.field(name).type

        if not pa.types.is_string(kind(self.id_column)) and not pa.types.is_large_string(
            kind(self.id_column)
        ):
            raise ArchiveFileError(f"column `{self.id_column}` is {kind(self.id_column)}, not text")
        if "tags" in self.columns and not (
            pa.types.is_list(kind("tags")) or pa.types.is_large_list(kind("tags"))
        ):
            raise ArchiveFileError(f"column `tags` is {kind('tags')}, not a list of text")
        if "baseModels" in self.columns and not (
            pa.types.is_struct(kind("baseModels")) or pa.types.is_string(kind("baseModels"))
        ):
            raise ArchiveFileError(f"column `baseModels` is {kind('baseModels')}, not a struct")
        for name in ("downloads", "downloadsAllTime", "likes"):
            if (
                name in self.columns
                and not pa.types.is_integer(kind(name))
                and not pa.types.is_floating(kind(name))
            ):
                raise ArchiveFileError(f"column `{name}` is {kind(name)}, not a number")

    @property
    def size(self) -> int:
        return self.file.size

    @property
    def bytes_read(self) -> int:
        return self.file.bytes_read

    @property
    def row_groups(self) -> int:
        return self._parquet.num_row_groups

    # --- pass 1: the edges and the spill --------------------------------------------------------

    def _edges_of(self, table: pa.Table, offset: int, edges: _Edges) -> None:
        """The row group's declared parent links, through `parse_parents` (as for a listing's payloads)."""
        ids = table[self.id_column].combine_chunks()
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
            for r, tag in zip(
                pc.filter(rows_of, hit).to_pylist(), pc.filter(flat, hit).to_pylist(), strict=True
            ):
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
        for r, model_id, oid, declared in zip(rows, chosen_ids, chosen_oids, chosen_base, strict=True):
            if model_id is None:
                continue
            declared = _base_models_value(declared)
            relation, parents = parse_parents(declared, tag_rows.get(r, ()), model_id)
            if not parents:
                continue
            parent_oids = _declared_oids(declared)
            for parent in parents:
                out.append(
                    (offset + r, model_id, oid, relation, parent.lower(), parent_oids.get(parent.lower()))
                )
        edges.add(out)

    def _rootish(self, table: pa.Table, offset: int, found: dict[str, _Row]) -> None:
        """Keep the rows that can be roots: the listed root ids, the authors' models."""
        lower = pc.utf8_lower(table[self.id_column].combine_chunks())
        mask = pc.is_in(lower, value_set=self._root_ids)
        for prefix in self._prefixes:
            mask = pc.or_(mask, pc.fill_null(pc.starts_with(lower, prefix), False))
        mask = pc.fill_null(mask, False)
        picked = pc.indices_nonzero(mask)
        if not len(picked):
            return
        ids = pc.take(table[self.id_column], picked).to_pylist()
        oids = pc.take(table["_id"], picked).to_pylist() if "_id" in table.column_names else [None] * len(ids)
        for r, model_id, oid in zip(picked.to_pylist(), ids, oids, strict=True):
            found.setdefault(model_id.lower(), _Row(model_id, None, oid, offset + r))

    def _visible(self, table: pa.Table) -> pa.Table:
        """The rows the Hub listed: a file with a `private` column may hold private rows; drop them."""
        if "private" not in table.column_names:
            return table
        return table.filter(pc.invert(pc.fill_null(table["private"], False)))

    def _read(self, spill: ipc.RecordBatchFileWriter, edges: _Edges, rootish: dict[str, _Row]) -> list[int]:
        """Pass 1, a row group at a time, decoded `SLICE` rows at a time; the first row of each spilled
        batch, then the number of rows."""
        groups = self.row_groups
        offsets = [0]
        for g in range(groups):
            try:
                for batch in self._parquet.iter_batches(
                    batch_size=SLICE, row_groups=[g], columns=self._paths
                ):
                    self._slice(self._visible(pa.Table.from_batches([batch])), offsets, spill, edges, rootish)
            except (pa.ArrowException, OSError, ValueError) as exc:
                raise ArchiveFileError(
                    f"row group {g + 1} of {groups} cannot be read ({error_line(exc)})"
                ) from None
            # The allocator keeps what a row group freed for reuse, and its pages add up over a file of
            # 22 row groups (about 180 MB at 2.2M rows): hand them back.
            pa.default_memory_pool().release_unused()
            self._report(g + 1, groups)
        return offsets

    def _slice(
        self,
        table: pa.Table,
        offsets: list[int],
        spill: ipc.RecordBatchFileWriter,
        edges: _Edges,
        rootish: dict[str, _Row],
    ) -> None:
        """One decoded slice of a row group: its edges and possible roots, then into the spill."""
        table = table.select(self.columns).combine_chunks()
        offset = offsets[-1]
        self._edges_of(table, offset, edges)
        self._rootish(table, offset, rootish)
        spill.write_batch(table.to_batches()[0] if table.num_rows else _empty(table))
        offsets.append(offset + table.num_rows)
        self.rows = offsets[-1]

    def _report(self, done: int, groups: int) -> None:
        if self.on_progress is not None:
            self.on_progress(FileProgress(self.bytes_read, self.size, self.rows, done, groups, self.members))

    # --- pass 2: the search ---------------------------------------------------------------------

    def batches(self) -> Iterator[Batch]:
        """Read the file, search it, then yield what to store: the memberships, then the members' records
        a spilled row group at a time."""
        with tempfile.TemporaryDirectory(prefix="tracker-archive-") as tmp:
            path = os.path.join(tmp, "spill.arrow")
            edges, rootish = _Edges(), {}
            spill_schema = pa.schema(list(self._fields.values()))
            with pa.OSFile(path, "wb") as sink, ipc.new_file(sink, spill_schema) as writer:
                offsets = self._read(writer, edges, rootish)
            children = _ChildIndex(edges.seal(), rootish)
            memberships, rows = self._search(children, rootish)
            children.searched(rows)
            self.members = len(memberships)
            for start in range(0, len(memberships), BATCH):
                yield Batch(memberships=memberships[start : start + BATCH])
            del memberships
            yield from self._records(path, offsets, rows, children)
        self._report(self.row_groups, self.row_groups)

    def _search(self, children: _ChildIndex, rootish: dict[str, _Row]) -> tuple[list[Membership], list[int]]:
        """Every ecosystem's members (the crawl's search over the edge arrays), and their rows, sorted."""
        memberships: list[Membership] = []
        rows: set[int] = set()
        for eco in self.ecosystems:
            family_names = [f.name for f in eco.families] + ["Other"]
            for level in members(self._roots(eco, rootish, children), children.of):
                memberships.extend(membership_rows(eco.name, family_names, level))
                rows.update(node.row for node, _, _ in level)  # type: ignore[attr-defined]
        return memberships, sorted(rows)

    def _records(
        self, path: str, offsets: Sequence[int], rows: Sequence[int], children: _ChildIndex
    ) -> Iterator[Batch]:
        """The members' records, read back from the spill one row group at a time (never all at once: a
        member-by-member read of the memory-mapped spill pulled most of its pages into memory)."""
        with pa.OSFile(path, "rb") as source:
            spill = ipc.open_file(source)
            at = 0
            for g in range(spill.num_record_batches):
                end = bisect.bisect_left(rows, offsets[g + 1], at)
                if end == at:
                    continue
                group = spill.get_batch(g)
                wanted = [r - offsets[g] for r in rows[at:end]]
                at = end
                for start in range(0, len(wanted), BATCH):  # Python records for a batch at a time
                    taken = group.take(pa.array(wanted[start : start + BATCH], pa.int64()))
                    yield self._batch(taken.to_pylist(), children)
                del group

    def _batch(self, records: list[dict], children: _ChildIndex) -> Batch:
        batch = Batch()
        for record in records:
            record["baseModels"] = _base_models_value(record.get("baseModels"))
        oids = {oid for record in records for oid in _declared_oids(record["baseModels"]).values()}
        ids = children.ids_of(oids) if oids else {}
        for record in records:
            obs = self._observation(record, ids)
            batch.observations.append(obs)
            batch.edges.extend(Edge(obs.model_id, p, obs.relation or "finetune") for p in obs.parents)
        return batch

    def _roots(self, eco: Ecosystem, rootish: Mapping[str, _Row], children: _ChildIndex) -> list[Root]:
        """The ecosystem's roots in the file: listed ids (family order, a renamed one found through the
        `_id` its children declare), then its authors' models."""
        roots: list[Root] = []
        found: set[str] = set()
        for rank, fam in enumerate(eco.families):
            for root_id in fam.roots:
                row = rootish.get(root_id.lower()) or children.renamed(root_id)
                if row is None:
                    self.missing_roots.append(root_id)
                    logger.info(
                        "%s: root %s is not in the archive file (a renamed repo is there under its new id)",
                        eco.name,
                        root_id,
                    )
                    continue
                roots.append(Root(row, rank))
                found.add(row.model_id.lower())
        ranks = {fam.name: rank for rank, fam in enumerate(eco.families)}
        prefixes = tuple(a.lower() + "/" for a in eco.authors)
        if prefixes:
            for key, row in sorted(rootish.items(), key=lambda kv: kv[1].row):
                if key.startswith(prefixes) and key not in found:
                    roots.append(Root(row, ranks.get(family_of_root(eco, row.model_id), len(eco.families))))
        return roots

    def _observation(self, record: dict, ids: Mapping[str, str]) -> Observation:
        """A row as the crawl's record: the Hub's payload shape, parsed as a listing's would be."""
        model_id = record.get(self.id_column)
        item = {k: v for k, v in record.items() if v is not None and k not in ("modelId", "private")}
        item["id"] = model_id
        for key in ("createdAt", "lastModified"):
            if key in item:
                item[key] = _iso(item[key])
        for key in ("downloads", "downloadsAllTime", "likes", "trendingScore"):
            if key in item:
                item[key] = _count(item[key])
        weights = item.get("safetensors")
        if isinstance(weights, dict) and isinstance(weights.get("parameters"), list):  # an Arrow map
            item["safetensors"] = {**weights, "parameters": dict(weights["parameters"])}
        declared = item.get("baseModels")
        if isinstance(declared, dict) and ids:  # parents by their id of this week, through their `_id`
            item["baseModels"] = current_ids(declared, ids)
        obs = parse_observation(item, self._shared, providers_asked=False)
        if "gated" not in self.columns:
            obs = replace(obs, gated=None)  # the archive does not say: empty, never guessed
        return obs


def _projection(schema: pa.Schema, columns: Sequence[str]) -> dict[str, pa.Field]:
    """Each column's field as read: whole, or for `USAGE_FIELDS` the struct of the wanted children the
    file has (a column whose value is not a struct, or has none of them, is not read)."""
    fields: dict[str, pa.Field] = {}
    for name in columns:
        field = schema.field(name)
        wanted = USAGE_FIELDS.get(name)
        if wanted is None:
            fields[name] = field
        elif pa.types.is_struct(field.type):
            children = [field.type.field(c) for c in wanted if field.type.get_field_index(c) >= 0]
            if children:
                fields[name] = pa.field(name, pa.struct(children))
    return fields


class _ChildIndex:
    """The search's children: a vectorised match of a level's ids and `_id`s against the edge arrays."""

    def __init__(self, edges: pa.Table, rootish: Mapping[str, _Row]) -> None:
        self.edges = edges
        self._nodes: dict[int, _Row] = {}
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
        by_oid = {p.oid: p for p in parents if isinstance(p, _Row) and p.oid}
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
                node = self._nodes[row] = _Row(model_id, relation, oid, row)
            out[parent.model_id].append(node)
        return out

    def renamed(self, root_id: str) -> _Row | None:
        """A root id the file does not list, found through the `_id` its children declare it with."""
        if not self.edges.num_rows:
            return None
        hits = self.edges.filter(_in(self.edges["parent_key"], [root_id.lower()]))
        for oid in hits["parent_oid"].drop_null().to_pylist():
            if oid in self._root_oids:
                return self._root_oids[oid]
        return None


def current_ids(declared: dict, ids: Mapping[str, str]) -> dict:
    """`baseModels` with each parent's id replaced by the one its `_id` has in this file, where known."""
    models = []
    for entry in declared.get("models") or ():
        if isinstance(entry, dict) and entry.get("_id") in ids:
            entry = {**entry, "id": ids[entry["_id"]]}
        models.append(entry)
    return {**declared, "models": models}


def _in(column: pa.ChunkedArray, values: list[str]) -> pa.Array:
    """Whether each entry of a dictionary-encoded column is one of `values` (never null)."""
    encoded = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    hit = pc.is_in(encoded.dictionary, value_set=pa.array(values, pa.string()))
    return pc.fill_null(pc.take(hit, encoded.indices), False)


def _count(value: object) -> int | None:
    """A count as an integer: some files store figures as floats (`12.0`, NaN for none)."""
    if isinstance(value, float):
        return round(value) if math.isfinite(value) else None
    return value if isinstance(value, int) else None


def _empty(table: pa.Table) -> pa.RecordBatch:
    """A row group with no row left (all private) as an empty batch: one spilled batch per row group."""
    return pa.RecordBatch.from_pylist([], schema=table.schema)


def _base_models_value(value: object) -> object:
    """`baseModels` as the listing gives it: a struct as a dict; a JSON string (an older shape) parsed."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return None
    return value


def _declared_oids(declared: object) -> dict[str, str]:
    """Lower-case declared parent id -> its `_id`, where `baseModels` gives one."""
    if not isinstance(declared, dict):
        return {}
    out = {}
    for entry in declared.get("models") or ():
        if isinstance(entry, dict) and isinstance(entry.get("id"), str) and entry.get("_id"):
            out[entry["id"].lower()] = entry["_id"]
    return out
