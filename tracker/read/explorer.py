"""The lineage explorer's queries: the run's roots, a member with its path, parents and children, its
subtree largest first, and the search of member ids. Read from the index written when the run's roll-ups
are (`lineage_node`, `lineage_link`: see `tracker.core.lineage_index`) and the trigram index of model
ids: no walk over the links at read time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Select, func, literal, select
from sqlalchemy import text as text_sql
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from tracker.core.lineage_index import LINK_COPIES, SEPARATOR
from tracker.core.records import RELATIONS
from tracker.read.metrics import Filters
from tracker.read.queries import EVERYTHING, contains_text
from tracker.storage.handles import LINEAGE_LINKS, LINEAGE_NODES, MODELS
from tracker.storage.tables import MODEL_SEARCH

CHILDREN_BY = tuple(f"children_{relation}" for relation in RELATIONS)


@dataclass(frozen=True)
class Member:
    """A tracked model in the latest run: where it sits in its lineage, and its figures."""

    model_id: str
    ecosystem: str
    family: str
    relation: str
    depth: int
    downloads_30d: int | None
    likes: int | None
    root_id: str
    path: tuple[str, ...]  # from its tracked parent of least depth up to the root
    parents: tuple[str, ...]
    children: dict[str, int]  # by declared relation
    descendants: int
    subtree_downloads: int


def _within(query: Select, table, filters: Filters) -> Select:  # noqa: ANN001 - a Table
    """The sidebar's ecosystems, families and relations on a lineage table (the explorer's: no dates)."""
    if filters.ecosystems:
        query = query.where(table.c.ecosystem.in_(list(filters.ecosystems)))
    if filters.families:
        query = query.where(table.c.family.in_(list(filters.families)))
    if filters.relations:
        query = query.where(table.c.relation.in_(list(filters.relations)))
    return query


def _nodes(run_id: int, filters: Filters, *columns) -> Select:  # noqa: ANN002 - columns of lineage_node
    return _within(select(*columns).where(LINEAGE_NODES.c.run_id == run_id), LINEAGE_NODES, filters)


def _ids(engine: Engine, query: Select, limit: int | None = None) -> list[str]:
    """The query's model ids, each once (a model in several ecosystems has a row in each)."""
    with engine.connect() as connection:
        ids = _ids_of(connection, query)
    return ids[:limit] if limit is not None else ids


SEARCH_TOP = 2_000  # the most downloaded members a search reads first, and the trigram index's hits it takes


def find_members(engine: Engine, run_id: int, filters: Filters, text: str, *, limit: int = 200) -> list[str]:
    """Members of the run whose id contains `text` (any case), most downloaded first.

    A common text is answered from the `SEARCH_TOP` most downloaded members within the filters; a rarer
    one from the trigram index of model ids (`tracker.storage.tables.MODEL_SEARCH`): a few thousand hits at
    most,
    then sorted. Only a text both rare and common beyond the most downloaded, or under three characters
    without enough matches among them, scans every member of the run.
    """
    n = LINEAGE_NODES
    wanted = limit * 4  # a model in several ecosystems comes once per ecosystem
    ordered = (n.c.order_key.desc(), n.c.model_id)
    top = _nodes(run_id, filters, n.c.model_id, n.c.order_key).order_by(*ordered).limit(SEARCH_TOP).subquery()
    query = select(top.c.model_id).where(contains_text(top.c.model_id, text))
    with engine.connect() as connection:
        found = _ids_of(connection, query.order_by(top.c.order_key.desc(), top.c.model_id).limit(wanted))
        if len(found) >= limit or _fewer_than_top(connection, run_id, filters):
            return found[:limit]
        hits = _search_hits(connection, text)
        query = _nodes(run_id, filters, n.c.model_id).where(contains_text(n.c.model_id, text))
        if hits is not None:
            query = query.where(n.c.model_id.in_(hits))
        return _ids_of(connection, query.order_by(*ordered).limit(wanted))[:limit]


def _ids_of(connection, query: Select) -> list[str]:  # noqa: ANN001 - a Connection
    """The query's model ids, each once, on an open connection."""
    return list(dict.fromkeys(connection.execute(query).scalars()))


def _fewer_than_top(connection, run_id: int, filters: Filters) -> bool:  # noqa: ANN001 - a Connection
    """Whether the run has at most `SEARCH_TOP` members within the filters (the first read saw them all)."""
    n = LINEAGE_NODES
    query = _nodes(run_id, filters, n.c.model_id).limit(SEARCH_TOP + 1).subquery()
    return connection.execute(select(func.count()).select_from(query)).scalar() <= SEARCH_TOP


def _search_hits(connection, text: str) -> list[str] | None:  # noqa: ANN001 - a Connection
    """The model ids containing `text` by the trigram index, when it has one and `SEARCH_TOP` hits at
    most; None otherwise (the search then scans). PostgreSQL's planner uses its index by itself."""
    if len(text) < 3:  # no trigram in it: neither index can answer
        return None
    if connection.dialect.name == "postgresql":
        return _trigram_ids(connection, text)
    if connection.dialect.name != "sqlite":
        return None
    phrase = '"' + text.replace('"', '""') + '"'
    query = text_sql(
        f"SELECT m.model_id FROM {MODEL_SEARCH} s JOIN model m ON m.rowid = s.rowid "
        f"WHERE {MODEL_SEARCH} MATCH :phrase LIMIT {SEARCH_TOP + 1}"
    )
    try:
        ids = list(connection.execute(query, {"phrase": phrase}).scalars())
    except OperationalError:  # no FTS5 table on this database (see migration 0007)
        return None
    return ids if len(ids) <= SEARCH_TOP else None


def _trigram_ids(connection, text: str) -> list[str] | None:  # noqa: ANN001 - a Connection
    """On PostgreSQL: the model ids containing `text`, by the pg_trgm index when it is there."""
    m = MODELS
    query = select(m.c.model_id).where(contains_text(m.c.model_id, text))
    ids = list(connection.execute(query.limit(SEARCH_TOP + 1)).scalars())
    return ids if len(ids) <= SEARCH_TOP else None


def lineage_roots(engine: Engine, run_id: int, filters: Filters) -> list[str]:
    """The run's roots within the filters, those with the most direct children first."""
    n = LINEAGE_NODES
    query = (
        _nodes(run_id, filters, n.c.model_id)
        .where(n.c.depth == 0)
        .order_by(n.c.children.desc(), n.c.order_key.desc(), n.c.model_id)
    )
    return _ids(engine, query)


def is_indexed(engine: Engine, run_id: int) -> bool:
    """Whether the run has its lineage index (a backfill stopped before its end leaves its last runs
    without it: `tracker.storage.latest_lineage`)."""
    query = select(LINEAGE_NODES.c.run_id).where(LINEAGE_NODES.c.run_id == run_id).limit(1)
    with engine.connect() as connection:
        return connection.execute(query).first() is not None


def is_member(engine: Engine, run_id: int, filters: Filters, model_id: str) -> bool:
    """Whether the model is a member of the run within the filters."""
    n = LINEAGE_NODES
    query = _nodes(run_id, filters, n.c.model_id).where(n.c.model_id == model_id).limit(1)
    with engine.connect() as connection:
        return connection.execute(query).first() is not None


def _lines(text: str) -> tuple[str, ...]:
    return tuple(text.split(SEPARATOR)) if text else ()


def load_member(
    engine: Engine, run_id: int, model_id: str, ecosystems: Sequence[str] | None = None
) -> Member | None:
    """One member of the run (its first ecosystem, of `ecosystems` if given), with its path, parents and
    subtree figures; or None."""
    n = LINEAGE_NODES
    query = _nodes(run_id, Filters(ecosystems=tuple(ecosystems or ())), n).where(n.c.model_id == model_id)
    query = query.order_by(n.c.ecosystem).limit(1)
    with engine.connect() as connection:
        row = connection.execute(query).first()
    if row is None:
        return None
    values = row._mapping
    return Member(
        model_id=values["model_id"],
        ecosystem=values["ecosystem"],
        family=values["family"],
        relation=values["relation"],
        depth=values["depth"],
        downloads_30d=values["downloads_30d"],
        likes=values["likes"],
        root_id=values["root_id"],
        path=_lines(values["path"]),
        parents=_lines(values["parents"]),
        children={relation: values[f"children_{relation}"] for relation in RELATIONS},
        descendants=values["descendants"],
        subtree_downloads=values["subtree_downloads"],
    )


_SUBTREE = ("model_id", *LINK_COPIES)  # what the explorer reads of each model of a subtree
TREE_SIZES = {"downloads": "tree_downloads", "models": "tree_models"}


def load_subtree(
    engine: Engine,
    run_id: int,
    model_id: str,
    ecosystems: Sequence[str] | None = None,
    *,
    size: str = "downloads",
    limit: int | None = None,
    max_level: int | None = None,
) -> pd.DataFrame:
    """The model, then its descendants by the run's declared links, largest first by `size` (its
    `TREE_SIZES` column: a merge's size shared among its parents); at most `limit` of them, no more than
    `max_level` links below it. Columns: `_SUBTREE`'s and `level` (the fewest links from the model).
    A model in several of the ecosystems comes once, at its nearest level."""
    n, link = LINEAGE_NODES, LINEAGE_LINKS
    order = TREE_SIZES[size]
    below = select(*(link.c[name] for name in _SUBTREE), link.c.level).where(
        link.c.run_id == run_id, link.c.ancestor_id == model_id
    )
    if ecosystems:
        below = below.where(link.c.ecosystem.in_(list(ecosystems)))
    if max_level is not None:
        below = below.where(link.c.level <= max_level)
    # the index's order, backwards: the largest first, read without a sort
    below = below.order_by(link.c[order].desc(), link.c.ecosystem.desc(), link.c.model_id.desc()).limit(limit)
    itself = _nodes(run_id, Filters(ecosystems=tuple(ecosystems or ())), *(n.c[name] for name in _SUBTREE))
    itself = itself.add_columns(literal(0).label("level")).where(n.c.model_id == model_id)
    with engine.connect() as connection:
        rows = [*connection.execute(itself).all(), *connection.execute(below).all()]
    names = [*_SUBTREE, "level"]
    frame = pd.DataFrame(
        dict(zip(names, zip(*rows, strict=True), strict=True)) if rows else {k: [] for k in names}
    )
    for name in ("depth", "downloads_30d", "likes", "level", "descendants"):
        frame[name] = pd.array(frame[name], dtype="Int64")
    if frame["model_id"].duplicated().any():  # in several ecosystems: the nearest level, every parent
        parents = frame.groupby("model_id")["parents"].agg(
            lambda texts: SEPARATOR.join(sorted({p for t in texts for p in _lines(t)}))
        )
        frame = frame.sort_values("level", kind="stable").drop_duplicates("model_id")
        frame["parents"] = frame["model_id"].map(parents)
    return frame.reset_index(drop=True)


def subtree_figures(
    engine: Engine, run_id: int, model_id: str, filters: Filters = EVERYTHING
) -> dict[str, int]:
    """The model's descendants within the filters (each once) and their 30-day downloads (unknown as 0)."""
    link = LINEAGE_LINKS
    inner = select(
        link.c.model_id, func.max(func.coalesce(link.c.downloads_30d, 0)).label("downloads")
    ).where(link.c.run_id == run_id, link.c.ancestor_id == model_id)
    inner = _within(inner, link, filters).group_by(link.c.model_id).subquery()
    query = select(func.count(), func.coalesce(func.sum(inner.c.downloads), 0))
    with engine.connect() as connection:
        count, downloads = connection.execute(query.select_from(inner)).one()
    return {"descendants": int(count), "downloads_30d": int(downloads)}
