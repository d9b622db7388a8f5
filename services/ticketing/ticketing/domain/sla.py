"""SLA clocks (docs/domain.md F14–F16, issue 12) as pure functions of a ticket's timeline: when
the clock started, when it stood still (a pausing status), when it stopped (the response or the
resolution) and now. Counting is in the level's business time (``servicekit.business_time``),
so a clock started Friday 17:50 with 30 minutes on a 09:00–18:00 weekday calendar is due Monday
09:20. Nothing here reads the clock or a store: ticketing's use cases give the times."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from servicekit.business_time import BusinessCalendar

Band = Literal["green", "yellow", "red", "overdue"]
Span = tuple[datetime, datetime | None]
"""A pause: from, and until (None while it lasts)."""


@dataclass(frozen=True)
class Clock:
    target: timedelta
    used: timedelta
    """Business time counted so far (until it stopped, or until now)."""
    left: timedelta
    """``target - used``: negative once overdue."""
    due: datetime | None
    """When the target runs out if nothing pauses it; None while paused, once stopped, or
    when the calendar never opens again."""
    band: Band
    paused: bool
    met_at: datetime | None
    """When the clock stopped inside its target."""
    breached_at: datetime | None
    """When the target ran out, if it did before the clock stopped."""


def pauses(statuses: Iterable[tuple[datetime, str]], pausing: Iterable[str]) -> list[Span]:
    """The spans a ticket spent in a pausing status, from its status changes in time order
    (each: when, and the status it entered; the first is the status it opened in)."""
    stopping = frozenset(pausing)
    spans: list[Span] = []
    since: datetime | None = None
    for at, status in statuses:
        if status in stopping and since is None:
            since = at
        elif status not in stopping and since is not None:
            spans.append((since, at))
            since = None
    if since is not None:
        spans.append((since, None))
    return spans


def clock(
    *,
    calendar: BusinessCalendar,
    target: timedelta,
    started_at: datetime,
    now: datetime,
    paused: Sequence[Span] = (),
    stopped_at: datetime | None = None,
    yellow_at: float = 0.5,
    red_at: float = 0.8,
) -> Clock:
    end = min(stopped_at, now) if stopped_at is not None else now
    running = _running(started_at, end, paused)
    used, breached_at, left_to_use = timedelta(), None, target
    for start, stop in running:
        worked = calendar.business_time(start, stop)
        if breached_at is None and worked > left_to_use:  # on the due minute is in time
            breached_at = calendar.add(start, left_to_use)
        left_to_use -= min(worked, left_to_use)
        used += worked
    is_paused = stopped_at is None and any(a <= now and (b is None or now < b) for a, b in paused)
    due: datetime | None = None
    if stopped_at is None and not is_paused:
        due = breached_at or calendar.add(now, target - used)
    met_at = stopped_at if stopped_at is not None and breached_at is None else None
    return Clock(
        target=target,
        used=used,
        left=target - used,
        due=due,
        band=_band(used / target, breached_at is not None, yellow_at, red_at),
        paused=is_paused,
        met_at=met_at,
        breached_at=breached_at,
    )


def _running(
    start: datetime, end: datetime, paused: Sequence[Span]
) -> list[tuple[datetime, datetime]]:
    """[start, end) without the pauses."""
    spans, cursor = [], start
    for pause_start, pause_end in sorted(paused, key=lambda p: p[0]):
        stop = end if pause_end is None else pause_end
        if pause_start > cursor:
            spans.append((cursor, min(pause_start, end)))
        cursor = max(cursor, stop)
        if cursor >= end:
            break
    if cursor < end:
        spans.append((cursor, end))
    return [(a, b) for a, b in spans if a < b]


def _band(share: float, breached: bool, yellow_at: float, red_at: float) -> Band:
    if breached:
        return "overdue"
    if share >= red_at:
        return "red"
    return "yellow" if share >= yellow_at else "green"
