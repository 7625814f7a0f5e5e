"""How the Hub client's requests go out: the only HTTP of the tracker's crawl.

Explicit endpoint and token, a timeout on every request, pacing from the `RateLimit` headers
(`tracker.collect.pacing`), and retries with backoff on 429, 408, 5xx, timeouts, dropped connections and
unparsable JSON, within a retry budget measured in time (a short outage does not fail a crawl of hours).
An endpoint that has never answered in this run fails fast: the budget protects crawls under way, not
typos. Redirects (renamed repos) are followed here, each hop paced and counted. The token goes to the
endpoint's origin alone, and no hop leaves https for plain http (`tracker.collect.origins`): the client's
hooks see every request and response, redirects and next pages included.

`huggingface_hub` supplies the rate-limit header parser and its HTTP library (httpx2); the headers and
retries are ours because its `list_models` has no timeout and a five-try retry of about 23 s.
"""

from __future__ import annotations

import logging
import platform
import random
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Self
from urllib.parse import urljoin, urlsplit

import httpx2
from huggingface_hub import __version__ as hf_version
from huggingface_hub.utils import parse_ratelimit_headers

from tracker.collect.origins import InsecureRequest, TokenGuard
from tracker.collect.pacing import RatePacer
from tracker.core.errors import one_line

logger = logging.getLogger("tracker.hub")  # kept: operators filter on it

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


class HubTransport:
    """Sends GET requests to one Hub endpoint and parses their JSON; safe to share between threads."""

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
        guard = TokenGuard(self.endpoint)
        self._client = httpx2.Client(
            timeout=timeout,
            follow_redirects=False,
            headers=self._headers(),
            event_hooks={"request": [guard.on_request], "response": [guard.on_response]},
        )
        self.pacer = RatePacer()
        self.counters = HubCounters()
        self._answered = False
        self._lock = threading.Lock()

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

    def __enter__(self) -> Self:
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
            except InsecureRequest as exc:  # a redirect or next page from https to plain http
                self.pacer.release(None)
                raise HubError(f"the Hub at {self.endpoint}: {exc}") from None
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
                    raise BadRequest(f"the Hub refused the request: {one_line(detail, limit=300)}", detail)
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
