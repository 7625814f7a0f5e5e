"""The emulator's rate limit and fault injection: a real fixed-window quota, k-th-request faults, latency.

Pure bookkeeping with an injected clock (`monotonic`), so tests can drive it without sleeping;
the server applies the decision it returns. Admin calls are never counted or faulted.
"""

from __future__ import annotations

import math
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

FAULT_KINDS = ("429", "500", "502", "503", "504", "truncate", "drop")
DEFAULT_QUOTA = 100_000  # generous by default; the real free tier is 1,000 per 300 s
DEFAULT_WINDOW = 300


@dataclass(frozen=True)
class Fault:
    """Every `every`-th API request (counting from the first) gets this fault."""

    kind: str
    every: int

    @classmethod
    def parse(cls, text: str) -> Fault:
        """`KIND:EVERY`, e.g. `429:7`, `503:11`, `truncate:13`, `drop:17`."""
        kind, sep, every = text.partition(":")
        if not sep or kind not in FAULT_KINDS or not every.isdigit() or int(every) < 1:
            raise ValueError(f"fault {text!r} is not KIND:EVERY with KIND in {', '.join(FAULT_KINDS)}")
        return cls(kind, int(every))


@dataclass(frozen=True)
class FaultPlan:
    """Rate limit and faults of the emulated Hub.

    Fields:
        quota: API requests allowed per fixed window (the `q` of `RateLimit-Policy`).
        window: window length in seconds (the `w`).
        faults: faults by request number; the first one that matches a request applies.
        latency_ms: delay added before every API response.
        redirect_origin: an origin (`http://host:port`) that the `Location` of a redirect and the
            `Link: rel="next"` of a page name instead of the emulator's own, as a mirror, a proxy or a
            compromised endpoint could; "" (the default) names the emulator itself.
    """

    quota: int = DEFAULT_QUOTA
    window: int = DEFAULT_WINDOW
    faults: tuple[Fault, ...] = ()
    latency_ms: float = 0.0
    redirect_origin: str = ""

    def __post_init__(self) -> None:
        if self.quota < 1 or self.window < 1 or self.latency_ms < 0:
            raise ValueError("quota and window must be positive and latency not negative")
        if self.redirect_origin and not self.redirect_origin.startswith(("http://", "https://")):
            raise ValueError("redirect_origin must be an http(s)://host[:port] origin")

    def to_json(self) -> dict:
        plan = {
            "quota": self.quota,
            "window": self.window,
            "latency_ms": self.latency_ms,
            "faults": [f"{f.kind}:{f.every}" for f in self.faults],
        }
        return plan | ({"redirect_origin": self.redirect_origin} if self.redirect_origin else {})

    @classmethod
    def from_json(cls, data: dict) -> FaultPlan:
        """The plan an admin call describes; missing keys take the defaults."""
        unknown = set(data) - {"quota", "window", "latency_ms", "faults", "redirect_origin"}
        if unknown:
            raise ValueError(f"unknown fault settings: {', '.join(sorted(unknown))}")
        faults = tuple(Fault.parse(str(f)) for f in data.get("faults", ()))
        return cls(
            int(data.get("quota", DEFAULT_QUOTA)),
            int(data.get("window", DEFAULT_WINDOW)),
            faults,
            float(data.get("latency_ms", 0.0)),
            str(data.get("redirect_origin", "")).rstrip("/"),
        )


@dataclass(frozen=True)
class Decision:
    """What to do with one API request: the fault to inject (None: serve it) and the rate headers."""

    fault: str | None
    remaining: int
    reset_in: int
    quota: int
    window: int

    def headers(self) -> dict[str, str]:
        """`RateLimit` and `RateLimit-Policy` in the Hub's format (IETF draft v9)."""
        return {
            "RateLimit": f'"api";r={self.remaining};t={self.reset_in}',
            "RateLimit-Policy": f'"fixed window";"api";q={self.quota};w={self.window}',
        }


@dataclass
class RateGate:
    """Counts API requests, enforces the quota per fixed window, and schedules faults."""

    plan: FaultPlan = field(default_factory=FaultPlan)
    monotonic: Callable[[], float] = time.monotonic
    requests: int = 0
    quota_rejections: int = 0
    peak_window_use: int = 0
    injected: Counter = field(default_factory=Counter)
    _window_id: int = -1
    _used: int = 0
    _epoch: float = field(default=0.0)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        self._epoch = self.monotonic()

    def configure(self, plan: FaultPlan) -> None:
        """Replace the plan; the request count restarts so `every` counts from now on."""
        with self._lock:
            self.plan = plan
            self.requests = 0
            self._epoch = self.monotonic()
            self._window_id, self._used = -1, 0

    def reset_counters(self) -> None:
        with self._lock:
            self.quota_rejections = self.peak_window_use = 0
            self.injected.clear()

    def admit(self) -> Decision:
        """Count one API request and decide its fate."""
        with self._lock:
            plan = self.plan
            elapsed = self.monotonic() - self._epoch
            window_id = int(elapsed // plan.window)
            if window_id != self._window_id:
                self._window_id, self._used = window_id, 0
            reset_in = max(1, math.ceil((window_id + 1) * plan.window - elapsed))
            self.requests += 1
            self._used += 1
            if self._used > plan.quota:
                self.quota_rejections += 1
                return Decision("quota", 0, reset_in, plan.quota, plan.window)
            self.peak_window_use = max(self.peak_window_use, self._used)
            fault = next((f.kind for f in plan.faults if self.requests % f.every == 0), None)
            if fault:
                self.injected[fault] += 1
            return Decision(fault, plan.quota - self._used, reset_in, plan.quota, plan.window)
