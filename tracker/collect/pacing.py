"""Pacing from the Hub's `RateLimit` headers, so that a crawl never exceeds the window's quota: the
last known remaining count, less the requests in flight, decides whether a request may go out; a 429
holds every sender until the window resets.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import httpx2
from huggingface_hub.utils import parse_ratelimit_headers


class RatePacer:
    """Keeps requests within the window's quota, from the `RateLimit` headers of earlier responses.

    A request goes out only while the last known remaining count, less the requests still in
    flight, stays positive; otherwise every sender waits for the window to reset. After a reset
    the new count is unknown, so one request at a time probes it. A Hub that sends no RateLimit
    headers is not paced (its 429s still are).
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._cond = threading.Condition()
        self._remaining: int | None = None
        self._reset_at: float | None = None
        self._inflight = 0
        self._paced = False

    def acquire(self) -> None:
        with self._cond:
            while True:
                now = self._clock()
                if self._reset_at is not None and now >= self._reset_at:
                    self._remaining, self._reset_at = None, None
                if not self._paced:
                    break
                if self._remaining is None:
                    if self._inflight == 0:
                        break
                    self._cond.wait(0.05)
                    continue
                if self._remaining - self._inflight > 0:
                    break
                delay = (self._reset_at or now + 1.0) - now
                self._cond.wait(max(0.01, delay))
            self._inflight += 1

    def release(self, headers: httpx2.Headers | None) -> None:
        """A request is over; learn the window's state from its answer's headers (None: no answer)."""
        with self._cond:
            self._inflight -= 1
            info = parse_ratelimit_headers(headers) if headers is not None else None
            if info is not None:
                self._paced = True
                now = self._clock()
                if self._remaining is not None and self._reset_at is not None and now < self._reset_at:
                    # Same window as we know it: answers can arrive out of order, so the count only falls.
                    self._remaining = min(self._remaining, info.remaining)
                else:
                    self._remaining = info.remaining
                    # `t` is whole seconds, rounded up by the Hub; a little more keeps us past the boundary.
                    self._reset_at = now + info.reset_in_seconds + 0.05
            self._cond.notify_all()

    def hold(self, seconds: float) -> None:
        """After a 429 (whatever its cause): nobody sends for `seconds`, then one request probes the Hub."""
        with self._cond:
            self._inflight -= 1
            self._paced = True
            self._remaining = 0
            self._reset_at = self._clock() + seconds
            self._cond.notify_all()

    @property
    def remaining(self) -> int | None:
        return self._remaining
