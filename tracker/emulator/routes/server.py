"""The emulated Hub over real HTTP: the Hub's model routes, plus admin routes under `/_emulator/`.

Hub routes (as on huggingface.co): `GET /api/models` (listing) and `GET /api/models/{id}`
(one model; old ids of renamed repos answer 307, unknown or private ones 404 with
`X-Error-Code: RepoNotFound`, malformed parameters 400 with `{"error": ...}`). Every Hub
response carries `RateLimit` and `RateLimit-Policy`. Which `expand` values a listing accepts, and
the shape of `childrenModelCount`, follow the rules served (`rules`: the real Hub's by default;
`listing_refuses` refuses more). `inferenceProviderMapping` is a list on listings,
an object keyed by provider on `model_info`; absent without providers, or `[]` / `{}` with
`empty_provider_mapping` (`hub serve --empty-provider-mapping`).

The Hub's public weekly archive, a dataset repository (`tracker.emulator.archive`; answered by
`datasets`; `hfmlsoc/hub_weekly_snapshots` by default, one `models/<YYYY-MM-DD>/models.parquet` a
week), served as the Hub serves dataset repos (as
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

Here: `HubEmulator` (a `state.HubState` served in a background thread) and its server; requests go to
`handler.HubHandler`, which answers the Hub's model routes and hands the others to `datasets` and `admin`.
"""

from __future__ import annotations

import threading
from http.server import ThreadingHTTPServer

from tracker.emulator.routes.handler import HubHandler
from tracker.emulator.routes.state import HubState


class HubEmulator(HubState):
    """An emulated Hub on one catalogue, with its own clock, rate limit and faults, served over HTTP."""

    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None

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
