"""One file of the Hub's weekly archive as a crawl: the whole Hub's listing, read from Parquet.

The file is a scan in a file: every model the Hub listed that week, with its declared parents. So
membership, depth, family and relation come from the search the crawl uses (`tracker.core.lineage.members`),
and each parsed record from the parser the crawl uses (`tracker.collect.payloads.parse_observation`, through
`tracker.collect.archive_records`), fed from Parquet rows instead of listing pages. Only what the search
and the records need is read, a row group at a time: the footer, then the column chunks of `NEEDED` the
file has (`tracker.collect.archive_columns`: its own schema decides; the archive's drifts: no
`downloadsAllTime` before 2025-02-26, no `baseModels` in the oldest files), never `cardData`, `siblings`
or `config`, and of `safetensors` and `gguf` only the counts (`USAGE_FIELDS`; a `gguf` chat template can
be kilobytes). A column the file lacks gives empty values; the archive has no
`inferenceProviderMapping`, so a backfilled run's live providers are unknown, never zero.

Two passes, one read of the file:
1. each row group: its rows' declared parents become edge arrays (child row, child id and `_id`,
   relation, parent id and `_id`), from `baseModels` or, where that is absent or null, the `base_model:`
   tags (`tracker.core.lineage.parse_parents` decides, as for a listing); rows that can be roots are kept;
   the row group's projected columns go to a local Arrow IPC file (the spill);
2. the search walks the edge arrays level by level (a vectorised match per level:
   `tracker.collect.archive_links`); the members' rows are read back from the spill, memory-mapped, a
   batch at a time.

The file is a third party's: before any column chunk is fetched, its footer must keep the budgets of
`tracker.collect.archive_budget`; each slice is read with its text as dictionaries and checked against
them before that text is decoded. A budget exceeded, or any error of the reading or the parsing, is an
`ArchiveFileError`: one line, the file's date fails, the backfill goes on.

Python objects are made only for models with a declared parent (in passing, a row group at a time) and
for members; the 2.2 million rows of a week stay in Arrow buffers, most of them on disk.

Parents are followed by `_id` as well as by id: a declared base named by an id the file no longer lists
(renamed since) is still found through its `_id`, and recorded under its id of that week.
"""

from __future__ import annotations

import bisect
import logging
import os
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.ipc as ipc
import pyarrow.parquet as pq

from tracker.collect.archive import ArchiveError, CountingFile, error_line
from tracker.collect.archive_budget import (
    check_footer,
    check_footer_length,
    check_slice,
    plain_schema,
    text_leaves,
)
from tracker.collect.archive_columns import (
    NEEDED,
    USAGE_FIELDS,
    ArchiveFileError,
    check_types,
    ids_column,
    projection,
)
from tracker.collect.archive_digest import read_digest, slice_hashes, visible
from tracker.collect.archive_links import ChildIndex, Edges, Row, edges_of
from tracker.collect.archive_records import base_models_value, declared_oids, row_observation
from tracker.collect.archive_view import archive_listing
from tracker.collect.crawl import BATCH, Batch
from tracker.collect.doors import Door
from tracker.collect.memory import give_back
from tracker.core.ecosystems import Ecosystem, family_of_root
from tracker.core.forest import grow
from tracker.core.hub_view import HubView, OrganisationsLike, view
from tracker.core.lineage import Root, members, membership_rows
from tracker.core.records import Edge, Membership
from tracker.core.week_digest import RowsDigest

logger = logging.getLogger("tracker.archive_file")  # kept: operators filter on it

SLICE = 20_000  # rows decoded, and their declared parents parsed, at once


@dataclass(frozen=True)
class FileProgress:
    """Where the reading of one file is: bytes read of its size, rows read, members found."""

    bytes_read: int
    size: int
    rows: int
    row_groups_done: int
    row_groups: int
    members: int


class ArchiveFileReader:
    """Reads one open archive file (`CountingFile`) for some ecosystems; iterate `batches()`."""

    def __init__(
        self,
        file: CountingFile,
        ecosystems: Sequence[Ecosystem],
        *,
        on_progress: Callable[[FileProgress], None] | None = None,
        organisations: OrganisationsLike | None = None,
    ) -> None:
        """`organisations`: given, the reading also computes the file's whole-Hub view (`hub_view`, once
        the memberships are yielded)."""
        self.file = file
        self.organisations = organisations
        self.hub_view: HubView | None = None
        self.ecosystems = tuple(ecosystems)
        self.on_progress = on_progress
        self.missing_roots: list[str] = []
        self.rows = 0
        self.members = 0
        self.digest = RowsDigest()  # the rows' digest (`tracker.collect.archive_digest`), once read
        self._shared: dict[str, str] = {}
        # What `_rootish` looks for in every slice: the listed root ids, and the authors' namespaces.
        self._root_ids = pa.array(
            sorted({r.lower() for eco in self.ecosystems for fam in eco.families for r in fam.roots}),
            pa.string(),
        )
        self._prefixes = sorted({a.lower() + "/" for eco in self.ecosystems for a in eco.authors})
        try:
            self._open()
        except ArchiveError:
            raise
        except Exception as exc:  # whatever the footer makes pyarrow (or us) raise: the file is unreadable
            raise ArchiveFileError(f"cannot be read ({failure_line(exc)})") from exc

    def _open(self) -> None:
        """The footer (within budget), then the columns to read, their types and budgets; no column chunk
        is fetched. Text is read as dictionaries (`archive_budget`), so the schema is the decoded one."""
        file = self.file
        file.seek(max(file.size - 8, 0))
        check_footer_length(file.read(8), file.size)
        file.seek(0)
        try:
            metadata = pq.ParquetFile(file, pre_buffer=False).metadata  # type: ignore[arg-type]
            self._parquet = pq.ParquetFile(
                file,  # type: ignore[arg-type]
                pre_buffer=False,
                metadata=metadata,
                read_dictionary=text_leaves(metadata),
            )
        except (pa.ArrowException, OSError, ValueError) as exc:
            raise ArchiveFileError(f"not a Parquet file ({error_line(exc)})") from None
        schema = plain_schema(self._parquet.schema_arrow)
        self.id_column = ids_column(schema)
        self.columns = [c for c in NEEDED if c in schema.names]
        self.lacks = tuple(c for c in ("downloadsAllTime", "baseModels", "gated") if c not in schema.names)
        check_types(schema, self.id_column, self.columns)
        self._fields = projection(schema, self.columns)  # as read: the usage structs in part
        self.columns = list(self._fields)
        # What pyarrow is asked for: a column's name, or `struct.child` for each child of a usage struct.
        self._paths = [
            f"{name}.{child.name}" if name in USAGE_FIELDS else name
            for name, f in self._fields.items()
            for child in (f.type if name in USAGE_FIELDS else [f])
        ]
        check_footer(self._parquet.metadata, self._paths)

    # --- the file ------------------------------------------------------------------------------

    @property
    def size(self) -> int:
        return self.file.size

    @property
    def bytes_read(self) -> int:
        return self.file.bytes_read

    @property
    def row_groups(self) -> int:
        return self._parquet.num_row_groups

    @property
    def footer_rows(self) -> int:
        """The rows the file's footer gives (private ones too, where a file has them)."""
        return self._parquet.metadata.num_rows

    def read_digest(self) -> RowsDigest:
        """The rows' digest alone, reading only its columns (before deciding to import the file)."""
        self.digest = read_digest(self._parquet, self.id_column)
        return self.digest

    # --- pass 1: the edges and the spill --------------------------------------------------------

    def _rootish(self, table: pa.Table, offset: int, found: dict[str, Row], door: Door) -> None:
        """Keep the rows that can be roots: the listed root ids, the authors' models (Hub ids only: the
        door refuses, and counts, any other)."""
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
            if not door.admit_id(model_id):
                continue
            found.setdefault(model_id.lower(), Row(model_id, None, oid, offset + r))

    def _read(self, spill: ipc.RecordBatchFileWriter, edges: Edges, rootish: dict[str, Row]) -> list[int]:
        """Pass 1, a row group at a time, decoded `SLICE` rows at a time; the first row of each spilled
        batch, then the number of rows."""
        groups = self.row_groups
        offsets = [0]
        text = 0  # bytes of text decoded so far
        for g in range(groups):
            first = 0
            try:
                for batch in self._parquet.iter_batches(
                    batch_size=SLICE, row_groups=[g], columns=self._paths
                ):
                    # Budgets first, on the text as dictionaries; then the text is decoded.
                    rows = f"rows {first + 1:,} to {first + batch.num_rows:,}"
                    text += check_slice(batch, f"row group {g + 1} of {groups}, {rows}", text_before=text)
                    first += batch.num_rows
                    table = pa.Table.from_batches([batch])
                    table = table.cast(plain_schema(table.schema))
                    del batch
                    self._slice(visible(table), offsets, spill, edges, rootish)
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
        edges: Edges,
        rootish: dict[str, Row],
    ) -> None:
        """One decoded slice of a row group: its edges and possible roots, then into the spill."""
        table = table.select(self.columns).combine_chunks()
        self.digest.add(slice_hashes(table, self.id_column))
        offset = offsets[-1]
        edges_of(table, self.id_column, offset, edges)
        self._rootish(table, offset, rootish, edges.door)
        spill.write_batch(table.to_batches()[0] if table.num_rows else _empty(table))
        offsets.append(offset + table.num_rows)
        self.rows = offsets[-1]

    def _report(self, done: int, groups: int) -> None:
        if self.on_progress is not None:
            self.on_progress(FileProgress(self.bytes_read, self.size, self.rows, done, groups, self.members))

    # --- pass 2: the search ---------------------------------------------------------------------

    def batches(self) -> Iterator[Batch]:
        """Read the file, search it, then yield what to store: the memberships, then the members' records
        a spilled row group at a time. Any error of the reading (a budget, a malformed value, a parser's
        RecursionError) is an `ArchiveFileError`: the file is unreadable, its date fails."""
        try:
            yield from self._batches()
        except ArchiveError:
            raise
        except Exception as exc:
            raise ArchiveFileError(f"cannot be read ({failure_line(exc)})") from exc

    def _batches(self) -> Iterator[Batch]:
        with tempfile.TemporaryDirectory(prefix="tracker-archive-") as tmp:
            path = os.path.join(tmp, "spill.arrow")
            edges, rootish = Edges(), {}
            spill_schema = pa.schema(list(self._fields.values()))
            with pa.OSFile(path, "wb") as sink, ipc.new_file(sink, spill_schema) as writer:
                offsets = self._read(writer, edges, rootish)
            children = ChildIndex(edges.seal(), rootish)
            memberships, rows = self._search(children, rootish)
            self.members = len(memberships)
            for start in range(0, len(memberships), BATCH):
                yield Batch(memberships=memberships[start : start + BATCH])
            del memberships
            if self.organisations is not None:  # once the search's results are stored and dropped
                self._whole_hub(path, offsets, children)
            children.searched(rows)
            yield from self._records(path, offsets, rows, children)
        self._report(self.row_groups, self.row_groups)

    def _whole_hub(self, path: str, offsets: Sequence[int], children: ChildIndex) -> None:
        """The file's whole-Hub view, from the spill and the links (`tracker.collect.archive_view`)."""
        assert self.organisations is not None
        give_back()
        listing, ids_of, keys_of = archive_listing(path, offsets, children.edges, self.id_column)
        forest = grow(listing)
        listing = replace(listing, child=listing.child[:0], parent=listing.parent[:0])
        give_back()
        self.hub_view = view(listing, forest, ids_of, keys_of, self.organisations, self.ecosystems)
        logger.info(
            "whole Hub: %s models, %s bases", f"{self.hub_view.models:,}", f"{len(self.hub_view.bases):,}"
        )

    def _search(self, children: ChildIndex, rootish: dict[str, Row]) -> tuple[list[Membership], list[int]]:
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
        self, path: str, offsets: Sequence[int], rows: Sequence[int], children: ChildIndex
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

    def _batch(self, records: list[dict], children: ChildIndex) -> Batch:
        batch = Batch()
        for record in records:
            record["baseModels"] = base_models_value(record.get("baseModels"))
        oids = {oid for record in records for oid in declared_oids(record["baseModels"]).values()}
        ids = children.ids_of(oids) if oids else {}
        for record in records:
            obs = row_observation(record, self.id_column, ids, self._shared, gated="gated" in self.columns)
            batch.observations.append(obs)
            batch.edges.extend(Edge(obs.model_id, p, obs.relation or "finetune") for p in obs.parents)
        return batch

    def _roots(self, eco: Ecosystem, rootish: Mapping[str, Row], children: ChildIndex) -> list[Root]:
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


def failure_line(exc: BaseException) -> str:
    """An unexpected error of the reading as one line, with its type (a bare `KeyError: 'x'` says little
    without it)."""
    return f"{type(exc).__name__}: {error_line(exc)}"


def _empty(table: pa.Table) -> pa.RecordBatch:
    """A row group with no row left (all private) as an empty batch: one spilled batch per row group."""
    return pa.RecordBatch.from_pylist([], schema=table.schema)
