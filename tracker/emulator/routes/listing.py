"""`GET /api/models`: query validation, filtering, ordering and cursor pagination.

Pages are "seek" pages, as cursor pagination is on the Hub: the cursor holds the sort key and
`_id` of the last item served, and the next page starts strictly after it. Models created or
deleted while a client pages through are therefore neither skipped nor served twice by the
ordering itself.

On a catalogue with a compact part, each part yields its candidates in its own `_id` order and the
page merges the two by `_id`; the compact part answers filters from its arrays (children by parent,
models by author, static tags), so a `filter=base_model:X` page costs what it costs without it.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import heapq
import itertools
import json
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from urllib.parse import parse_qsl

import numpy as np

from tracker.emulator.catalogue import Catalogue
from tracker.emulator.payloads import EXPAND_PROPERTIES
from tracker.emulator.vocabulary import RELATIONS

SORTS = ("downloads", "likes", "createdAt", "lastModified", "trendingScore")
MAX_LIMIT = 1000
DEFAULT_LIMIT = 1000
_TRUE, _FALSE = {"true", "1"}, {"false", "0"}


class QueryError(ValueError):
    """A malformed query: the Hub answers 400 with `{"error": message}`."""


@dataclass(frozen=True)
class Query:
    """A validated listing query."""

    filters: tuple[str, ...] = ()
    author: str | None = None
    search: str | None = None
    pipeline_tag: str | None = None
    sort: str | None = None
    limit: int = DEFAULT_LIMIT
    expand: tuple[str, ...] = ()
    full: bool = False
    card_data: bool = False
    config: bool = False
    cursor: tuple[int | None, str] | None = None
    gated: bool | None = None  # `gated=true`: gated models only; `false`: non-gated only

    def selection_key(self) -> tuple:
        """What decides the set and order of results (not the page or the payload)."""
        return (
            self.filters,
            (self.author or "").lower(),
            (self.search or "").lower(),
            self.pipeline_tag,
            self.sort,
            self.gated,
        )


def _flag(name: str, value: str) -> bool:
    lowered = value.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise QueryError(f'"{name}" must be a boolean')


def parse_expand(pairs: list[tuple[str, str]]) -> tuple[str, ...]:
    """Values of `expand=` and `expand[]=` (repeatable), each checked against the Hub's list."""
    values = [v for k, v in pairs if k in ("expand", "expand[]")]
    for v in values:
        if v not in EXPAND_PROPERTIES:
            raise QueryError(f'"expand" must be one of [{", ".join(EXPAND_PROPERTIES)}], got "{v}"')
    return tuple(values)


def parse_query(query_string: str) -> Query:
    """Validate a listing query string; a malformed parameter raises QueryError."""
    pairs = parse_qsl(query_string, keep_blank_values=True)
    single: dict[str, str] = {}
    for k, v in pairs:
        if k in (
            "author",
            "search",
            "sort",
            "limit",
            "full",
            "cardData",
            "config",
            "cursor",
            "pipeline_tag",
            "direction",
            "gated",
        ):
            if k in single:
                raise QueryError(f'"{k}" must be given at most once')
            single[k] = v
    filters = tuple(v for k, v in pairs if k == "filter" and v)
    sort = single.get("sort") or None
    if sort is not None and sort not in SORTS:
        raise QueryError(f'"sort" must be one of [{", ".join(SORTS)}], got "{sort}"')
    if single.get("direction", "-1") != "-1":
        raise QueryError('"direction" is no longer supported: sorting is always descending')
    limit = DEFAULT_LIMIT
    if "limit" in single:
        text = single["limit"]
        if not (text.isascii() and text.isdigit()) or int(text) < 1:  # "²".isdigit() but int("²") fails
            raise QueryError('"limit" must be a positive integer')
        limit = min(int(text), MAX_LIMIT)
    expand = parse_expand(pairs)
    full = _flag("full", single["full"]) if "full" in single else False
    card_data = _flag("cardData", single["cardData"]) if "cardData" in single else False
    config = _flag("config", single["config"]) if "config" in single else False
    if expand and (full or card_data or config):
        raise QueryError('"expand" cannot be combined with "full", "cardData" or "config"')
    cursor = decode_cursor(single["cursor"], sort) if single.get("cursor") else None
    return Query(
        filters,
        single.get("author") or None,
        single.get("search") or None,
        single.get("pipeline_tag") or None,
        sort,
        limit,
        expand,
        full,
        card_data,
        config,
        cursor,
        _flag("gated", single["gated"]) if "gated" in single else None,
    )


def encode_cursor(key: int | None, oid: str) -> str:
    raw = json.dumps([key, oid], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(text: str, sort: str | None) -> tuple[int | None, str]:
    """The (sort key, `_id`) a cursor carries; a cursor from another query or garbage is a 400."""
    try:
        key, oid = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    except (ValueError, TypeError, binascii.Error) as exc:
        raise QueryError('"cursor" is invalid') from exc
    if (
        not isinstance(oid, str)
        or (key is None) != (sort is None)
        or not (key is None or isinstance(key, int))
    ):
        raise QueryError('"cursor" is invalid')
    return key, oid


def _sort_key(cat: Catalogue, i: int, t: int, sort: str) -> int:
    if sort == "createdAt":
        return cat.models[i].created
    if sort == "lastModified":
        return cat.last_modified(i, t)
    f = cat.figures(i, t)
    return {"downloads": f.downloads, "likes": f.likes, "trendingScore": f.trending_score}[sort]


class Lister:
    """Answers listing queries on one catalogue; caches sorted selections per clock time."""

    def __init__(self, cat: Catalogue, cache_size: int = 64) -> None:
        self.cat = cat
        self._cache: OrderedDict[tuple, tuple[list, list[int]]] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()
        self._oids = [m.oid for m in cat.full]
        self._full = len(cat.full)

    def _oid(self, i: int) -> str:
        if i < self._full:
            return self._oids[i]
        assert self.cat.compact is not None
        return self.cat.compact.oid(i - self._full)

    def _candidates(self, q: Query, t: int) -> list[int] | None:
        """Indexes the filters allow, in `_id` order; None means every model."""
        selected: list[int] | None = None
        for f in q.filters:
            parts = f.split(":", 2)
            if parts[0] == "base_model" and len(parts) >= 2:
                if len(parts) == 3 and parts[1] in RELATIONS:
                    rel, parent = parts[1], parts[2]
                    found = [
                        c for c in self.cat.children_named(parent, t) if self.cat.models[c].relation == rel
                    ]
                else:
                    found = self.cat.children_named(f.split(":", 1)[1], t)
            elif f == "region:us":
                continue
            else:
                found = self.cat.tag_index.get(f, [])
            if selected is None:
                selected = sorted(set(found))
            else:
                keep = set(found)
                selected = [i for i in selected if i in keep]
        return selected

    def _compact_candidates(self, q: Query, t: int) -> np.ndarray | None:
        """The compact part's own indexes the filters (or the author) allow, in order; None: all of them."""
        comp = self.cat.compact
        assert comp is not None
        selected: np.ndarray | None = None
        for f in q.filters:
            parts = f.split(":", 2)
            if parts[0] == "base_model" and len(parts) >= 2:
                if len(parts) == 3 and parts[1] in RELATIONS:
                    found = self.cat.compact_children_named(parts[2], t)
                    found = found[comp.relation[found] == RELATIONS.index(parts[1])]
                else:
                    found = self.cat.compact_children_named(f.split(":", 1)[1], t)
            elif f == "region:us":
                continue
            else:
                found = comp.tag_members(f)
            selected = found if selected is None else np.intersect1d(selected, found, assume_unique=True)
        if selected is None and q.author is not None:
            selected = comp.by_author(q.author)
        return selected

    def _matches(self, q: Query, i: int, t: int) -> bool:
        cat = self.cat
        if i >= self._full:
            return self._compact_matches(q, i - self._full, t)
        if not cat.listed(i, t):
            return False
        if q.author is not None or q.search is not None:
            repo_id = cat.id_at(i, t)
            namespace = repo_id.split("/")[0].lower() if "/" in repo_id else None
            if q.author is not None and namespace != q.author.lower():
                return False
            if q.search is not None and q.search.lower() not in repo_id.lower():
                return False
        if q.gated is not None and bool(cat.models[i].gated) != q.gated:
            return False
        return q.pipeline_tag is None or cat.models[i].pipeline == q.pipeline_tag

    def _compact_matches(self, q: Query, j: int, t: int) -> bool:
        comp = self.cat.compact
        assert comp is not None
        if not comp.listed(j, t):
            return False
        if q.author is not None and comp.author_name(j).lower() != q.author.lower():
            return False
        if q.search is not None and q.search.lower() not in comp.repo_id(j).lower():
            return False
        if q.gated is not None and bool(comp.gated(j)) != q.gated:
            return False
        return q.pipeline_tag is None or comp.pipeline(j) == q.pipeline_tag

    def page(self, q: Query, t: int) -> tuple[list[int], tuple[int | None, str] | None]:
        """Indexes of one page and the cursor of the next one (None on the last page)."""
        if q.sort is None:
            return self._page_by_id(q, t)
        keys, order = self._sorted(q, t)
        start = 0
        if q.cursor is not None:
            # Order is (key descending, _id descending); store negated keys to bisect ascending.
            start = bisect.bisect_right(keys, (-(q.cursor[0] or 0), _neg_oid(q.cursor[1])))
        items = order[start : start + q.limit]
        more = start + q.limit < len(order)
        if not more or not items:
            return items, None
        last = items[-1]
        return items, (-keys[start + len(items) - 1][0], self._oid(last))

    def _page_by_id(self, q: Query, t: int) -> tuple[list[int], tuple[int | None, str] | None]:
        if self.cat.compact is not None:
            return self._page_by_id_in_parts(q, t)
        candidates = self._candidates(q, t)
        after = -1
        if q.cursor is not None:
            after = bisect.bisect_right(self._oids, q.cursor[1]) - 1
        items: list[int] = []
        if candidates is None:
            end = self.cat.created_by(t)
            i = after + 1
            while i < end and len(items) <= q.limit:
                if self._matches(q, i, t):
                    items.append(i)
                i += 1
        else:
            pos = bisect.bisect_right(candidates, after)
            for i in candidates[pos:]:
                if self._matches(q, i, t):
                    items.append(i)
                    if len(items) > q.limit:
                        break
        if len(items) > q.limit:  # one extra item proves there is a next page
            items = items[: q.limit]
            return items, (None, self.cat.models[items[-1]].oid)
        return items, None

    def _page_by_id_in_parts(self, q: Query, t: int) -> tuple[list[int], tuple[int | None, str] | None]:
        """A page of a two-part catalogue: each part's matches after the cursor, merged by `_id`."""
        comp = self.cat.compact
        assert comp is not None
        cursor = q.cursor[1] if q.cursor is not None else None
        full = self._candidates(q, t)
        after = -1 if cursor is None else bisect.bisect_right(self._oids, cursor) - 1
        if full is None:
            full_pool: Iterable[int] = range(after + 1, self.cat.created_by(t))
        else:
            full_pool = itertools.islice(full, bisect.bisect_right(full, after), None)
        compact = self._compact_candidates(q, t)
        after = -1 if cursor is None else comp.bisect_oid(cursor) - 1
        if compact is None:
            compact_pool: Iterable[int] = range(after + 1, comp.created_by(t))
        else:
            compact_pool = compact[np.searchsorted(compact, after, side="right") :].tolist()
        streams = (
            (i for i in full_pool if self._matches(q, i, t)),
            (self._full + j for j in compact_pool if self._compact_matches(q, j, t)),
        )
        items = list(itertools.islice(heapq.merge(*streams, key=self._oid), q.limit + 1))
        if len(items) > q.limit:  # one extra item proves there is a next page
            items = items[: q.limit]
            return items, (None, self._oid(items[-1]))
        return items, None

    def _pool(self, q: Query, t: int) -> Iterator[int]:
        """Every candidate index of both parts (the filters applied, not yet `_matches`)."""
        candidates = self._candidates(q, t)
        yield from range(self.cat.created_by(t)) if candidates is None else candidates
        comp = self.cat.compact
        if comp is not None:
            compact = self._compact_candidates(q, t)
            js = range(comp.created_by(t)) if compact is None else compact.tolist()
            yield from (self._full + j for j in js)

    def _sorted(self, q: Query, t: int) -> tuple[list, list[int]]:
        key = (q.selection_key(), t)
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
                return hit
        rows = sorted(
            ((-_sort_key(self.cat, i, t, q.sort or ""), _neg_oid(self._oid(i))), i)
            for i in self._pool(q, t)
            if self._matches(q, i, t)
        )
        result = ([r[0] for r in rows], [r[1] for r in rows])
        with self._lock:
            self._cache[key] = result
            if len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return result


def _neg_oid(oid: str) -> str:
    """A string that sorts in the reverse order of `oid` (hex digits complemented)."""
    return oid.translate(_COMPLEMENT)


_COMPLEMENT = str.maketrans("0123456789abcdef", "fedcba9876543210")
