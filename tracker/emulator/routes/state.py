"""What the emulated Hub knows and counts, which every route reads: its catalogue, clock, listing rules,
rate limit and faults, weekly archive, and request counters. Serving it is `server.HubEmulator`'s.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from tracker.emulator.archive.repository import Archive
from tracker.emulator.archive.schema import labels_for
from tracker.emulator.catalogue import Catalogue
from tracker.emulator.routes.faults import FaultPlan, RateGate
from tracker.emulator.routes.listing import Lister
from tracker.emulator.routes.rules import DEFAULT_RULES, expand_rules


class HubState:
    """An emulated Hub on one catalogue, with its own clock, rate limit and faults (not yet served)."""

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
        # The real Hub's rules by default (tracker.emulator.routes.rules); `2025` and `lenient` as asked.
        self.rules = expand_rules(listing_rules, also_refuse=listing_refuses)
        self.empty_provider_mapping = empty_provider_mapping
        self.catalogue = catalogue
        self.lister = Lister(catalogue)
        self.gate = RateGate(plan or FaultPlan(), monotonic)
        self._now = catalogue.default_now if now is None else now
        self._lock = threading.Lock()
        self.counts: Counter = Counter()
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
