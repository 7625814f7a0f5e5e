"""The emulated Hub over real HTTP: the Hub's model routes, plus admin routes under `/_emulator/`.

Hub routes (as on huggingface.co): `GET /api/models` (listing) and `GET /api/models/{id}`
(one model; old ids of renamed repos answer 307, unknown or private ones 404 with
`X-Error-Code: RepoNotFound`, malformed parameters 400 with `{"error": ...}`). Every Hub
response carries `RateLimit` and `RateLimit-Policy`. Which `expand` values a listing accepts, and
the shape of `childrenModelCount`, follow the rules served (`tracker.emulator.rules`: the real
Hub's by default; `listing_refuses` refuses more). `inferenceProviderMapping` is a list on listings,
an object keyed by provider on `model_info`; absent without providers, or `[]` / `{}` with
`empty_provider_mapping` (`hub serve --empty-provider-mapping`).

The Hub's public weekly archive, a dataset repository (`tracker.emulator.archive`; answered by
`tracker.emulator.datasets`; `hfmlsoc/hub_weekly_snapshots` by default, one
`models/<YYYY-MM-DD>/models.parquet` a week), served as the Hub serves dataset repos (as
huggingface_hub's `dataset_info`, `list_repo_tree`, `get_paths_info`, `hf_hub_download` and
`HfFileSystem` call them). Like the Hub's "resolvers" bucket, these routes are
not counted against the API quota, nor faulted (the added latency applies); `/_emulator/stats` counts
them apart (`archive`), with the body bytes sent per file:
    GET  /api/datasets/{repo}[/revision/{rev}]      dataset info (`?blobs=true`: sizes and LFS too)
    GET  /api/datasets/{repo}/tree/{rev}[/{path}]   entries; `recursive`, `expand`; 1,000 a page + `Link`
    POST /api/datasets/{repo}/paths-info/{rev}      form or JSON `paths` (and `expand`): their entries
    HEAD, GET /datasets/{repo}/resolve/{rev}/{path}  the file: ETag (the quoted sha256 for LFS files),
         X-Linked-Etag, X-Linked-Size, X-Repo-Commit, Accept-Ranges; `Range: bytes=a-b | a- | -n` -> 206
         with Content-Range, unsatisfiable -> 416; streamed from disk in 1 MiB chunks. With
         `archive_redirects` (`hub serve --archive-redirects`), an LFS file answers 302 instead, its
         Location on the "CDN" below, as huggingface.co sends its large files elsewhere
    HEAD, GET /_cdn/datasets/{repo}/{commit}/{path}  the same file, headers and ranges
`rev` is `main` or the commit sha. Errors: an unknown repo 404 `X-Error-Code: RepoNotFound`, an unknown
revision 404 `RevisionNotFound`, a missing path 404 `EntryNotFound`. A weekly file is written on first
need (a listing of its folder, a HEAD or GET of it), then served from disk.

Admin routes (a prefix the Hub does not use; never rate-limited or faulted):
    GET  /_emulator/state                 catalogue, clock, fault plan
    POST /_emulator/clock                 {"now": ISO8601} or {"advance_seconds": N} or {"advance_days": N}
    GET  /_emulator/faults, POST /_emulator/faults   the fault plan (see FaultPlan.from_json)
    GET  /_emulator/stats, POST /_emulator/stats/reset   request counters (`archive`: the archive's)
    GET  /_emulator/features              the catalogue's named traps
    GET  /_emulator/truth?ecosystem=NAME  ground truth for the shipped ecosystems file (all enabled if none)
    POST /_emulator/truth                 {"ecosystems_toml": "...", "ecosystems": [names]} for another file
"""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit

from tracker.core.ecosystems import EcosystemsError, load_ecosystems, parse_ecosystems, select_ecosystems
from tracker.emulator.archive import Archive, labels_for
from tracker.emulator.catalogue import Catalogue, iso, parse_time
from tracker.emulator.datasets import DATASET_PREFIXES, ArchiveRoutes
from tracker.emulator.faults import FaultPlan, RateGate
from tracker.emulator.listing import Lister, QueryError, encode_cursor, parse_expand, parse_query
from tracker.emulator.payloads import EXPAND_PROPERTIES, MODEL_INFO_DEFAULT, listing_fields, model_payload
from tracker.emulator.rules import DEFAULT_RULES, expand_rules
from tracker.emulator.truth import ground_truth

logger = logging.getLogger(__name__)
ADMIN_PREFIX = "/_emulator/"
EXPOSE_HEADERS = (
    "X-Repo-Commit,X-Request-Id,X-Error-Code,X-Error-Message,X-Total-Count,ETag,Link,Accept-Ranges,"
    "Content-Range,X-Linked-Etag,X-Linked-Size"
)


class HubEmulator:
    """An emulated Hub on one catalogue, with its own clock, rate limit and faults."""

    def __init__(
        self,
        catalogue: Catalogue,
        *,
        now: int | None = None,
        plan: FaultPlan | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        listing_rules: str = DEFAULT_RULES,
        listing_refuses: Sequence[str] = (),
        empty_provider_mapping: bool = False,
        archive: bool | Archive = True,
        archive_cache: str | Path | None = None,
        archive_redirects: bool = False,
    ) -> None:
        """`listing_refuses`: `expand` values listings refuse with 400 on top of `listing_rules`' (tests
        of a client's retry: `("inferenceProviderMapping",)`, `("safetensors", "gguf")`).
        `empty_provider_mapping`: a model no provider maps gets `"inferenceProviderMapping": []` on
        listings and `{}` on `model_info` (the real Hub may send either), rather than no key.
        `archive`: serve the weekly archive of `catalogue` (True: an `Archive` of its default labels,
        kept in `archive_cache` or a private directory removed on `stop`; an `Archive`: that one, which
        the caller closes; False: none). `archive_redirects`: resolve an LFS file with a 302 to a
        CDN-like URL (`/_cdn/...`), as huggingface.co sends its large files to its CDN, instead of
        answering itself."""
        # The real Hub's rules by default (tracker.emulator.rules); `2025` and `lenient` as asked.
        self.rules = expand_rules(listing_rules, also_refuse=listing_refuses)
        self.empty_provider_mapping = empty_provider_mapping
        self.catalogue = catalogue
        self.lister = Lister(catalogue)
        self.gate = RateGate(plan or FaultPlan(), monotonic)
        self._now = catalogue.default_now if now is None else now
        self._lock = threading.Lock()
        self.counts: Counter = Counter()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._owns_archive = archive is True
        self.archive_redirects = archive_redirects
        if isinstance(archive, Archive):
            self.archive: Archive | None = archive
        elif archive:
            self.archive = Archive(catalogue, labels_for(catalogue), cache_dir=archive_cache)
        else:
            self.archive = None
        self.archive_counts: Counter = Counter()  # requests, "status:<code>"
        self.archive_bytes: Counter = Counter()  # body bytes sent, by path in the repository

    # --- clock ----------------------------------------------------------------------------

    @property
    def now(self) -> int:
        return self._now

    def set_now(self, t: int) -> None:
        """Move the clock (either way); listings, figures, renames and deletions follow it."""
        with self._lock:
            self._now = int(t)

    def advance(self, seconds: int) -> None:
        with self._lock:
            self._now += int(seconds)

    # --- serving --------------------------------------------------------------------------

    def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Serve in a background thread; return the base URL."""
        self._server = make_server(self, host, port)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="hub-emulator",
            daemon=True,
        )
        self._thread.start()
        return self.url

    @property
    def url(self) -> str:
        assert self._server is not None, "not started"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> HubEmulator:
        """Serve on a free port of 127.0.0.1 for the block (tests, the demo, benchmarks)."""
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        self.close_archive()

    def close_archive(self) -> None:
        """Remove the archive's private files, when this emulator made the archive (not a caller's)."""
        if self.archive is not None and self._owns_archive:
            self.archive.close()

    def stats(self) -> dict[str, Any]:
        """Request counters since the last reset: by route, by status, faults, quota use."""
        gate = self.gate
        return {
            "requests": sum(self.counts[k] for k in ("list", "model", "other")),
            "list_requests": self.counts["list"],
            "model_requests": self.counts["model"],
            "other_requests": self.counts["other"],
            "by_status": {k[7:]: v for k, v in sorted(self.counts.items()) if k.startswith("status:")},
            "faults_injected": dict(gate.injected),
            "quota_rejections": gate.quota_rejections,
            "peak_window_use": gate.peak_window_use,
            "plan": gate.plan.to_json(),
            "archive": self.archive_stats(),
        }

    def archive_stats(self) -> dict[str, Any]:
        """The archive's counters: requests, body bytes sent per file, and the files written so far."""
        with self._lock:
            requests = self.archive_counts["requests"]
            by_status = {k[7:]: v for k, v in sorted(self.archive_counts.items()) if k.startswith("status:")}
            served = dict(sorted(self.archive_bytes.items()))
        return {
            "requests": requests,
            "by_status": by_status,
            "bytes_served": served,
            "files": self.archive.generated() if self.archive is not None else {},
        }

    def reset_stats(self) -> None:
        with self._lock:
            self.counts.clear()
            self.archive_counts.clear()
            self.archive_bytes.clear()
        self.gate.reset_counters()

    def count_archive(self, key: str) -> None:
        with self._lock:
            self.archive_counts[key] += 1

    def count_archive_bytes(self, path: str, n: int) -> None:
        with self._lock:
            self.archive_bytes[path] += n

    def count(self, *keys: str) -> None:
        with self._lock:
            for k in keys:
                self.counts[k] += 1


def bind(host: str, port: int) -> ThreadingHTTPServer:
    """A listening server with no emulator yet (`attach` one): binding first fails fast on a busy port."""
    handler = type("BoundHandler", (HubHandler,), {})
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    return server


def attach(server: ThreadingHTTPServer, emulator: HubEmulator) -> None:
    """Make `server` answer for `emulator`."""
    server.RequestHandlerClass.emulator = emulator  # type: ignore[attr-defined]


def make_server(emulator: HubEmulator, host: str, port: int) -> ThreadingHTTPServer:
    """A listening server answering for `emulator`."""
    server = bind(host, port)
    attach(server, emulator)
    return server


class HubHandler(BaseHTTPRequestHandler):
    """Routes one request; the emulator is bound on a subclass by `make_server`."""

    protocol_version = "HTTP/1.1"
    server_version = "huggingface-moon-emulator"
    sys_version = ""
    disable_nagle_algorithm = True  # headers and body go out in two writes; Nagle would hold the second
    emulator: HubEmulator

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
            return 307, f"Temporary Redirect. Redirecting to {target}".encode(), {"Location": target}
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

    def _base_url(self) -> str:
        host = self.headers.get("Host")
        if not host:
            addr, port = self.server.server_address[:2]
            host = f"{addr}:{port}"
        return f"http://{host}"

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
            handler = _ADMIN_ROUTES.get((method, route.rstrip("/")))
            if handler is None:
                return self._error(404, f"no admin route {method} {ADMIN_PREFIX}{route}")
            return self._json(200, handler(emu, body, dict(parse_qsl(query))))
        except (ValueError, KeyError, TypeError, EcosystemsError) as exc:
            return self._error(400, str(exc).splitlines()[0] if str(exc) else type(exc).__name__)


def _state(emu: HubEmulator, body: dict, query: dict) -> dict:
    cat = emu.catalogue
    return {
        "catalogue": cat.name,
        "models": len(cat),
        "now": iso(emu.now),
        "default_now": iso(cat.default_now),
        "listing_rules": emu.rules.name,
        "listing_refuses": list(emu.rules.listing_refuses),
        "empty_provider_mapping": emu.empty_provider_mapping,
        "listed": cat.listed_count(emu.now),
        "plan": emu.gate.plan.to_json(),
        "archive": (
            {"repo": emu.archive.repo_id, "labels": [d.isoformat() for d in emu.archive.labels]}
            if emu.archive is not None
            else None
        ),
    }


def _clock(emu: HubEmulator, body: dict, query: dict) -> dict:
    if "now" in body:
        emu.set_now(parse_time(str(body["now"])))
    elif "advance_seconds" in body:
        emu.advance(int(body["advance_seconds"]))
    elif "advance_days" in body:
        emu.advance(int(float(body["advance_days"]) * 86_400))
    else:
        raise ValueError('give "now", "advance_seconds" or "advance_days"')
    return {"now": iso(emu.now)}


def _set_faults(emu: HubEmulator, body: dict, query: dict) -> dict:
    emu.gate.configure(FaultPlan.from_json(body))
    return emu.gate.plan.to_json()


def _reset_stats(emu: HubEmulator, body: dict, query: dict) -> dict:
    emu.reset_stats()
    return emu.stats()


def _truth(emu: HubEmulator, body: dict, query: dict) -> dict:
    if body.get("ecosystems_toml"):
        ecosystems = parse_ecosystems(str(body["ecosystems_toml"]), source="<admin request>")
    else:
        ecosystems = load_ecosystems()
    names = body.get("ecosystems") or ([query["ecosystem"]] if query.get("ecosystem") else None)
    return ground_truth(emu.catalogue, select_ecosystems(ecosystems, names), emu.now).to_json()


_ADMIN_ROUTES: dict[tuple[str, str], Callable[[HubEmulator, dict, dict], Any]] = {
    ("GET", "state"): _state,
    ("POST", "clock"): _clock,
    ("GET", "faults"): lambda emu, body, query: emu.gate.plan.to_json(),
    ("POST", "faults"): _set_faults,
    ("GET", "stats"): lambda emu, body, query: emu.stats(),
    ("POST", "stats/reset"): _reset_stats,
    ("GET", "features"): lambda emu, body, query: {k: list(v) for k, v in emu.catalogue.features.items()},
    ("GET", "truth"): _truth,
    ("POST", "truth"): _truth,
}
