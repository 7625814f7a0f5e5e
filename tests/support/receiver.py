"""A webhook on 127.0.0.1 standing for Slack, Teams and the like, reached through Apprise's json:// URL with
a token in its path and a password in its userinfo: secrets that must never show in a log line."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOKEN = "T0KEN123abc"
PASSWORD = "s3cretpw"
USER = "alice"


class Receiver:
    """A webhook on a free port: records each request, answers with queued status codes (then 200).

    Used as a context manager: serves from a thread while inside. `delay`: seconds each answer waits
    (cut short at exit).
    """

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.codes: list[int] = []
        self.delay = 0.0
        self.release = threading.Event()  # set at exit: a slow handler answers at once
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver._lock:
                    receiver.requests.append(
                        {
                            "path": self.path,
                            "auth": self.headers.get("Authorization"),
                            "json": json.loads(body),
                        }
                    )
                    code = receiver.codes.pop(0) if receiver.codes else 200
                receiver.release.wait(receiver.delay)
                self.send_response(code)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:  # keep the test output quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self._thread: threading.Thread | None = None

    def __enter__(self) -> Receiver:
        # A short poll interval: shutdown() waits for the loop to notice, 0.5 s by default.
        self._thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()

    def url(self, path: str = f"/hook/{TOKEN}") -> str:
        return f"json://{USER}:{PASSWORD}@127.0.0.1:{self.port}{path}"

    def messages(self) -> list[dict]:
        """The JSON bodies received so far, in order (Apprise's: version, title, message, type, ...)."""
        with self._lock:
            return [r["json"] for r in self.requests]

    def titles(self) -> list[str]:
        return [m["title"] for m in self.messages()]
