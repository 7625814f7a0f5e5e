"""The database tables (SQLModel, `table=True`). Alembic owns the schema: see `tracker/migrations/`.

Timestamps are plain `datetime` annotations on purpose: SQLModel 0.0.50 maps them to its `UTCDateTime`
type, whose DDL is `DateTime(timezone=True)` (`TIMESTAMP WITH TIME ZONE` on PostgreSQL, `DATETIME` on
SQLite), which refuses naive values, and which returns zone-aware UTC on both back-ends. Spelling
`sa_type=DateTime(timezone=True)` would bypass that processing: SQLite would hand back naive values.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Float, Index, text
from sqlmodel import Field, SQLModel

# Named constraints, so that later migrations can drop or alter them (SQLite's batch mode needs names).
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class SnapshotRun(SQLModel, table=True):
    """One snapshot: a crawl of some ecosystems, recorded at one instant.

    Columns:
        id: the run's number, assigned by the database.
        taken_at: the instant the snapshot represents (zone-aware UTC; `--taken-at` may set it).
        started_at: when the crawl started (zone-aware UTC).
        finished_at: when it ended, complete or failed; None while running.
        status: `running` until the crawl ends, then `complete` or `failed`.
        ecosystems: the names of the ecosystems crawled, joined by `;`.
        strategy: how the Hub was read: `tree` or `scan` (live snapshots), `archive` (a backfilled run,
            from one file of the Hub's weekly archive).
        requests: Hub API requests made so far (updated as the crawl goes).
        retries: requests retried so far (429s, 5xx, timeouts, ...).
        models: distinct models recorded in the run (set when the run ends).
        error: why the run failed (`interrupted` for a run found dead), else None.
        host: the host name of the process that ran it.
        pid: the process id that ran it.
        rolled_up_at: when the run's stored deltas and roll-ups were last written (zone-aware UTC);
            None until then (see `tracker.storage.rollups`).
        endpoint: the Hub's base URL the run crawled (without credentials); None for older runs.
        listing_refuses: the crawl's `expand` values this Hub's listings refuse, joined by `;` (empty:
            none); None when the run made no listing. Learned from a 400, or from an earlier run.
        listing_checked_at: when a listing last answered for those values themselves (a 400, or a 200
            with them asked), zone-aware UTC; runs within `tracker.run.snapshot.RULES_MEMORY` of it ask
            the right set at once, later ones ask again.
        source: where the run's data came from: `hub` for a live snapshot; for a backfilled run, the
            archive file as `repo@revision:path` (revision: the archive's commit).
    """

    __tablename__ = "snapshot_run"

    id: int | None = Field(default=None, primary_key=True)
    taken_at: datetime = Field(index=True)
    started_at: datetime
    finished_at: datetime | None = None
    status: str = Field(index=True)
    ecosystems: str
    strategy: str
    requests: int = 0
    retries: int = 0
    models: int = 0
    error: str | None = None
    host: str
    pid: int
    rolled_up_at: datetime | None = None
    endpoint: str | None = None
    listing_refuses: str | None = None
    listing_checked_at: datetime | None = None
    source: str = Field(default="hub", sa_column_kwargs={"server_default": "hub"})


class ChildCount(SQLModel, table=True):
    """A model's direct children by relation, where the Hub gave them so (a root's `model_info`).

    Columns:
        run_id: the run (snapshot_run.id).
        model_id: the Hub id.
        relation: finetune, adapter, quantized or merge, as the Hub names it.
        children: the Hub's count of direct children of that relation.
    """

    __tablename__ = "child_count"

    run_id: int = Field(primary_key=True, foreign_key="snapshot_run.id")
    model_id: str = Field(primary_key=True)
    relation: str = Field(primary_key=True)
    children: int


class ModelRecord(SQLModel, table=True):
    """A model's descriptive fields, as the latest run that saw it recorded them.

    Columns:
        model_id: the Hub id (`namespace/name`), current after renames.
        hub_oid: the Hub's stable `_id`, which survives renames.
        author: the namespace.
        created_at: when the repository was created (zone-aware UTC), when the Hub says.
        last_modified: the last commit's time (zone-aware UTC), when the Hub says.
        pipeline_tag: the task, as the Hub gives it.
        library_name: the library, as the Hub gives it.
        license: the value of the `license:` tag.
        gated: "false", "auto" or "manual"; None where the source did not say (the weekly archive).
        tags: every tag, a JSON list.
        updated_run_id: the run that last wrote this row.
    """

    __tablename__ = "model"

    model_id: str = Field(primary_key=True)
    hub_oid: str | None = Field(default=None, index=True)
    author: str | None = None
    created_at: datetime | None = None
    last_modified: datetime | None = None
    pipeline_tag: str | None = None
    library_name: str | None = None
    license: str | None = None
    gated: str | None = "false"
    tags: str = "[]"
    updated_run_id: int


class ModelSnapshot(SQLModel, table=True):
    """A model's figures in one run.

    Columns:
        run_id: the run (snapshot_run.id).
        model_id: the Hub id.
        downloads_30d: downloads over the trailing 30 days, as the Hub counts them (`downloads`).
        downloads_all_time: cumulative downloads (`downloadsAllTime`); weekly downloads are its deltas.
        likes: the Hub's like count.
        trending_score: the Hub's trending score.
        parameters: the parameter count the Hub's `safetensors` or `gguf` gave (an estimate, see
            `tracker.core.usage`); None when it gave neither.
        live_providers: how many inference providers served the model live; None where the source
            does not say (a backfilled run: the archive has no provider mapping).
        providers: their names, sorted, joined by `;` (empty: none); None where the source does not say.
    """

    __tablename__ = "model_snapshot"
    __table_args__ = (Index("ix_model_snapshot_model_id_run_id", "model_id", "run_id"),)

    run_id: int = Field(primary_key=True, foreign_key="snapshot_run.id")
    model_id: str = Field(primary_key=True)
    downloads_30d: int | None = Field(default=None, sa_type=BigInteger)
    downloads_all_time: int | None = Field(default=None, sa_type=BigInteger)
    likes: int | None = None
    trending_score: int | None = None
    parameters: int | None = Field(default=None, sa_type=BigInteger)
    live_providers: int | None = None
    providers: str | None = None


class RunMembership(SQLModel, table=True):
    """A model's place in one ecosystem during one run (a model can belong to several ecosystems).

    Columns:
        run_id: the run (snapshot_run.id).
        ecosystem: the ecosystem's name, as in the ecosystems file.
        model_id: the Hub id.
        family: the family of the root at the end of the shortest path (`Other` when none matches).
        relation: `base` for roots, else the model's own relation to its parents.
        depth: the length of the shortest path of parent links to a root (roots: 0).
        downloads_delta: `downloads_all_time` minus its value in the ecosystem's previous complete run,
            when the model was a member then; written when the run completes (see `tracker.storage.rollups`).
    """

    __tablename__ = "membership"
    __table_args__ = (
        Index("ix_membership_ecosystem_run_id", "ecosystem", "run_id"),
        # A model's rows by id (the lineage explorer, a model's history): the key leads with the ecosystem.
        Index("ix_membership_model_id_run_id", "model_id", "run_id"),
        # The roots of every run (relative adoption), a few hundred among millions of rows. Queries must
        # spell `depth = 0` as a literal for SQLite to use it; `depth` leads so that its planner does,
        # whatever its sampled statistics say.
        Index(
            "ix_membership_roots",
            "depth",
            "run_id",
            "ecosystem",
            "model_id",
            sqlite_where=text("depth = 0"),
            postgresql_where=text("depth = 0"),
        ),
    )

    run_id: int = Field(primary_key=True, foreign_key="snapshot_run.id")
    ecosystem: str = Field(primary_key=True)
    model_id: str = Field(primary_key=True)
    family: str
    relation: str
    depth: int
    downloads_delta: int | None = Field(default=None, sa_type=BigInteger)


class RunEdge(SQLModel, table=True):
    """A declared parent link seen in one run (the parent tracked or not; never a self-link).

    Columns:
        run_id: the run (snapshot_run.id).
        child_id: the model declaring the parent.
        parent_id: the declared base, by its current id.
        relation: finetune, adapter, quantized or merge.
    """

    __tablename__ = "run_edge"
    # The lineage explorer walks down from a parent; declared ids differ in case from the Hub's.
    __table_args__ = (Index("ix_run_edge_run_id_parent", "run_id", text("lower(parent_id)")),)

    run_id: int = Field(primary_key=True, foreign_key="snapshot_run.id")
    child_id: str = Field(primary_key=True)
    parent_id: str = Field(primary_key=True)
    relation: str


class Rollup(SQLModel, table=True):
    """Per complete run and ecosystem, the members' figures summed by family, relation, licence, format
    and size class.

    Written when the run completes (`tracker.storage.rollups`), so the dashboard's series read a few hundred
    rows per run instead of every model's. Roots are the rows with relation `base`.

    Columns:
        run_id, ecosystem, family, relation: as in `membership`.
        license: the model's licence tag, `none` when it declares none.
        format: a quantization's format from tags and library (`tracker.read.metrics.quant_format`); empty for
            the other relations.
        size_class: the members' effective size class (`tracker.core.usage.SIZE_CLASSES`): their own parameter
            count's, an adapter's or quantization's its parent's
            (`tracker.core.usage.effective_size_classes`).
        models: members in the group.
        new: members not in the ecosystem's previous complete run; None for its first run.
        downloads_30d: sum of the 30-day downloads.
        downloads_delta: sum of the members' all-time deltas; None when no member has one.
        with_delta: members with a delta.
        negative_deltas: members whose delta is negative (the Hub revised its count down).
        negative_sum: sum of those negative deltas.
        weeks: weeks since the ecosystem's previous complete run; None for its first run.
        with_providers: members whose live inference providers the run recorded (None is not zero).
        live_models: members served live by at least one provider.
        provider_pairs: (member, provider) pairs serving live: the members' provider counts, summed.
    """

    __tablename__ = "rollup"

    run_id: int = Field(primary_key=True, foreign_key="snapshot_run.id")
    ecosystem: str = Field(primary_key=True)
    family: str = Field(primary_key=True)
    relation: str = Field(primary_key=True)
    license: str = Field(primary_key=True)
    format: str = Field(primary_key=True)
    size_class: str = Field(primary_key=True, default="unknown")
    models: int
    new: int | None = None
    downloads_30d: int = Field(default=0, sa_type=BigInteger)
    downloads_delta: int | None = Field(default=None, sa_type=BigInteger)
    with_delta: int = 0
    negative_deltas: int = 0
    negative_sum: int = Field(default=0, sa_type=BigInteger)
    weeks: float | None = Field(default=None, sa_type=Float)
    with_providers: int = 0
    live_models: int = 0
    provider_pairs: int = 0


class RollupProvider(SQLModel, table=True):
    """Per complete run and ecosystem, each inference provider's live members by family and relation.

    Columns:
        run_id, ecosystem, family, relation: as in `membership` (roots too: relation `base`).
        provider: the provider's name, as the Hub's `inferenceProviderMapping` gives it.
        models: members it serves live.
    """

    __tablename__ = "rollup_provider"

    run_id: int = Field(primary_key=True, foreign_key="snapshot_run.id")
    ecosystem: str = Field(primary_key=True)
    family: str = Field(primary_key=True)
    relation: str = Field(primary_key=True)
    provider: str = Field(primary_key=True)
    models: int


class RollupBuilder(SQLModel, table=True):
    """Per complete run and ecosystem, each builder's derivatives by family and relation.

    Columns:
        run_id, ecosystem, family, relation: as in `membership` (derivatives only: no `base`); family and
            relation `*` on the row that sums all of the builder's derivatives in the ecosystem.
        author: the builder (the model's namespace).
        derivatives: the builder's derivatives in the group.
        downloads_30d: their 30-day downloads, summed.
        weekly_downloads: their weekly downloads (each model's delta over the weeks since the previous
            run, rounded), summed; None when none has a delta.
    """

    __tablename__ = "rollup_builder"

    run_id: int = Field(primary_key=True, foreign_key="snapshot_run.id")
    ecosystem: str = Field(primary_key=True)
    family: str = Field(primary_key=True)
    relation: str = Field(primary_key=True)
    author: str = Field(primary_key=True)
    derivatives: int
    downloads_30d: int = Field(default=0, sa_type=BigInteger)
    weekly_downloads: int | None = Field(default=None, sa_type=BigInteger)


class RollupMover(SQLModel, table=True):
    """Per complete run, ecosystem, family and relation: the top of each movers board.

    The top n of any union of groups is within the union of each group's top n, so keeping the first
    `tracker.core.rollup_rows.BOARD_SIZE` of every group answers any filter exactly for n up to that size.

    Columns:
        run_id, ecosystem, family, relation: as in `membership` (derivatives only).
        board: `risers` (change, largest first), `fallers` (change, smallest first), `relative`
            (relative change, largest first, among models with 100 weekly downloads or more before) or
            `top` (weekly downloads, largest first).
        rank: 1 for the first of the group's board; ties are broken by model id.
        model_id, author: the model.
        weekly_downloads: its weekly downloads in this run.
        weekly_downloads_before: its weekly downloads in the ecosystem's previous run.
        change: weekly_downloads minus weekly_downloads_before.
        relative_change: change over weekly_downloads_before.
    """

    __tablename__ = "rollup_mover"

    run_id: int = Field(primary_key=True, foreign_key="snapshot_run.id")
    ecosystem: str = Field(primary_key=True)
    family: str = Field(primary_key=True)
    relation: str = Field(primary_key=True)
    board: str = Field(primary_key=True)
    rank: int = Field(primary_key=True)
    model_id: str
    author: str | None = None
    weekly_downloads: int | None = Field(default=None, sa_type=BigInteger)
    weekly_downloads_before: int | None = Field(default=None, sa_type=BigInteger)
    change: int | None = Field(default=None, sa_type=BigInteger)
    relative_change: float | None = Field(default=None, sa_type=Float)


class LineageNode(SQLModel, table=True):
    """The lineage explorer's index of a member, written when its run's roll-ups are (the latest two
    rolled-up runs only: the explorer shows the latest run, the one before covers a reader mid-switch).

    Within the ecosystem: links count only between two of its members, ids matched in any case.

    Columns:
        run_id, model_id, ecosystem, family, relation, depth: as in `membership`.
        downloads_30d, likes: the model's figures in the run.
        order_key: downloads_30d, or -1 when unknown (the search's order, the same on both databases).
        root_id: the root its path ends at (itself for a root).
        path: the ids from its tracked parent of least depth (ties by id) up to the root, one per line;
            empty for a root.
        parents: its tracked parents, one per line, sorted (a merge has several).
        children: its tracked direct children; children_<relation>: those declared with that relation.
        descendants: its tracked descendants through any chain of links, each counted once.
        subtree_downloads: downloads_30d of itself and its descendants (each once), unknown as 0.
        tree_downloads, tree_models: its subtree's size with each merge shared among its parents (its own
            downloads_30d, or 1, plus each child's size over the child's number of parents): the
            explorer's tree draws each child inside its parent from these alone.
    """

    __tablename__ = "lineage_node"
    __table_args__ = (
        Index("ix_lineage_node_search", "run_id", "order_key"),
        Index("ix_lineage_node_roots", "run_id", "depth", "children"),
        {"sqlite_with_rowid": False},  # stored in key order: a member's rows are one read
    )

    run_id: int = Field(primary_key=True, foreign_key="snapshot_run.id")
    model_id: str = Field(primary_key=True)
    ecosystem: str = Field(primary_key=True)
    family: str
    relation: str
    depth: int
    downloads_30d: int | None = Field(default=None, sa_type=BigInteger)
    likes: int | None = None
    order_key: int = Field(sa_type=BigInteger)
    root_id: str
    path: str
    parents: str
    children: int
    children_finetune: int
    children_adapter: int
    children_quantized: int
    children_merge: int
    descendants: int
    subtree_downloads: int = Field(sa_type=BigInteger)
    tree_downloads: float = Field(sa_type=Float)
    tree_models: float = Field(sa_type=Float)


class LineageLink(SQLModel, table=True):
    """Each member's tracked ancestors in the run and ecosystem (as `lineage_node`): one row per
    (ancestor, descendant) pair, so a subtree is one range of the key (SQLite stores it in key order),
    a merge in it once; the descendant's columns the explorer draws are copied here.

    Columns:
        run_id, ecosystem: the run and ecosystem.
        ancestor_id: the ancestor; model_id: its descendant (never itself).
        level: the fewest links from the ancestor down to the descendant.
        family, relation, depth, downloads_30d, likes, parents, descendants, tree_downloads,
            tree_models: the descendant's, as in `lineage_node`.
    """

    __tablename__ = "lineage_link"
    # The explorer reads a subtree's largest first, by either size: indexes `LINK_ORDERS`, by migration.
    __table_args__ = ({"sqlite_with_rowid": False},)

    run_id: int = Field(primary_key=True, foreign_key="snapshot_run.id")
    ancestor_id: str = Field(primary_key=True)
    ecosystem: str = Field(primary_key=True)
    model_id: str = Field(primary_key=True)
    level: int
    family: str
    relation: str
    depth: int
    downloads_30d: int | None = Field(default=None, sa_type=BigInteger)
    likes: int | None = None
    parents: str
    descendants: int
    tree_downloads: float = Field(sa_type=Float)
    tree_models: float = Field(sa_type=Float)


# Objects migration 0007 writes differently per database, outside SQLModel's metadata:
# - the lineage search's index of model ids, by trigrams (any case): on SQLite an FTS5 table kept by
#   triggers on `model` (its rowids are `model`'s); on PostgreSQL a pg_trgm GIN index on lower(model_id)
#   (none when the extension cannot be created);
# - `lineage_link`'s indexes by subtree size, (run_id, ancestor_id, size, ecosystem, model_id): on SQLite
#   covering every column the explorer reads (a subtree is then one read of the index); on PostgreSQL
#   those keys only (a key cannot hold a merge's long list of parents).
MODEL_SEARCH = "model_search"
LINK_ORDERS = ("ix_lineage_link_tree_downloads", "ix_lineage_link_tree_models")


def is_dialect_object(name: str | None) -> bool:
    """Whether a schema object is one of those (autogenerate and the schema checks leave them out)."""
    return bool(name) and (name.startswith(MODEL_SEARCH) or name in (f"ix_{MODEL_SEARCH}", *LINK_ORDERS))
