"""Ports on 127.0.0.1 for the servers the tests start (and for URLs nothing answers)."""

from __future__ import annotations

import socket


def free_port() -> int:
    """A port nothing listens on now: free to serve on, or to stand for an endpoint that never answers."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
