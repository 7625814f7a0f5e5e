"""The Hub client: the only module that talks to the Hub (or the emulator).

Explicit endpoint and token, a timeout on every request, its own page loop at 1,000 per page,
pacing from the `RateLimit` headers so a crawl never exceeds the window's quota, and retries
with backoff on 429, 408, 5xx, timeouts, dropped connections and unparsable JSON, within a
retry budget measured in time (a short outage does not fail a crawl of hours). An endpoint
that has never answered in this run fails fast: the budget protects crawls under way, not typos.

`huggingface_hub` supplies the response model (`ModelInfo`), the rate-limit header parser and
its HTTP library (httpx2); the page loop, headers and retries are ours because its `list_models`
has no timeout, no page size apart from the total cap, and a five-try retry of about 23 s.

Every shape the Hub is known to give is read (`notes/real-hub-2026.md`): `childrenModelCount` as an
integer or as counts by relation, `baseModels` present or not. A request that a route refuses for an
`expand` value (400: the real Hub's listings refuse `childrenModelCount`) is sent again without that
value alone, the one the Hub's message names (`refused_values`), else the likeliest
(`DROPPABLE_EXPAND`), and the client asks that route without it from then on.

The same pages give each model's size and who serves it (`tracker.core.usage`): `safetensors` and `gguf`
(a parameter count), `inferenceProviderMapping` (a list on listings, an object on `model_info`). The
tracker parses those three itself; a route that refuses one is asked again without it, and the values
it would have given are then unknown (None), never zero.
"""

from __future__ import annotations

import logging
import platform
import random
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urljoin, urlsplit

import httpx2
from huggingface_hub import ModelInfo
from huggingface_hub import __version__ as hf_version
from huggingface_hub.utils import parse_ratelimit_headers

from tracker.core.errors import one_line
from tracker.core.lineage import parse_children_count, parse_parents
from tracker.core.records import Observation
from tracker.core.usage import parse_live_providers, parse_parameters

logger = logging.getLogger("tracker.hub")  # kept: operators filter on it

PAGE_SIZE = 1000
# What every model record of a crawl needs, asked for explicitly: the Hub's default payload lacks
# downloadsAllTime, baseModels and childrenModelCount.
CRAWL_EXPAND = (
    "author",
    "createdAt",
    "lastModified",
    "downloads",
    "downloadsAllTime",
    "likes",
    "trendingScore",
    "tags",
    "library_name",
    "pipeline_tag",
    "gated",
    "baseModels",
    "childrenModelCount",
    "safetensors",
    "gguf",
    "inferenceProviderMapping",
)
# The usage values a crawl reads itself (`tracker.core.usage`), never through ModelInfo: its parser indexes
# keys that a malformed or partial value may lack.
USAGE_EXPAND = ("safetensors", "gguf", "inferenceProviderMapping")
# What a crawl can do without, in the order tried when a route refuses a request without saying which
# value it refuses: the real Hub's listings refuse childrenModelCount (and usedStorage), and refused
# baseModels in 2025 (`notes/real-hub-2026.md`). Parents then come from the `base_model:` tags, and
# every member's children are listed. Then the usage values, which no evidence shows refused: without them a
# run lacks sizes and providers, not members.
DROPPABLE_EXPAND = (
    "childrenModelCount",
    "usedStorage",
    "baseModels",
    "inferenceProviderMapping",
    "gguf",
    "safetensors",
)
RETRY_STATUSES = frozenset({408, 500, 502, 503, 504})
MAX_REDIRECTS = 5


class HubError(Exception):
    """The Hub failed in a way the crawl cannot get past; the message is one line, without the token."""


class HubUnreachable(HubError):
    """The endpoint never answered in this run (refused, unknown host, not HTTP)."""


class ModelNotFound(HubError):
    """404: unknown, private, gated without access, or deleted."""


class BadRequest(HubError):
    """400: the Hub refused the query's parameters; `detail` is the Hub's whole message."""

    def __init__(self, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.detail = detail or message


@dataclass
class HubCounters:
    """What the client did: requests sent, retries, 429s received."""

    requests: int = 0
    retries: int = 0
    rate_limited: int = 0


class RatePacer:
    """Keeps requests within the window's quota, from the `RateLimit` headers of earlier responses.

    A request goes out only while the last known remaining count, less the requests still in
    flight, stays positive; otherwise every sender waits for the window to reset. After a reset
    the new count is unknown, so one request at a time probes it. A Hub that sends no RateLimit
    headers is not paced (its 429s still are).
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._cond = threading.Condition()
        self._remaining: int | None = None
        self._reset_at: float | None = None
        self._inflight = 0
        self._paced = False

    def acquire(self) -> None:
        with self._cond:
            while True:
                now = self._clock()
                if self._reset_at is not None and now >= self._reset_at:
                    self._remaining, self._reset_at = None, None
                if not self._paced:
                    break
                if self._remaining is None:
                    if self._inflight == 0:
                        break
                    self._cond.wait(0.05)
                    continue
                if self._remaining - self._inflight > 0:
                    break
                delay = (self._reset_at or now + 1.0) - now
                self._cond.wait(max(0.01, delay))
            self._inflight += 1

    def release(self, headers: httpx2.Headers | None) -> None:
        """A request is over; learn the window's state from its answer's headers (None: no answer)."""
        with self._cond:
            self._inflight -= 1
            info = parse_ratelimit_headers(headers) if headers is not None else None
            if info is not None:
                self._paced = True
                now = self._clock()
                if self._remaining is not None and self._reset_at is not None and now < self._reset_at:
                    # Same window as we know it: answers can arrive out of order, so the count only falls.
                    self._remaining = min(self._remaining, info.remaining)
                else:
                    self._remaining = info.remaining
                    # `t` is whole seconds, rounded up by the Hub; a little more keeps us past the boundary.
                    self._reset_at = now + info.reset_in_seconds + 0.05
            self._cond.notify_all()

    def hold(self, seconds: float) -> None:
        """After a 429 (whatever its cause): nobody sends for `seconds`, then one request probes the Hub."""
        with self._cond:
            self._inflight -= 1
            self._paced = True
            self._remaining = 0
            self._reset_at = self._clock() + seconds
            self._cond.notify_all()

    @property
    def remaining(self) -> int | None:
        return self._remaining


class HubClient:
    """Reads models from one Hub endpoint; safe to share between threads."""

    def __init__(
        self,
        endpoint: str,
        *,
        token: str | None = None,
        timeout: float = 30.0,
        retry_budget: float = 900.0,
        backoff_base: float = 0.5,
        backoff_max: float = 60.0,
        unreachable_after: float = 5.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        parts = urlsplit(endpoint)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise HubError(f"not a Hub endpoint URL: {endpoint!r} (expected http(s)://host[:port])")
        self.endpoint = endpoint.rstrip("/")
        self._token = token or None
        self.retry_budget = retry_budget
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.unreachable_after = unreachable_after
        self._sleep = sleep
        # Redirects (renamed repos) are followed by get_json, so that each hop is paced and counted.
        self._client = httpx2.Client(timeout=timeout, follow_redirects=False, headers=self._headers())
        self.pacer = RatePacer()
        self.counters = HubCounters()
        self._answered = False
        self._lock = threading.Lock()
        # `expand` values each route refuses (learned from a 400, or from an earlier run through
        # assume_listing_refuses), those this client saw refused itself, whether a listing answered.
        self._refused: dict[str, set[str]] = {"listing": set(), "model": set()}
        self.observed_refusals: set[str] = set()
        self.listing_answered = False
        # Strings common to many records (tags, parent ids, ...), shared by the records of this client's
        # crawl: see parse_observation. Lives as long as the client (one snapshot).
        self._shared: dict[str, str] = {}

    def __repr__(self) -> str:
        return f"HubClient({self.endpoint!r}, token={'***' if self._token else None})"

    def _headers(self) -> dict[str, str]:
        # Our own headers: huggingface_hub's builder would also fetch an "agent" registry from
        # huggingface.co on first use, whatever endpoint we talk to.
        agent = f"llama-adoption-tracker/0.1; hf_hub/{hf_version}; python/{platform.python_version()}"
        headers = {"user-agent": agent}
        if self._token:
            headers["authorization"] = f"Bearer {self._token}"
        return headers

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> HubClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- requests ----------------------------------------------------------------------------

    def _count(self, **deltas: float) -> None:
        with self._lock:
            for name, delta in deltas.items():
                setattr(self.counters, name, getattr(self.counters, name) + delta)

    def get_json(self, url: str, params: Sequence[tuple[str, str | int]] = ()) -> tuple[Any, httpx2.Response]:
        """GET and parse JSON, retrying what is worth retrying within the budget."""
        first_failure: float | None = None
        attempt = hops = 0
        while True:
            self.pacer.acquire()
            self._count(requests=1)
            response: httpx2.Response | None = None
            try:
                response = self._client.get(url, params=list(params) or None)
            except httpx2.TransportError as exc:  # timeouts, refused or dropped connections, protocol errors
                self.pacer.release(None)
                problem = _describe(exc)
                if not self._answered:
                    first_failure = first_failure or time.monotonic()
                    if time.monotonic() - first_failure >= self.unreachable_after:
                        raise HubUnreachable(f"cannot reach the Hub at {self.endpoint}: {problem}") from None
            except BaseException:
                self.pacer.release(None)  # never leave a slot taken: other senders would wait forever
                raise
            else:
                self._answered = True
                status = response.status_code
                if status == 429:
                    self.pacer.hold(_retry_after(response))
                else:
                    self.pacer.release(response.headers)
                location = response.headers.get("Location")
                if status in (301, 302, 303, 307, 308) and location and hops < MAX_REDIRECTS:
                    # Keep our parameters unless the new location carries its own query.
                    params = () if urlsplit(location).query else params
                    url, hops = urljoin(str(response.url).split("?")[0], location), hops + 1
                    continue
                if status == 429:
                    wait = _retry_after(response)
                    self._count(rate_limited=1)
                    problem = f"429 Too Many Requests (retry after {wait:.0f} s)"
                elif status in RETRY_STATUSES:
                    problem = f"HTTP {status}"
                elif status == 404:
                    raise ModelNotFound(_error_message(response))
                elif status == 400:
                    detail = _error_message(response, limit=5000)
                    raise BadRequest(f"the Hub refused the request: {detail[:300]}", detail)
                elif status >= 400:
                    raise HubError(f"the Hub answered HTTP {status}: {_error_message(response)}")
                else:
                    try:
                        return response.json(), response
                    except ValueError:
                        problem = "unparsable JSON (truncated body?)"
            first_failure = first_failure or time.monotonic()
            if time.monotonic() - first_failure > self.retry_budget:
                raise HubError(f"the Hub kept failing for {self.retry_budget:.0f} s: {problem}")
            self._count(retries=1)
            attempt += 1
            if response is not None and response.status_code == 429:
                logger.info("rate limited; waiting %.1f s", _retry_after(response))
                continue  # the pacer holds every sender until the reset
            delay = min(self.backoff_max, self.backoff_base * 2 ** min(attempt - 1, 16))
            delay *= random.uniform(0.5, 1.0)
            logger.debug("retrying after %s in %.2f s", problem, delay)
            self._sleep(delay)

    def iter_pages(self, params: Sequence[tuple[str, str | int]]) -> Iterator[list[dict]]:
        """Every page of `GET /api/models` for these parameters, following `Link: rel="next"`."""
        url: str | None = f"{self.endpoint}/api/models"
        page_params: Sequence[tuple[str, str | int]] = params
        while url is not None:
            data, response = self.get_json(url, page_params)
            if not isinstance(data, list):
                raise HubError(f"the Hub answered a listing with {type(data).__name__}, not a list")
            yield data
            nxt = response.links.get("next", {}).get("url")
            url = urljoin(url, nxt) if nxt else None  # the next URL carries every parameter
            page_params = ()

    # --- models ---------------------------------------------------------------------------------

    def expand(self, route: str) -> list[str]:
        """The `expand` values asked of a route (`listing` or `model`): the crawl's, less those refused."""
        return [e for e in CRAWL_EXPAND if e not in self._refused[route]]

    def assume_listing_refuses(self, values: Iterable[str]) -> None:
        """Do not ask listings for these values (an earlier run learned that this Hub refuses them)."""
        with self._lock:
            self._refused["listing"].update(values)

    @property
    def listing_refuses(self) -> frozenset[str]:
        """The crawl's `expand` values that listings refuse, as far as known (learned or given)."""
        return frozenset(self._refused["listing"])

    @property
    def counts_on_listings(self) -> bool | None:
        """Whether listings give `childrenModelCount` (leaves need no request); None before one answered."""
        if "childrenModelCount" in self._refused["listing"]:
            return False
        return True if self.listing_answered else None

    def _refuse(self, route: str, asked: Sequence[str], exc: BadRequest) -> None:
        """After a 400 to a request with `expand`: stop asking the values refused, or raise `exc`."""
        refused = refused_values(exc.detail, asked)
        if not refused:  # the message names none: leave out the likeliest culprit, one at a time
            refused = [e for e in DROPPABLE_EXPAND if e in asked][:1]
        if not refused:
            raise exc
        with self._lock:
            self._refused[route].update(refused)
            self.observed_refusals.update(refused)
        logger.warning(
            "the Hub's %s route refuses expand=%s (%s); asking again without %s",
            "listing" if route == "listing" else "model_info",
            ",".join(refused),
            " ".join(exc.detail.split())[:160],
            "it" if len(refused) == 1 else "them",
        )

    def list_models(self, *, filter: str | None = None, author: str | None = None) -> Iterator[Observation]:
        """Every model matching a tag filter or an author, with the crawl's fields, 1,000 per page."""
        for item in self.list_items(filter=filter, author=author):
            yield self.observation(item)

    def observation(self, item: dict, route: str = "listing") -> Observation:
        """A payload of this client's listings (or `model_info`) as a record, sharing its strings (see
        parse_observation); live providers are None when the route refuses `inferenceProviderMapping`."""
        asked = "inferenceProviderMapping" not in self._refused[route]
        return parse_observation(item, self._shared, providers_asked=asked)

    def list_items(self, *, filter: str | None = None, author: str | None = None) -> Iterator[dict]:
        """`list_models`' payloads as the Hub gave them, unparsed (a scan parses only the members').

        A listing that refuses an `expand` value is asked again without it (that value alone, when the
        Hub's message says which), and later listings of this client do not ask for it."""
        base: list[tuple[str, str | int]] = []
        if filter:
            base.append(("filter", filter))
        if author:
            base.append(("author", author))
        base.append(("limit", PAGE_SIZE))
        while True:
            asked = self.expand("listing")
            params = base + [("expand", e) for e in asked]
            pages = 0
            try:
                for page in self.iter_pages(params):
                    pages += 1
                    self.listing_answered = True
                    yield from page
                return
            except BadRequest as exc:
                if pages:  # a later page refused what the first accepted: not a matter of expand values
                    raise
                self._refuse("listing", asked, exc)

    def children(self, model_id: str) -> list[Observation]:
        """The direct children of a model: every model whose tags name it as a base."""
        return list(self.list_models(filter=f"base_model:{model_id}"))

    def model(self, model_id: str) -> Observation:
        """One model by id (an old id follows the rename); ModelNotFound when absent."""
        url = f"{self.endpoint}/api/models/{quote(model_id, safe='/')}"
        while True:
            asked = self.expand("model")
            try:
                data, _ = self.get_json(url, [("expand", e) for e in asked])
                break
            except BadRequest as exc:
                self._refuse("model", asked, exc)
        if not isinstance(data, dict):
            raise HubError(f"the Hub answered {model_id} with {type(data).__name__}, not an object")
        return self.observation(data, "model")


_LISTED = re.compile(r"\[([^\[\]]*)\]")  # [a, b, c]
_PIPED = re.compile(r"[\w'\"-]+(?:\s*\|\s*[\w'\"-]+){2,}")  # 'a' | 'b' | 'c'
_CULPRIT = re.compile(  # "got X", "received 'X'", "value: X", "unsupported X", "X is not allowed"
    r"(?:got|received|value|unknown|unsupported)\W{0,4}([A-Za-z][\w-]*)"
    r"|([A-Za-z][\w-]*)\W{0,2}\s(?:is\s)?not\s(?:allowed|supported|accepted|valid)",
    re.I,
)


def refused_values(message: str, asked: Sequence[str]) -> list[str]:
    """The asked `expand` values a 400's message refuses: those missing from the list of accepted values
    it gives (`[a, b, ...]`, or `'a' | 'b' | ...`), else those it names as the culprit; [] if neither."""
    lists = [m.group(1).split(",") for m in _LISTED.finditer(message)]
    lists += [m.group(0).split("|") for m in _PIPED.finditer(message)]
    for names in lists:
        accepted = {n.strip().strip("'\"`") for n in names}
        if len(accepted) >= 3 and accepted & set(asked):  # a list of values, some of them ours
            refused = [e for e in asked if e not in accepted]
            if refused:
                return refused
    named = {m.group(1) or m.group(2) for m in _CULPRIT.finditer(message)}
    return [e for e in asked if e in named]


def parse_observation(
    item: dict, shared: dict[str, str] | None = None, *, providers_asked: bool = True
) -> Observation:
    """A Hub model payload as a record (through huggingface_hub's ModelInfo; usage via tracker.core.usage).

    `providers_asked`: whether `inferenceProviderMapping` was asked for, so that a payload without it
    means no provider (`()`) rather than unknown (None).

    `shared`: strings met before (tags, parent ids, authors, licences, ...), by value. A record keeps the
    one already there instead of its own copy: a crawl holds every record of an ecosystem at once
    (200,000 of them for Llama), and their tags are nearly all the same few hundred strings, which as
    separate copies made up two thirds of a record's memory. The ids and `_id`, unique, are kept as given.
    """
    info = ModelInfo(**{k: v for k, v in item.items() if k not in USAGE_EXPAND})
    tags = tuple(info.tags or ())
    relation, parents = parse_parents(info.base_models, tags, info.id)
    gated = info.gated
    license_tag = next((t.split(":", 1)[1] for t in tags if t.startswith("license:")), None)
    author = info.author or (info.id.split("/")[0] if "/" in info.id else None)
    pipeline_tag, library_name = info.pipeline_tag, info.library_name
    gated_text = "false" if gated in (None, False) else str(gated)
    children_total, children_by_relation = parse_children_count(item.get("childrenModelCount"))
    parameters = parse_parameters(item.get("safetensors"), item.get("gguf"))
    mapping = item.get("inferenceProviderMapping")
    providers = parse_live_providers(mapping) if mapping is not None or providers_asked else None
    if shared is not None:
        one = shared.setdefault  # atomic under the GIL: the client's threads share the table
        tags = tuple([one(t, t) for t in tags])
        parents = tuple([one(p, p) for p in parents])
        relation = relation and one(relation, relation)
        author = author and one(author, author)
        pipeline_tag = pipeline_tag and one(pipeline_tag, pipeline_tag)
        library_name = library_name and one(library_name, library_name)
        license_tag = license_tag and one(license_tag, license_tag)
        gated_text = one(gated_text, gated_text)
        providers = providers and tuple([one(p, p) for p in providers])
    return Observation(
        model_id=info.id,
        hub_oid=item.get("_id"),
        author=author,
        created_at=info.created_at,
        last_modified=info.last_modified,
        pipeline_tag=pipeline_tag,
        library_name=library_name,
        license=license_tag,
        gated=gated_text,
        tags=tags,
        relation=relation,
        parents=parents,
        children_count=children_total,
        children_by_relation=children_by_relation,
        downloads_30d=info.downloads,
        downloads_all_time=info.downloads_all_time,
        likes=info.likes,
        trending_score=info.trending_score,
        parameters=parameters,
        live_providers=providers,
    )


def _retry_after(response: httpx2.Response) -> float:
    value = response.headers.get("Retry-After", "")
    if value.strip().isdigit():
        return float(value)
    info = parse_ratelimit_headers(response.headers)
    if info is not None and info.remaining == 0:
        return float(info.reset_in_seconds)
    return 1.0


def _error_message(response: httpx2.Response, limit: int = 300) -> str:
    message = response.headers.get("X-Error-Message")
    if not message:
        try:
            body = response.json()
            message = body.get("error") if isinstance(body, dict) else None
        except ValueError:
            message = None
    return one_line(message or response.reason_phrase or response.status_code, limit=limit)


def _describe(exc: Exception) -> str:
    return one_line(exc, limit=200)
