"""The expert's nudge policy: how often, when, and whether Tacit may ask them at all. The expert sets it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

MAX_ROUNDS = 2  # the first question, and at most one more when the reply left the gap open


@dataclass(frozen=True)
class NudgePreferences:
    """An expert's choices; quiet hours are local hours in `timezone`, and the window may wrap midnight."""

    max_per_week: int = 3
    quiet_start: int | None = 20
    quiet_end: int | None = 8
    timezone: str = "UTC"
    opted_out: bool = False


@dataclass(frozen=True)
class PolicyDecision:
    """Whether a nudge may go out, and when (an aware UTC time)."""

    allowed: bool
    deliver_at: datetime | None
    reason: str


_QUIET = re.compile(r"^\s*(\d{1,2})\s*-\s*(\d{1,2})\s*$")


def decide(
    prefs: NudgePreferences,
    now: datetime,
    sent_last_7_days: int,
    already_nudged_for_message: bool,
    round: int = 1,  # noqa: A002 - the name others call it by
) -> PolicyDecision:
    """Decides whether and when one nudge may be delivered to an expert."""
    now = _as_utc(now)
    if prefs.opted_out:
        return PolicyDecision(False, None, "the expert opted out of follow-up questions")
    if round < 1 or round > MAX_ROUNDS:
        return PolicyDecision(False, None, f"round {round} is outside 1..{MAX_ROUNDS}")
    if round == 1 and already_nudged_for_message:
        return PolicyDecision(False, None, "never twice for one message: already asked about this answer")
    # Every round counts: the expert set the weekly limit, and a second question is still a message to read.
    if sent_last_7_days >= prefs.max_per_week:
        return PolicyDecision(False, None, f"weekly limit reached ({sent_last_7_days}/{prefs.max_per_week})")
    quiet_end = _quiet_until(prefs, now)
    if quiet_end is not None:
        return PolicyDecision(True, quiet_end, f"quiet hours: delivered at {quiet_end:%Y-%m-%d %H:%M} UTC")
    return PolicyDecision(True, now, "allowed now")


def parse_quiet_hours(text: str) -> tuple[int | None, int | None]:
    """Parses "20-8" into (20, 8) and "" into (None, None); raises ValueError on anything else."""
    if not text.strip():
        return None, None
    match = _QUIET.match(text)
    if not match:
        raise ValueError(f'quiet hours must look like "20-8" (start-end, local hours 0-23) or be empty, not {text!r}')
    start, end = int(match.group(1)), int(match.group(2))
    if not (0 <= start <= 23 and 0 <= end <= 23):
        raise ValueError(f"quiet hours must be between 0 and 23, got {start}-{end}")
    return start, end


def _as_utc(moment: datetime) -> datetime:
    """An aware UTC datetime; a naive one is taken to be UTC already."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _zone(name: str) -> ZoneInfo:
    """The expert's time zone; an unknown name is a configuration error worth a clear message."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(f"unknown time zone {name!r}") from error


def _quiet_until(prefs: NudgePreferences, now: datetime) -> datetime | None:
    """When the quiet window around `now` ends (aware UTC), or None when `now` is not in quiet hours."""
    start, end = prefs.quiet_start, prefs.quiet_end
    if start is None or end is None or start == end:
        return None
    local = now.astimezone(_zone(prefs.timezone))
    hour = local.hour
    inside = start <= hour < end if start < end else (hour >= start or hour < end)
    if not inside:
        return None
    # The window ends today at `end` if that is still ahead, else tomorrow (a window wrapping midnight).
    day = local.date() if hour < end else local.date() + timedelta(days=1)
    naive_end = datetime(day.year, day.month, day.day, end)
    # Build the wall-clock time in the zone, so a DST change between now and then is handled by zoneinfo.
    return naive_end.replace(tzinfo=local.tzinfo).astimezone(UTC)
