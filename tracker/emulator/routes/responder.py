"""How every route of the emulated Hub answers: status, headers, JSON bodies and errors, on HTTP/1.1."""

from __future__ import annotations

import json
import logging
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tracker.emulator.routes.state import HubState

logger = logging.getLogger("tracker.emulator.server")  # kept: operators filter on it
EXPOSE_HEADERS = (
    "X-Repo-Commit,X-Request-Id,X-Error-Code,X-Error-Message,X-Total-Count,ETag,Link,Accept-Ranges,"
    "Content-Range,X-Linked-Etag,X-Linked-Size"
)


class Responder(BaseHTTPRequestHandler):
    """The answering half of a request handler (`handler.HubHandler` routes); the emulator it answers for is
    bound on a subclass by `server.make_server`."""

    protocol_version = "HTTP/1.1"
    server_version = "huggingface-moon-emulator"
    sys_version = ""
    disable_nagle_algorithm = True  # headers and body go out in two writes; Nagle would hold the second
    emulator: HubState

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        logger.debug("%s %s", self.address_string(), format % args)

    # --- plumbing ---------------------------------------------------------------------------

    def _send(
        self,
        status: int,
        body: bytes,
        content_type: str,
        headers: dict[str, str] | None = None,
        *,
        declared_length: int | None = None,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body) if declared_length is None else declared_length))
        self.send_header("Access-Control-Expose-Headers", EXPOSE_HEADERS)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if self.close_connection:
            self.send_header("Connection", "close")  # so the client does not reuse it
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, status: int, data: Any, headers: dict[str, str] | None = None) -> None:
        body = json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()
        self._send(status, body, "application/json; charset=utf-8", headers)

    def _error(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        # The message may quote the request: escape it into one line of ASCII for the header (a raw
        # non-Latin-1 character crashed the handler; a raw CR LF injected headers).
        extra = {"X-Error-Message": message.encode("unicode_escape").decode("ascii"), **(headers or {})}
        self._json(status, {"error": message}, extra)

    def _base_url(self) -> str:
        if self.emulator.gate.plan.redirect_origin:  # a fault: redirects and next pages name another origin
            return self.emulator.gate.plan.redirect_origin
        host = self.headers.get("Host")
        if not host:
            addr, port = self.server.server_address[:2]
            host = f"{addr}:{port}"
        return f"http://{host}"
