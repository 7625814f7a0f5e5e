"""Where the Hub token may go: to the configured endpoint's origin (scheme, host and port), nowhere else.

A mirror, a proxy or a compromised endpoint can answer with a redirect (a renamed repo's 307, a file's
302 to a CDN) or a next page (`Link: rel="next"`) on another origin. The client follows them, without the
token; and it never follows one from https to plain http (a downgrade fails the request, in one line).

`TokenGuard` holds the rule as httpx2 event hooks, which httpx2 calls on every request it sends (each hop
of a redirect included) and on every response: the crawl's client (`tracker.collect.transport`) has one
for its endpoint, and `guard_hub_session` adds one to huggingface_hub's shared session (through its
`set_client_factory`), which the archive reads through (`HfApi`, `HfFileSystem`).
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

if TYPE_CHECKING:
    import httpx2

DEFAULT_PORTS = {"http": 80, "https": 443}


class InsecureRequest(Exception):
    """A redirect or next page from https to plain http; the message is one line, without the token."""


def origin(url: str) -> tuple[str, str, int]:
    """A URL's origin: scheme, host (lower case, without user info) and port (the scheme's by default)."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    return scheme, (parts.hostname or "").lower(), parts.port or DEFAULT_PORTS.get(scheme, 0)


def downgrades(source: str, target: str) -> bool:
    """Whether going from `source` to `target` (absolute or relative) leaves https for plain http."""
    return origin(source)[0] == "https" and origin(urljoin(source, target))[0] == "http"


class TokenGuard:
    """httpx2 event hooks: `Authorization` only to the trusted origins; no hop from https to http.

    Usage: `httpx2.Client(event_hooks={"request": [guard.on_request], "response": [guard.on_response]})`.
    """

    def __init__(self, *endpoints: str) -> None:
        self._trusted = frozenset(origin(e) for e in endpoints)
        self._lock = threading.Lock()

    def trust(self, endpoint: str) -> None:
        """Send the token to this endpoint's origin too."""
        with self._lock:
            self._trusted = self._trusted | {origin(endpoint)}

    def on_request(self, request: httpx2.Request) -> None:
        """Before each request goes out: drop the token unless it goes to a trusted origin."""
        if origin(str(request.url)) not in self._trusted:
            request.headers.pop("Authorization", None)

    def on_response(self, response: httpx2.Response) -> None:
        """On each response: refuse a redirect or a next page that leaves https for plain http."""
        source = str(response.request.url)
        for target in (response.headers.get("Location"), response.links.get("next", {}).get("url")):
            if target and downgrades(source, target):
                response.close()
                _, host, port = origin(urljoin(source, target))
                path = urlsplit(urljoin(source, target)).path  # no query, no user info: they may hold secrets
                raise InsecureRequest(
                    f"refusing to follow http://{host}:{port}{path} from https://{origin(source)[1]}: "
                    "plain http after https"
                )


_session_guard: TokenGuard | None = None
_session_lock = threading.Lock()


def guard_hub_session(endpoint: str) -> None:
    """Guard huggingface_hub's shared HTTP session (one a process), trusting this endpoint's origin.

    The session's client is huggingface_hub's own (offline mode, request ids) with the guard's hooks
    added; huggingface_hub builds it on its next request. Every endpoint the tracker was given in this
    process is trusted (in practice one: `--endpoint` or `HF_ENDPOINT`)."""
    global _session_guard
    with _session_lock:
        if _session_guard is None:
            from huggingface_hub import set_client_factory

            guard = TokenGuard()

            def hub_client() -> httpx2.Client:
                # huggingface_hub's default client (a public name in a private module: the factory
                # set_client_factory replaces), so that only the guard's hooks differ.
                from huggingface_hub.utils._http import default_client_factory

                client = default_client_factory()
                client.event_hooks["request"].append(guard.on_request)
                client.event_hooks["response"].append(guard.on_response)
                return client

            set_client_factory(hub_client)
            _session_guard = guard
        _session_guard.trust(endpoint)
