"""Progress of long crawls: a live status line on a terminal, periodic log lines otherwise."""

from __future__ import annotations

import logging
import sys
import threading
import time
from typing import TextIO

from tracker.collect.crawl import Progress
from tracker.collect.hub import HubClient

logger = logging.getLogger("tracker.progress")


class ProgressReporter:
    """Shows where a crawl is: refreshed each second on a terminal, logged every `interval` s elsewhere."""

    def __init__(self, client: HubClient, *, stream: TextIO | None = None, interval: float = 30) -> None:
        self.client = client
        self.stream = stream or sys.stderr
        self.live = bool(getattr(self.stream, "isatty", lambda: False)())
        self.interval = 1.0 if self.live else interval
        self.last: Progress | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="progress", daemon=True)
        self._began = time.monotonic()

    def __enter__(self) -> ProgressReporter:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        if self.live:
            self.stream.write("\r\033[K")
            self.stream.flush()

    def update(self, progress: Progress) -> None:
        """A level of an ecosystem is done."""
        self.last = progress
        if not self.live:
            logger.info("%s", self.line())

    def line(self) -> str:
        c, last, remaining = self.client.counters, self.last, self.client.pacer.remaining
        where = f"{last.ecosystem} depth {last.depth}: {last.models:,} models, " if last else ""
        left = f", rate budget {remaining:,} left" if remaining is not None else ""
        elapsed = time.monotonic() - self._began
        return f"{where}{c.requests:,} requests, {c.retries:,} retries{left}, {elapsed:.0f} s"

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            if self.live:
                self.stream.write("\r\033[K" + self.line())
                self.stream.flush()
            else:
                logger.info("%s", self.line())
