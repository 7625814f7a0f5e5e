"""Progress of long steps: a live status line on a terminal, periodic log lines otherwise.

`LiveLine` says where any long step is, from a function that describes it; `ProgressReporter` is the
crawl's (its levels, requests, retries and rate budget, from the client's counters).
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

from tracker.collect.crawl import Progress
from tracker.collect.hub import HubClient

logger = logging.getLogger("tracker.progress")


class LiveLine:
    """A line saying where a long step is, from `describe()`: rewritten each second on a terminal, logged
    every `interval` s elsewhere (a step shorter than that logs nothing). A context manager: the line
    runs from `with` to its end, and is wiped from the terminal then."""

    def __init__(
        self, describe: Callable[[], str], *, stream: TextIO | None = None, interval: float = 30
    ) -> None:
        self.describe = describe
        self.stream = stream or sys.stderr
        self.live = bool(getattr(self.stream, "isatty", lambda: False)())
        self.interval = 1.0 if self.live else interval
        self._stop = threading.Event()
        self._lock = threading.Lock()  # the line is written by one thread at a time
        self._thread = threading.Thread(target=self._loop, name="progress", daemon=True)
        self._began = time.monotonic()

    @property
    def elapsed(self) -> float:
        """Seconds since the line began."""
        return time.monotonic() - self._began

    def __enter__(self) -> LiveLine:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self.clear()

    def clear(self) -> None:
        """Wipe the line from the terminal (before printing something else there)."""
        if self.live:
            self.stream.write("\r\033[K")
            self.stream.flush()

    @contextmanager
    def held(self) -> Iterator[None]:
        """Print other lines inside: the line is wiped first, and written again only after."""
        with self._lock:
            self.clear()
            yield

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            text = self.describe()
            if not text:
                continue
            with self._lock:
                if self.live:
                    self.stream.write("\r\033[K" + text)
                    self.stream.flush()
                else:
                    logger.info("%s", text)


class ProgressReporter(LiveLine):
    """Shows where a crawl is: refreshed each second on a terminal, logged every `interval` s elsewhere,
    and (`every_level`) logged as each level of an ecosystem is done."""

    def __init__(
        self,
        client: HubClient,
        *,
        stream: TextIO | None = None,
        interval: float = 30,
        prefix: str = "",
        every_level: bool = True,
    ) -> None:
        super().__init__(self.line, stream=stream, interval=interval)
        self.client = client
        self.prefix = prefix
        self.every_level = every_level
        self.last: Progress | None = None

    def __enter__(self) -> ProgressReporter:
        super().__enter__()
        return self

    def update(self, progress: Progress) -> None:
        """A level of an ecosystem is done."""
        self.last = progress
        if self.every_level and not self.live:
            logger.info("%s", self.line())

    def line(self) -> str:
        c, last, remaining = self.client.counters, self.last, self.client.pacer.remaining
        where = f"{last.ecosystem} depth {last.depth}: {last.models:,} models, " if last else ""
        left = f", rate budget {remaining:,} left" if remaining is not None else ""
        return (
            f"{self.prefix}{where}{c.requests:,} requests, {c.retries:,} retries{left}, {self.elapsed:.0f} s"
        )
