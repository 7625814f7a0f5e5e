"""The lineage explorer's index of the latest rolled-up runs: each member's node, each (ancestor,
descendant) link (the maths: `tracker.core.lineage_index`).
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Float, Index
from sqlmodel import Field, SQLModel

import tracker.storage.tables.naming  # noqa: F401 - names the constraints of the tables below


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
