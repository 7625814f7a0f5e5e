"""The demo's progress over all its weeks: how long the weeks left should take, and the line that says so.

Pure: the demo (`tracker.run.demo`) hands in what it measured, the command prints the line.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

RECENT = 3  # the done weeks of a kind that estimate the next ones: the latest (runs grow week by week)


def time_left(kinds: Sequence[str], seconds: Sequence[float], *, recent: int = RECENT) -> float | None:
    """Seconds the weeks not done yet should take; None before any week is done, 0 when all are.

    `kinds`: every week's kind in order ("archive" or "snapshot": an archive import and a live snapshot
    cost different things); `seconds`: how long each done week took, the first `len(seconds)` weeks.
    Each week left counts as the mean of the last `recent` done weeks of its kind, or, while no week of
    its kind is done, of the last `recent` done weeks of any kind."""
    if len(seconds) > len(kinds):
        raise ValueError(f"{len(seconds)} weeks done of {len(kinds)}")
    if not seconds:
        return None
    if recent < 1:
        raise ValueError(f"recent must be at least 1, not {recent}")
    done = list(zip(kinds, seconds, strict=False))
    anyone = [s for _, s in done][-recent:]
    left = 0.0
    for kind in kinds[len(seconds) :]:
        same = [s for k, s in done if k == kind][-recent:] or anyone
        left += sum(same) / len(same)
    return left


def duration_text(seconds: float) -> str:
    """A duration as a reader says it: `45 s`, `2 min 10 s`, `1 h 5 min`."""
    whole = max(0, round(seconds))
    if whole < 60:
        return f"{whole} s"
    if whole < 3600:
        minutes, rest = divmod(whole, 60)
        return f"{minutes} min {rest} s" if rest else f"{minutes} min"
    hours, rest = divmod(round(whole / 60), 60)
    return f"{hours} h {rest} min" if rest else f"{hours} h"


def estimate_text(seconds: float) -> str:
    """An estimate, no finer than it can be: `about 45 s` (to 5 s), `about 3 min 10 s` (to 10 s under 10
    minutes), `about 12 min` (to the minute)."""
    step = 5 if seconds < 60 else 10 if seconds < 600 else 60
    return "about " + duration_text(max(step, step * round(seconds / step)))


def overall_line(done: int, weeks: int, elapsed: float, left: float | None, now: datetime) -> str:
    """`week 5 of 16, 2 min 10 s elapsed, about 3 min left (done about 04:12 UTC)`, the end's date too
    when it is another day's; the last week says only what it took. `now`: zone-aware (UTC)."""
    if now.utcoffset() is None:
        raise ValueError(f"now must be zone-aware (UTC), got naive {now.isoformat()}")
    head = f"week {done} of {weeks}, {duration_text(elapsed)} elapsed"
    if done >= weeks or left is None:
        return head
    end = (now + timedelta(seconds=left)).astimezone(UTC)
    when = f"{end:%H:%M}" if end.date() == now.astimezone(UTC).date() else f"{end:%Y-%m-%d %H:%M}"
    return f"{head}, {estimate_text(left)} left (done about {when} UTC)"
