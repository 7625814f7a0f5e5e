"""The emulated Hub's dataset-repository routes: the weekly archive (`tracker.emulator.archive`) as
huggingface.co serves a dataset repo to huggingface_hub (`dataset_info`, `list_repo_tree`,
`get_paths_info`, `hf_hub_download`, `HfFileSystem`). Routes and headers: see
`tracker.emulator.routes.server`.

Not gated (no quota, no faults): the real Hub counts file resolutions in a separate bucket.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, quote, unquote

from tracker.emulator.archive.files import RepoFile
from tracker.emulator.archive.repository import Archive

if TYPE_CHECKING:
    from tracker.emulator.routes.responder import Responder

CDN_PREFIX = "/_cdn/"  # where `archive_redirects` sends LFS files (on huggingface.co: another host)
DATASET_PREFIXES = ("/api/datasets/", "/datasets/", CDN_PREFIX)  # the routes answered here
STREAM_CHUNK = 1 << 20  # bytes written at a time when a file is served


class ArchiveRoutes:
    """The dataset-repository routes of one request, answered from the emulator's `Archive`.

    Not gated (no quota, no faults): the real Hub counts file resolutions in a separate bucket.
    Counted in `HubEmulator.archive_stats`."""

    def __init__(self, handler: Responder) -> None:
        self.h = handler
        self.emu = handler.emulator
        self.archive = handler.emulator.archive

    # --- dispatch -------------------------------------------------------------------------------

    def route(self, method: str, path: str, query: str) -> None:
        self.emu.count_archive("requests")
        body = self._read_body() if method == "POST" else b""
        segments = path.split("/")[1:]  # still percent-encoded: a revision or path may hold %2F
        api = segments[0] == "api"
        cdn = path.startswith(CDN_PREFIX)  # /_cdn/datasets/{repo}/{commit}/{path}
        segments = segments[2:] if api or cdn else segments[1:]  # after `api/datasets` or `datasets`
        if len(segments) < 2 or not all(segments[:2]):
            return self._not_found()
        repo_id = "/".join(unquote(x) for x in segments[:2])
        rest = segments[2:]
        archive = self.archive
        if archive is None or repo_id != archive.repo_id:
            return self._fail(404, "Repository not found", "RepoNotFound")
        if api:
            return self._api(method, archive, rest, query, body)
        if cdn and len(rest) >= 2 and method in ("GET", "HEAD"):
            return self._resolve(method, archive, unquote(rest[0]), unquote("/".join(rest[1:])), cdn=True)
        if len(rest) >= 3 and rest[0] == "resolve" and method in ("GET", "HEAD"):
            return self._resolve(method, archive, unquote(rest[1]), unquote("/".join(rest[2:])))
        return self._not_found()

    def _api(self, method: str, archive: Archive, rest: list[str], query: str, body: bytes) -> None:
        params = parse_qsl(query, keep_blank_values=True)
        if method == "GET" and not rest:
            return self._info(archive, archive.revision, params)
        if method == "GET" and len(rest) == 2 and rest[0] == "revision":
            return self._info(archive, unquote(rest[1]), params)
        if method == "GET" and len(rest) >= 2 and rest[0] == "tree":
            return self._tree(archive, unquote(rest[1]), unquote("/".join(rest[2:])), params)
        if method == "POST" and len(rest) == 2 and rest[0] == "paths-info":
            return self._paths_info(archive, unquote(rest[1]), body)
        return self._not_found()

    # --- answers ----------------------------------------------------------------------------------

    def _info(self, archive: Archive, revision: str, params: list[tuple[str, str]]) -> None:
        if not archive.has_revision(revision):
            return self._bad_revision(revision)
        info = archive.dataset_info()
        if _flag_param(params, "blobs"):
            info["siblings"] = [_sibling(archive.file(p)) for p in archive.all_files()]
        self._ok(info)

    def _tree(self, archive: Archive, revision: str, path: str, params: list[tuple[str, str]]) -> None:
        if not archive.has_revision(revision):
            return self._bad_revision(revision)
        try:
            recursive, expand = _flag_param(params, "recursive"), _flag_param(params, "expand")
            cursor = dict(params).get("cursor")
            page = archive.page(path.strip("/"), recursive=recursive, expand=expand, cursor=cursor)
        except ValueError as exc:
            return self._fail(400, str(exc))
        if page is None:
            message = f'{path.strip("/")} does not exist on "{revision}"'
            return self._fail(404, message, "EntryNotFound", {"X-Repo-Commit": archive.commit})
        items, next_cursor = page
        headers = {"X-Repo-Commit": archive.commit}
        if next_cursor is not None:
            kept = [(k, v) for k, v in params if k != "cursor"] + [("cursor", next_cursor)]
            qs = "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in kept)
            url = self.h.path.split("?")[0]
            headers["Link"] = f'<{self.h._base_url()}{url}?{qs}>; rel="next"'
        self._ok(items, headers)

    def _paths_info(self, archive: Archive, revision: str, body: bytes) -> None:
        if not archive.has_revision(revision):
            return self._bad_revision(revision)
        try:
            paths, expand = _paths_body(body, self.h.headers.get("Content-Type") or "")
        except ValueError as exc:
            return self._fail(400, str(exc))
        out = []
        for p in dict.fromkeys(x.strip("/") for x in paths):
            kind = archive.kind_of(p) if p else None
            if kind is not None:
                out.append(archive.entry(p, kind, expand=expand))
        self._ok(out, {"X-Repo-Commit": archive.commit})

    def _resolve(self, method: str, archive: Archive, revision: str, path: str, *, cdn: bool = False) -> None:
        if not archive.has_revision(revision):
            return self._bad_revision(revision)
        f = archive.file(path)
        if f is None:
            return self._fail(404, "Entry not found", "EntryNotFound", {"X-Repo-Commit": archive.commit})
        headers = {"ETag": f.etag, "X-Repo-Commit": archive.commit, "Accept-Ranges": "bytes"}
        if f.sha256 is not None:
            headers["X-Linked-Etag"] = f.etag
            headers["X-Linked-Size"] = str(f.size)
            if self.emu.archive_redirects and not cdn:
                return self._redirect(method, archive, f, headers)
        content_type = "text/plain; charset=utf-8" if f.content is not None else "application/octet-stream"
        span = parse_range(self.h.headers.get("Range"), f.size)
        if span == "unsatisfiable":
            headers["Content-Range"] = f"bytes */{f.size}"
            return self._fail(416, "Requested Range Not Satisfiable", None, headers)
        status, (start, end) = (200, (0, f.size)) if span is None else (206, span)
        if status == 206:
            headers["Content-Range"] = f"bytes {start}-{end - 1}/{f.size}"
        self.emu.count_archive(f"status:{status}")
        self.h._send(status, b"", content_type, headers, declared_length=end - start)  # headers only
        if method == "GET":
            self._stream(f, start, end)

    def _redirect(self, method: str, archive: Archive, f: RepoFile, headers: dict[str, str]) -> None:
        """A 302 to the file on the "CDN", with the headers huggingface_hub reads from it (the
        `X-Linked-*` ones: it does not follow an absolute redirect on HEAD)."""
        location = f"{self.h._base_url()}{CDN_PREFIX}datasets/{archive.repo_id}/{archive.commit}/{f.path}"
        self.emu.count_archive("status:302")
        linked = {k: v for k, v in headers.items() if k != "Accept-Ranges"}
        body = f"Found. Redirecting to {location}".encode()  # not sent to a HEAD
        self.h._send(302, body, "text/plain; charset=utf-8", {"Location": location, **linked})

    def _stream(self, f: RepoFile, start: int, end: int) -> None:
        """Write bytes [start, end) of `f`, a chunk at a time, counting each chunk as it is handed to the
        connection (before the write, so the counter is current when the client has the bytes)."""
        out = self.h.wfile
        if f.content is not None:
            self.emu.count_archive_bytes(f.path, end - start)
            out.write(f.content[start:end])
            return
        assert f.local is not None
        with f.local.open("rb") as src:
            src.seek(start)
            left = end - start
            while left > 0:
                block = src.read(min(STREAM_CHUNK, left))
                if not block:
                    raise OSError(f"{f.local} is shorter than recorded")
                self.emu.count_archive_bytes(f.path, len(block))
                out.write(block)
                left -= len(block)

    # --- plumbing ----------------------------------------------------------------------------------

    def _read_body(self) -> bytes:
        length = int(self.h.headers.get("Content-Length") or 0)
        return self.h.rfile.read(length) if length else b""

    def _ok(self, data: Any, headers: dict[str, str] | None = None) -> None:
        self.emu.count_archive("status:200")
        self.h._json(200, data, headers)

    def _fail(self, status: int, message: str, code: str | None = None, headers: dict | None = None) -> None:
        self.emu.count_archive(f"status:{status}")
        extra = dict(headers or {})
        if code:
            extra["X-Error-Code"] = code
        self.h._error(status, message, extra)

    def _bad_revision(self, revision: str) -> None:
        self._fail(404, f"Invalid rev id: {revision}", "RevisionNotFound")

    def _not_found(self) -> None:
        self._fail(404, "Sorry, we can't find the page you are looking for.")


def parse_range(header: str | None, size: int) -> tuple[int, int] | str | None:
    """The byte span [start, end) a `Range` header asks of a file of `size` bytes.

    None: serve the whole file (no header, or one this server ignores: malformed, several ranges, another
    unit, as RFC 9110 allows); `"unsatisfiable"`: a range wholly past the end (416)."""
    if not header:
        return None
    unit, _, spec = header.strip().partition("=")
    if unit.strip().lower() != "bytes" or "," in spec:
        return None
    first, dash, last = spec.strip().partition("-")
    if not dash or not (first.isdigit() or last.isdigit()) or (first and not first.isdigit()):
        return None
    if last and not last.isdigit():
        return None
    if not first:  # bytes=-n: the last n bytes
        n = int(last)
        return (max(0, size - n), size) if n > 0 and size > 0 else "unsatisfiable"
    start = int(first)
    end = int(last) + 1 if last else size
    if last and end <= start:
        return None
    if start >= size:
        return "unsatisfiable"
    return start, min(end, size)


def _flag_param(params: list[tuple[str, str]], name: str) -> bool:
    """A boolean query parameter (`true`/`1`, `false`/`0`, absent: false); ValueError otherwise."""
    value = dict(params).get(name)
    if value is None or value == "":
        return False
    lowered = value.lower()
    if lowered in ("true", "1"):
        return True
    if lowered in ("false", "0"):
        return False
    raise ValueError(f'"{name}" must be a boolean')


def _paths_body(body: bytes, content_type: str) -> tuple[list[str], bool]:
    """`paths` and `expand` of a paths-info request, form-encoded (as huggingface_hub sends) or JSON."""
    if "json" in content_type:
        try:
            data = json.loads(body or b"{}")
        except ValueError:
            raise ValueError("request body must be a JSON object") from None
        if not isinstance(data, dict):
            raise ValueError("request body must be a JSON object")
        paths = data.get("paths") or []
        paths = [paths] if isinstance(paths, str) else paths
        expand = data.get("expand") in (True, "true", "True", "1")
    else:
        pairs = parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
        paths = [v for k, v in pairs if k in ("paths", "paths[]")]
        expand = any(k == "expand" and v.lower() in ("true", "1") for k, v in pairs)
    if not isinstance(paths, list) or not all(isinstance(p, str) for p in paths):
        raise ValueError('"paths" must be a list of strings')
    return paths, expand


def _sibling(f: RepoFile | None) -> dict[str, Any]:
    """A `siblings` item of dataset info with `blobs=true`."""
    assert f is not None
    out: dict[str, Any] = {"rfilename": f.path, "size": f.size, "blobId": f.blob_oid}
    if f.sha256 is not None:
        out["lfs"] = {"sha256": f.sha256, "size": f.size, "pointerSize": len(f.pointer)}
    return out
