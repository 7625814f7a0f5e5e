"""The Hub client: what a crawl asks the Hub (or the emulator), as records.

Its own page loop at 1,000 per page (`Link: rel="next"`), one model by id, a model's children; requests
go out through `tracker.collect.transport` (timeouts, pacing, retries; the token to the endpoint's origin
alone, so a next page or a redirect on another origin goes without it). `huggingface_hub`'s `list_models`
is not used: it has no timeout and no page size apart from the total cap.

A request that a route refuses for an `expand` value (400: the real Hub's listings refuse
`childrenModelCount`) is sent again without that value alone, the one the Hub's message names
(`tracker.collect.expand.refused_values`), else the likeliest (`DROPPABLE_EXPAND`), and the client asks
that route without it from then on. A route that refuses a usage value (`safetensors`, `gguf`,
`inferenceProviderMapping`) is asked again without it, and the values it would have given are then
unknown (None), never zero. Payloads become records through `tracker.collect.payloads`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Sequence
from typing import Any
from urllib.parse import quote, urljoin

from tracker.collect.doors import Door
from tracker.collect.expand import CRAWL_EXPAND, DROPPABLE_EXPAND, refused_values
from tracker.collect.payloads import parse_observation
from tracker.collect.transport import BadRequest, HubError, HubTransport, ModelNotFound
from tracker.core.errors import one_line
from tracker.core.records import Observation

logger = logging.getLogger("tracker.hub")  # kept: operators filter on it

PAGE_SIZE = 1000
# `expand` values a route may refuse at no cost to the run (the real Hub's listings refuse the first two,
# and refused baseModels in 2025: parents then come from the tags): their retry is logged at INFO.
EXPECTED_REFUSALS = frozenset({"childrenModelCount", "usedStorage", "baseModels"})
QUOTE_LIMIT = 160  # characters of the Hub's message quoted in the log, cut at a word boundary


class HubClient(HubTransport):
    """Reads models from one Hub endpoint; safe to share between threads."""

    def __init__(self, endpoint: str, **options: Any) -> None:
        """`options`: how requests go out (token, timeout, retry budget, backoff: `HubTransport`)."""
        super().__init__(endpoint, **options)
        # `expand` values each route refuses (learned from a 400, or from an earlier run through
        # assume_listing_refuses), those this client saw refused itself, whether a listing answered.
        self._refused: dict[str, set[str]] = {"listing": set(), "model": set()}
        self.observed_refusals: set[str] = set()
        self.listing_answered = False
        # Strings common to many records (tags, parent ids, ...), shared by the records of this client's
        # crawl: see parse_observation. Lives as long as the client (one snapshot).
        self._shared: dict[str, str] = {}
        # Every payload passes here before it can be a record: a model the tracker cannot name is refused.
        self.door = Door(logger, "the Hub")

    def __repr__(self) -> str:
        return f"HubClient({self.endpoint!r}, token={'***' if self._token else None})"

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
        # Expected (the real Hub's listings refuse childrenModelCount): INFO. A usage value refused costs the
        # run its sizes or providers: WARNING. The values in full; the Hub's words (data) quoted, bounded.
        expected = all(value in EXPECTED_REFUSALS for value in refused)
        logger.log(
            logging.INFO if expected else logging.WARNING,
            "the Hub's %s route refuses expand=%s; asking again without %s (the Hub: %s)",
            "listing" if route == "listing" else "model_info",
            ",".join(refused),
            "it" if len(refused) == 1 else "them",
            one_line(exc.detail, limit=QUOTE_LIMIT),
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
                    yield from (item for item in page if self.door.admit_payload(item))
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
        if not self.door.admit_payload(data):
            raise ModelNotFound(f"the Hub answered {model_id} with a model it refuses (see the log)")
        return self.observation(data, "model")
