"""The dashboard's queries: each page's figures, read from the roll-ups and the latest run only.

Nothing here reads the whole history: the series come from `rollup` (a few hundred rows per run),
builders and movers from their roll-ups, the lineage explorer from its index of the latest run
(`lineage_node`, `lineage_link`, and the trigram index of model ids). `tracker.storage.rollups` writes those
tables when a run completes, with `tracker.read.metrics`'s maths; the tests check that both paths give the
same figures.
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
from tracker.core.rollup_rows import ANY, BOARD_SIZE
from tracker.read.metrics import Filters, weekly_rate
from tracker.storage.handles import (
    LINEAGE_LINKS,
    LINEAGE_NODES,
    MEMBERSHIP,
    MODELS,
    ROLLUP,
    ROLLUP_BUILDERS,
    ROLLUP_MOVERS,
    RUNS,
)
from tracker.storage.tables import (
    MODEL_SEARCH,
)

SERIES_BY = ("family", "relation", "license", "format", "size_class")
EVERYTHING = Filters()


def where_filters(query: Select, table, filters: Filters, *, ecosystems: bool = True) -> Select:  # noqa: ANN001
    """The sidebar's filters on a roll-up table joined with `snapshot_run`."""
    query = query.where(RUNS.c.status == "complete")
    if ecosystems and filters.ecosystems:
        query = query.where(table.c.ecosystem.in_(list(filters.ecosystems)))
    if filters.families:
        query = query.where(table.c.family.in_(list(filters.families)))
    if filters.relations:
        query = query.where(table.c.relation.in_(list(filters.relations)))
    if filters.since is not None:
        query = query.where(RUNS.c.taken_at >= filters.since)
    if filters.until is not None:
        query = query.where(RUNS.c.taken_at <= filters.until)
    return query


def read_frame(engine: Engine, query: Select) -> pd.DataFrame:
    with engine.connect() as connection:
        result = connection.execute(query)
        return pd.DataFrame(result.all(), columns=list(result.keys()))


def utc_columns(frame: pd.DataFrame, *names: str) -> pd.DataFrame:
    for name in names:
        frame[name] = pd.to_datetime(frame[name], utc=True)
    return frame


# --- choices and runs -----------------------------------------------------------------------------------


def load_choices(engine: Engine) -> dict[str, list]:
    """What the sidebar offers: ecosystems, families, relations (derivatives' and roots'), run dates."""
    r = ROLLUP
    with engine.connect() as connection:
        values = {
            name: sorted(connection.execute(select(r.c[name]).distinct()).scalars())
            for name in ("ecosystem", "family", "relation")
        }
        dates = connection.execute(
            select(func.min(RUNS.c.taken_at), func.max(RUNS.c.taken_at)).where(
                RUNS.c.status == "complete", RUNS.c.id.in_(select(r.c.run_id).distinct())
            )
        ).one()
    first, last = (None if d is None else pd.to_datetime(d, utc=True) for d in dates)
    return {
        "ecosystems": values["ecosystem"],
        "families": values["family"],
        "relations": values["relation"],
        "dates": [first.date(), last.date()] if first is not None else [],
    }


def load_archive_runs(engine: Engine) -> pd.DataFrame:
    """The complete runs backfilled from the Hub's weekly archive: taken_at and source, oldest first."""
    query = (
        select(RUNS.c.taken_at, RUNS.c.source)
        .where(RUNS.c.status == "complete", RUNS.c.strategy == "archive")
        .order_by(RUNS.c.taken_at)
    )
    return utc_columns(read_frame(engine, query), "taken_at")


def rolled_up_runs(*columns) -> Select:  # noqa: ANN002 - columns of snapshot_run
    """The complete runs whose roll-ups are written, latest first (by taken_at, then id): the runs the
    dashboard and the digest show. `columns`: what to select (default: the id)."""
    return (
        select(*(columns or (RUNS.c.id,)))
        .where(RUNS.c.status == "complete", RUNS.c.rolled_up_at.is_not(None))
        .order_by(RUNS.c.taken_at.desc(), RUNS.c.id.desc())
    )


def latest_runs(engine: Engine, filters: Filters, count: int = 2) -> list[int]:
    """The latest `count` complete runs with roll-up rows within the filters, latest first."""
    r = ROLLUP
    query = where_filters(
        select(r.c.run_id, RUNS.c.taken_at).join(RUNS, RUNS.c.id == r.c.run_id).distinct(), r, filters
    )
    query = query.order_by(RUNS.c.taken_at.desc(), r.c.run_id.desc()).limit(count)
    with engine.connect() as connection:
        return [row.run_id for row in connection.execute(query)]


# --- series -----------------------------------------------------------------------------------------------


PROVIDER_SUMS = ("with_providers", "live_models", "provider_pairs")


def load_series(
    engine: Engine, filters: Filters = EVERYTHING, by: str | None = None, *, roots: bool = False
) -> pd.DataFrame:
    """Per run and ecosystem (and `by`): derivatives, new, 30-day downloads, delta, weekly downloads,
    and the members' live providers (with_providers: members whose providers the run recorded;
    live_models: served live by one or more; provider_pairs: (model, provider) pairs).

    The columns and figures of `metrics.compute_counts`, `compute_new` and `compute_downloads` joined
    on their keys; `roots=True` counts the roots too (`derivatives` is then every member).
    """
    if by is not None and by not in SERIES_BY + ("ecosystem",):
        raise ValueError(f"cannot group the series by {by!r}")
    r = ROLLUP
    keys = [r.c.run_id, RUNS.c.taken_at, r.c.ecosystem] + ([r.c[by]] if by and by != "ecosystem" else [])
    query = select(
        *keys,
        func.sum(r.c.models).label("derivatives"),
        func.sum(r.c.new).label("new"),
        func.sum(r.c.downloads_30d).label("downloads_30d"),
        func.sum(r.c.downloads_delta).label("downloads_delta"),
        func.sum(r.c.with_delta).label("with_delta"),
        func.sum(r.c.negative_deltas).label("negative_deltas"),
        func.sum(r.c.negative_sum).label("negative_sum"),
        func.max(r.c.weeks).label("weeks"),
        *(func.sum(r.c[name]).label(name) for name in PROVIDER_SUMS),
    ).join(RUNS, RUNS.c.id == r.c.run_id)
    if not roots:
        query = query.where(r.c.relation != "base")
    query = where_filters(query, r, filters).group_by(*keys).order_by(RUNS.c.taken_at, r.c.run_id)
    frame = utc_columns(read_frame(engine, query.order_by(r.c.ecosystem)), "taken_at")
    counts = ("derivatives", "new", "downloads_30d", "downloads_delta", "negative_deltas", "negative_sum")
    for name in counts + PROVIDER_SUMS:
        frame[name] = pd.array(frame[name], dtype="Int64")
    frame.loc[frame["with_delta"] == 0, "downloads_delta"] = pd.NA
    frame["weeks"] = frame["weeks"].astype("Float64")
    frame["weekly_downloads"] = weekly_rate(frame["downloads_delta"], frame["weeks"])
    return frame.drop(columns="with_delta")


# --- builders and movers ------------------------------------------------------------------------------


def load_builders(engine: Engine, filters: Filters = EVERYTHING) -> pd.DataFrame:
    """Builders of the latest run's derivatives: derivatives, 30-day and weekly downloads, share.

    A model in two selected ecosystems counts in each.
    """
    columns = ["author", "derivatives", "downloads_30d", "weekly_downloads", "share_30d"]
    latest = latest_runs(engine, filters, 1)
    if not latest:
        return pd.DataFrame(columns=columns)
    b = ROLLUP_BUILDERS
    query = where_filters(
        select(
            b.c.author,
            func.sum(b.c.derivatives).label("derivatives"),
            func.sum(b.c.downloads_30d).label("downloads_30d"),
            func.sum(b.c.weekly_downloads).label("weekly_downloads"),
        )
        .join(RUNS, RUNS.c.id == b.c.run_id)
        .where(b.c.run_id == latest[0])
        .group_by(b.c.author),
        b,
        filters,
    )
    # Rows per family and relation when the filters name some, else the one row per builder.
    fine = (b.c.family != ANY) & (b.c.relation != ANY)
    query = query.where(fine if filters.families or filters.relations else (b.c.family == ANY))
    out = read_frame(engine, query)
    for name in ("derivatives", "downloads_30d", "weekly_downloads"):
        out[name] = pd.array(out[name], dtype="Int64")
    total = out["downloads_30d"].sum()
    out["share_30d"] = out["downloads_30d"].astype("Float64") / total if total else pd.NA
    return out.sort_values(["downloads_30d", "author"], ascending=[False, True], ignore_index=True)[columns]


_MOVER_COLUMNS = [
    "ecosystem",
    "model_id",
    "family",
    "relation",
    "author",
    "weekly_downloads",
    "weekly_downloads_before",
    "change",
    "relative_change",
]


def _boards(engine: Engine, filters: Filters, run_id: int) -> pd.DataFrame:
    m = ROLLUP_MOVERS
    query = where_filters(
        select(m.c.board, *(m.c[name] for name in _MOVER_COLUMNS))
        .join(RUNS, RUNS.c.id == m.c.run_id)
        .where(m.c.run_id == run_id),
        m,
        filters,
    )
    frame = read_frame(engine, query)
    for name in ("weekly_downloads", "weekly_downloads_before", "change"):
        frame[name] = pd.array(frame[name], dtype="Int64")
    frame["relative_change"] = frame["relative_change"].astype("Float64")
    return frame


def load_movers(engine: Engine, filters: Filters = EVERYTHING, *, n: int = 10) -> dict[str, pd.DataFrame]:
    """Risers, fallers, relative risers of the latest run, and entrants to its top `n` (n <= 50).

    As `metrics.compute_movers`: weekly downloads against the ecosystem's previous run; entrants are in
    this run's top `n` and not in the previous run's.
    """
    if not 1 <= n <= BOARD_SIZE:
        raise ValueError(f"n must be between 1 and {BOARD_SIZE}, not {n}")
    runs = latest_runs(engine, filters, 2)
    empty = pd.DataFrame(columns=_MOVER_COLUMNS)
    if len(runs) < 2:
        return {name: empty for name in ("risers", "fallers", "relative_risers", "entrants")}
    now = _boards(engine, filters, runs[0])
    before = _boards(engine, filters, runs[1])

    def board(frame: pd.DataFrame, name: str, column: str, descending: bool) -> pd.DataFrame:
        rows = frame[frame["board"] == name].sort_values(
            [column, "model_id"], ascending=[not descending, True], ignore_index=True
        )
        return rows[_MOVER_COLUMNS]

    top_now = board(now, "top", "weekly_downloads", True).drop_duplicates("model_id").head(n)
    top_before = set(
        board(before, "top", "weekly_downloads", True).drop_duplicates("model_id").head(n)["model_id"]
    )
    return {
        "risers": board(now, "risers", "change", True).head(n),
        "fallers": board(now, "fallers", "change", False).head(n),
        "relative_risers": board(now, "relative", "relative_change", True).head(n),
        "entrants": top_now[~top_now["model_id"].isin(top_before)].reset_index(drop=True),
    }


# --- the lineage explorer ---------------------------------------------------------------------------------
# Read from the index written when the run's roll-ups are (`lineage_node`, `lineage_link`: see
# `tracker.core.lineage_index`): no walk over the links at read time.

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


def _contains(column, text: str):  # noqa: ANN001, ANN202 - a column, a clause
    """Ids in `column` containing `text`, in any case: its LIKE wildcards taken literally."""
    pattern = "%" + text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return func.lower(column).like(pattern, escape="\\")


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
    query = select(top.c.model_id).where(_contains(top.c.model_id, text))
    with engine.connect() as connection:
        found = _ids_of(connection, query.order_by(top.c.order_key.desc(), top.c.model_id).limit(wanted))
        if len(found) >= limit or _fewer_than_top(connection, run_id, filters):
            return found[:limit]
        hits = _search_hits(connection, text)
        query = _nodes(run_id, filters, n.c.model_id).where(_contains(n.c.model_id, text))
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
    query = select(m.c.model_id).where(_contains(m.c.model_id, text))
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


def load_history_rows(
    engine: Engine,
    filters: Filters,
    *,
    run_ids: Sequence[int] | None = None,
    contains: str | None = None,
    limit: int | None = None,
) -> pd.DataFrame:
    """History rows in the export's columns and order (as `metrics.load_history`, without the model's
    attributes); `contains`: only model ids containing it, in any case.

    Read run by run, oldest first, each in its key's order: sorting a year of rows to return the
    first 10,000 took SQLite seconds.
    """
    from tracker.read.history import history_select

    if run_ids is None:
        runs = select(RUNS.c.id).where(RUNS.c.status == "complete").order_by(RUNS.c.taken_at, RUNS.c.id)
        if filters.since is not None:
            runs = runs.where(RUNS.c.taken_at >= filters.since)
        if filters.until is not None:
            runs = runs.where(RUNS.c.taken_at <= filters.until)
        with engine.connect() as connection:
            run_ids = list(connection.execute(runs).scalars())
    frames = []
    left = limit
    for run_id in run_ids:
        query = history_select(ecosystems=filters.ecosystems, families=filters.families, run_ids=[run_id])
        query = query.order_by(None).order_by(MEMBERSHIP.c.ecosystem, MEMBERSHIP.c.model_id)
        if filters.relations:
            query = query.where(MEMBERSHIP.c.relation.in_(list(filters.relations)))
        if contains:
            query = query.where(_contains(MEMBERSHIP.c.model_id, contains))
        if left is not None:
            query = query.limit(left)
        frames.append(read_frame(engine, query))
        if left is not None:
            left -= len(frames[-1])
            if left <= 0:
                break
    if not frames:
        frames.append(read_frame(engine, history_select(run_ids=[])))
    frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    counts = ("depth", "downloads_30d", "downloads_all_time", "downloads_delta", "likes", "trending_score")
    for name in counts:
        frame[name] = pd.array(frame[name], dtype="Int64")
    return utc_columns(frame, "taken_at")


def count_history_rows(engine: Engine, filters: Filters) -> int:
    """How many history rows the filters keep (from the roll-ups: no scan of the history)."""
    r = ROLLUP
    query = where_filters(
        select(func.coalesce(func.sum(r.c.models), 0)).join(RUNS, RUNS.c.id == r.c.run_id), r, filters
    )
    with engine.connect() as connection:
        return int(connection.execute(query).scalar() or 0)
