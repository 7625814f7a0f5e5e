"""Schedules: a five-field crontab read in a time zone, its fire times, and whether a run is overdue. Pure.

APScheduler 3.x reads crontabs with two differences from cron itself, both handled here: its weekday
numbers start at Monday (crontab's at Sunday: `0 6 * * 1` would fire on Tuesdays), and when both a day
of month and a day of week are given it fires when both match (cron: when either does).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.cron import CronTrigger

DEFAULT_CRON = "0 6 * * mon"
OVERDUE_SLACK = timedelta(days=1)  # a run is overdue once older than the schedule's period plus this
_WEEKDAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")  # crontab's numbering: 0 (and 7) is Sunday


class ScheduleError(Exception):
    """A bad schedule, or a scheduler that cannot start, in one line fit for the user."""


def crontab_day_of_week(field: str) -> str:
    """A crontab day-of-week field as APScheduler weekday names, e.g. `1-5/2` -> `mon,wed,fri`."""
    if field == "*":
        return field
    days: set[int] = set()
    for item in field.lower().split(","):
        match = re.fullmatch(r"(\*|\w+)(?:-(\w+))?(?:/(\d+))?", item)
        if match is None or (match[1] == "*" and match[2] is not None):
            raise ValueError(f"bad day of week {item!r}")
        first, last, step = match.groups()
        if first == "*":
            start, end = 0, 6
        else:
            start = _weekday_number(first)
            end = start if last is None and step is None else 6 if last is None else _weekday_number(last, 7)
        if end < start or step == "0":
            raise ValueError(f"bad day of week {item!r}")
        days.update(day % 7 for day in range(start, end + 1, int(step or 1)))
    if len(days) == 7:
        return "*"
    return ",".join(_WEEKDAYS[day] for day in sorted(days, key=lambda day: (day - 1) % 7))


def _weekday_number(text: str, sunday: int = 0) -> int:
    """0-7 or a three-letter weekday name; Sunday's name is `sunday` (7 at the end of a range)."""
    if text.isdigit() and int(text) <= 7:
        return int(text)
    if text in _WEEKDAYS:
        return _WEEKDAYS.index(text) or sunday
    raise ValueError(f"bad day of week {text!r}")


@dataclass(frozen=True)
class Schedule:
    """When to take snapshots.

    Fields:
        cron: the five-field crontab as given (whitespace normalised), for logs and `tracker runs`.
        timezone: the IANA zone the crontab is read in.
        trigger: the APScheduler trigger that computes the fire times.
    """

    cron: str
    timezone: str
    trigger: CronTrigger

    def fire_times(self, after: datetime, count: int) -> list[datetime]:
        """The next `count` fire times from `after` on (itself included when it is one), in UTC."""
        times: list[datetime] = []
        previous = None
        while len(times) < count:
            previous = self.trigger.get_next_fire_time(previous, previous or after)
            if previous is None:
                break
            times.append(previous.astimezone(UTC))
        return times

    def times_between(self, first: datetime, now: datetime, limit: int = 100_000) -> Iterator[datetime]:
        """The fire times from `first` up to `now`, as APScheduler counts missed runs (at most `limit`)."""
        when: datetime | None = first
        for _ in range(limit):
            if when is None or when > now:
                return
            yield when
            when = self.trigger.get_next_fire_time(when, now)

    def period(self, now: datetime) -> timedelta:
        """The longest time between consecutive fire times: an irregular cron is judged by its longest gap."""
        return max(b - a for a, b in pairwise(self.fire_times(now, 9)))

    def grace(self, now: datetime) -> timedelta:
        """How late a missed run may be and still be caught up: six sevenths of the period (6 days weekly).

        The latest missed run is less than a period old. Once it is more than 6/7 of a period old, the
        next scheduled run is less than a seventh of a period away (a day, weekly): catching up then would
        put two snapshots a day apart, a one-day "week" in every growth chart. The next run is better.
        """
        return max(timedelta(seconds=1), self.period(now) * 6 / 7)


def parse_schedule(cron: str, timezone: str = "UTC", *, now: datetime | None = None) -> Schedule:
    """A five-field crontab (minute hour day-of-month month day-of-week) read in `timezone`; ScheduleError."""
    text = " ".join(cron.split())
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ScheduleError(
            f"unknown time zone {timezone!r} (use an IANA name such as UTC or Europe/Paris)"
        ) from None
    parts = text.split()
    if len(parts) != 5:
        raise ScheduleError(
            f"bad cron {cron!r}: expected 5 fields (minute hour day month weekday), got {len(parts)}"
        )
    minute, hour, day, month, weekday = parts
    if day != "*" and weekday != "*":
        # cron runs when either matches, APScheduler only when both do: refuse rather than differ.
        raise ScheduleError(f"bad cron {cron!r}: give a day of month or a day of week, not both")
    try:
        weekday = crontab_day_of_week(weekday)
        trigger = CronTrigger(
            minute=minute, hour=hour, day=day, month=month, day_of_week=weekday, timezone=zone
        )
    except ValueError as exc:
        raise ScheduleError(f"bad cron {cron!r}: {exc}") from None
    schedule = Schedule(text, timezone, trigger)
    if len(schedule.fire_times(now or datetime.now(UTC), 2)) < 2:
        raise ScheduleError(f"bad cron {cron!r}: it never fires")
    return schedule


def same_trigger(a: Any, b: CronTrigger) -> bool:
    """Whether two cron triggers fire at the same times (their fields and zones compared)."""
    if not isinstance(a, CronTrigger):
        return False
    return [str(f) for f in a.fields] == [str(f) for f in b.fields] and str(a.timezone) == str(b.timezone)


def format_when(value: datetime | None) -> str:
    """A moment for logs and listings, in UTC: to the minute, or to the second when it has seconds."""
    if value is None:
        return "-"
    value = value.astimezone(UTC)
    return f"{value:%Y-%m-%d %H:%M}{'' if value.second == 0 else f':{value:%S}'} UTC"


def format_duration(value: timedelta) -> str:
    """A rough length: whole days, hours or minutes, else seconds."""
    seconds = value.total_seconds()
    for unit, size in (("day", 86_400), ("hour", 3_600), ("minute", 60)):
        if seconds >= 2 * size:
            return f"{int(seconds // size)} {unit}s"
    return f"{seconds:.0f} s"


@dataclass(frozen=True)
class StoredSchedule:
    """The schedule `tracker schedule` keeps in the database.

    Fields:
        cron: the crontab as given.
        timezone: the zone it is read in.
        next_run_time: when the next run is due; in the past while a run is in progress or the
            scheduler is down.
        period: the longest time between two consecutive fire times.
    """

    cron: str
    timezone: str
    next_run_time: datetime | None
    period: timedelta


def schedule_status(
    schedule: StoredSchedule, *, last_complete_at: datetime | None, running: bool, now: datetime
) -> list[str]:
    """The lines that say what is scheduled and whether a snapshot is overdue."""
    lines = [
        f"schedule: {schedule.cron} ({schedule.timezone}), next run {format_when(schedule.next_run_time)}"
    ]
    if running:
        lines.append("a run is in progress")
    elif schedule.next_run_time is not None and now - schedule.next_run_time > timedelta(minutes=5):
        lines.append(
            f"overdue: the run due {format_when(schedule.next_run_time)} has not been taken "
            "(is `tracker schedule` running?)"
        )
    if last_complete_at is not None and now - last_complete_at > schedule.period + OVERDUE_SLACK:
        lines.append(f"overdue: the last complete run is {format_duration(now - last_complete_at)} old")
    return lines
