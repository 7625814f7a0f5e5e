"""The emulated Hub's request handler: routes a request to the Hub's model routes (answered here: listing,
model info, with the rate limit and faults applied), the dataset routes (`datasets`) or the admin routes
(`admin`). See `server` for the routes.
"""

from __future__ import annotations

import json
import socket
import time
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit

from tracker.core.ecosystems import EcosystemsError
from tracker.emulator.payloads import EXPAND_PROPERTIES, MODEL_INFO_DEFAULT, listing_fields, model_payload
from tracker.emulator.routes.admin import ADMIN_PREFIX, ADMIN_ROUTES
from tracker.emulator.routes.datasets import DATASET_PREFIXES, ArchiveRoutes
from tracker.emulator.routes.listing import QueryError, encode_cursor, parse_expand, parse_query
from tracker.emulator.routes.responder import Responder


class HubHandler(Responder):
    """Routes one request; the emulator is bound on a subclass by `make_server`."""

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self._route("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._route("POST")

    def do_HEAD(self) -> None:  # noqa: N802
        self._route("HEAD")

    def _route(self, method: str) -> None:
        url = urlsplit(self.path)
        try:
            if url.path.startswith(ADMIN_PREFIX):
                self._admin(method, url.path[len(ADMIN_PREFIX) :], url.query)
            elif url.path.startswith(DATASET_PREFIXES):
                if self.emulator.gate.plan.latency_ms:  # the resolvers answer no faster than the API
                    time.sleep(self.emulator.gate.plan.latency_ms / 1000.0)
                ArchiveRoutes(self).route(method, url.path, url.query)
            else:
                if method != "GET":
                    # Hub routes never read a body: close after answering, or the unread body would be
                    # parsed as the next request on this keep-alive connection (a 501 HTML page).
                    self.close_connection = True
                self._hub(method, url.path, url.query)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    # --- the Hub ------------------------------------------------------------------------------

    def _hub(self, method: str, path: str, query: str) -> None:
        emu = self.emulator
        kind = (
            "list"
            if path.rstrip("/") == "/api/models"
            else "model"
            if path.startswith("/api/models/")
            else "other"
        )
        decision = emu.gate.admit()
        if emu.gate.plan.latency_ms:
            time.sleep(emu.gate.plan.latency_ms / 1000.0)
        if decision.fault == "drop":
            emu.count(kind, "status:dropped")
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        rate = decision.headers()
        if decision.fault in ("quota", "429"):
            emu.count(kind, "status:429")
            rate["Retry-After"] = str(decision.reset_in if decision.fault == "quota" else 1)
            if decision.fault == "429":
                rate["RateLimit"] = f'"api";r=0;t={rate["Retry-After"]}'
            message = f"Rate limit reached: retry after {rate['Retry-After']} seconds"
            return self._error(429, message, rate)
        if decision.fault in ("500", "502", "503", "504"):
            emu.count(kind, f"status:{decision.fault}")
            message = "Internal Error - We're working hard to fix this as soon as possible!"
            return self._error(int(decision.fault), message, rate)
        status, data, headers = self._hub_response(method, kind, path, query, emu.now)
        emu.count(kind, f"status:{status}")
        headers = {**rate, **headers}
        if isinstance(data, bytes):
            return self._send(status, data, "text/plain; charset=utf-8", headers)
        if decision.fault == "truncate" and status == 200:
            body = json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()
            cut = body[: max(1, len(body) // 2)]
            return self._send(status, cut, "application/json; charset=utf-8", headers)
        if status >= 400:
            return self._error(status, data["error"], headers)
        return self._json(status, data, headers)

    def _hub_response(self, method: str, kind: str, path: str, query: str, t: int) -> tuple[int, Any, dict]:
        if method != "GET":
            return 405, {"error": "Method not allowed"}, {}
        if kind == "list":
            return self._listing(query, t)
        if path == "/api/agent-harnesses":
            return 200, {"standardEnvVars": [], "harnesses": {}}, {}
        if kind == "model":
            return self._model(path, query, t)
        return 404, {"error": "Sorry, we can't find the page you are looking for."}, {}

    def _listing(self, query: str, t: int) -> tuple[int, Any, dict]:
        try:
            q = parse_query(query)
        except QueryError as exc:
            return 400, {"error": str(exc)}, {}
        rules = self.emulator.rules
        refused = [e for e in q.expand if e in rules.listing_refuses]
        if refused:
            allowed = [e for e in EXPAND_PROPERTIES if e not in rules.listing_refuses]
            return 400, {"error": f'"expand" must be one of [{", ".join(allowed)}], got "{refused[0]}"'}, {}
        cat = self.emulator.catalogue
        items, next_cursor = self.emulator.lister.page(q, t)
        fields = listing_fields(list(q.expand), full=q.full, card_data=q.card_data, config=q.config)
        empty = self.emulator.empty_provider_mapping
        # Counts (lenient only) as integers, provider mappings as lists.
        payload = [model_payload(cat, i, t, fields, empty_mappings=empty) for i in items]
        headers = {}
        if next_cursor is not None:
            kept = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if k != "cursor"]
            kept.append(("cursor", encode_cursor(*next_cursor)))
            qs = "&".join(f"{quote(k, safe='[]')}={quote(v, safe='')}" for k, v in kept)
            headers["Link"] = f'<{self._base_url()}/api/models?{qs}>; rel="next"'
        return 200, payload, headers

    def _model(self, path: str, query: str, t: int) -> tuple[int, Any, dict]:
        rest = path[len("/api/models/") :].strip("/")
        parts = rest.split("/")
        suffix = ""
        if len(parts) >= 3 and parts[-2] == "revision" and len(parts) in (3, 4):
            suffix = "/revision/" + parts[-1]
            parts = parts[:-2]
        if len(parts) not in (1, 2) or not all(parts):
            return 404, {"error": "Sorry, we can't find the page you are looking for."}, {}
        repo_id = "/".join(parts)
        try:
            expand = parse_expand(parse_qsl(query, keep_blank_values=True))
        except QueryError as exc:
            return 400, {"error": str(exc)}, {}
        cat = self.emulator.catalogue
        found = cat.find(repo_id, t)
        if found is None or not cat.listed(found[0], t):
            return 404, {"error": "Repository not found"}, {"X-Error-Code": "RepoNotFound"}
        i, renamed = found
        if renamed:
            target = f"/api/models/{cat.id_at(i, t)}{suffix}" + (f"?{query}" if query else "")
            location = self._base_url() + target if self.emulator.gate.plan.redirect_origin else target
            return 307, f"Temporary Redirect. Redirecting to {target}".encode(), {"Location": location}
        fields = expand or MODEL_INFO_DEFAULT
        payload = model_payload(
            cat,
            i,
            t,
            fields,
            counts_by_relation=self.emulator.rules.counts_by_relation,
            model_info=True,
            empty_mappings=self.emulator.empty_provider_mapping,
        )
        return 200, payload, {}

    # --- admin ------------------------------------------------------------------------------------

    def _admin(self, method: str, route: str, query: str) -> None:
        emu = self.emulator
        body: dict = {}
        if method == "POST":
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                body = json.loads(raw or b"{}")
            except ValueError:
                return self._error(400, "request body must be a JSON object")
            if not isinstance(body, dict):
                return self._error(400, "request body must be a JSON object")
        try:
            handler = ADMIN_ROUTES.get((method, route.rstrip("/")))
            if handler is None:
                return self._error(404, f"no admin route {method} {ADMIN_PREFIX}{route}")
            return self._json(200, handler(emu, body, dict(parse_qsl(query))))
        except (ValueError, KeyError, TypeError, EcosystemsError) as exc:
            return self._error(400, str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
