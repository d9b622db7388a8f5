"""Business-time arithmetic over a calendar (docs/domain.md F14–F16): whether an instant is open,
how much business time lies between two instants, and when an amount of business time runs out
(a due time). Ticketing's SLA clocks and the rules' ``business_hours`` condition both use it, so
"open" means one thing everywhere.

What "open" means: an instant is open when its **wall-clock time** in the calendar's zone falls
inside an opening of the local date it belongs to (or of the day before, for an opening that
crosses midnight). So on the night clocks go back, an opening over the repeated hour counts it
twice, and an opening that starts inside a skipped hour begins when the clocks resume. Business
time is real elapsed time (UTC), exact to the second.

How: the UTC line is cut where the zone's offset changes; on each piece local time is UTC plus
one fixed offset, so the day's openings (naive local spans) shift back onto UTC exactly.
zoneinfo has no public list of transitions, so a change is found by comparing offsets six hours
apart and bisecting to the second (every zone changes offset at most a few times a year).

Hand-written because no maintained library does this: pandas' CustomBusinessHour and
``businesstime`` ignore DST and midnight-crossing hours, ``workalendar``/``holidays`` only list
holidays. ``libs/servicekit/tests/test_business_time.py`` checks it with hypothesis against a
minute-by-minute count.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from contracts.calendars import CalendarSpec
from contracts.schedule import WEEKDAYS

Span = tuple[datetime, datetime]
"""A half-open interval [start, end) of aware UTC instants."""

GIVE_UP_AFTER = timedelta(days=800)
"""Looking for open time stops after this long without any (past the last dated exception): a
calendar that never opens has no due time, instead of a search that never ends."""

_STEP = timedelta(hours=6)
_CHUNK = timedelta(days=7)
_DAY = timedelta(days=1)


@dataclass(frozen=True)
class BusinessCalendar:
    zone: ZoneInfo
    weekly: tuple[tuple[tuple[int, int], ...], ...]
    """Per weekday (Monday first), openings in minutes from midnight; an end past 1440 ends
    the next day."""
    holidays: frozenset[date] = frozenset()
    yearly: frozenset[tuple[int, int]] = frozenset()
    special: dict[date, tuple[tuple[int, int], ...]] = field(default_factory=dict)

    @classmethod
    def of(cls, spec: CalendarSpec) -> BusinessCalendar:
        return cls(
            zone=ZoneInfo(spec.timezone),
            weekly=tuple(
                tuple(sorted(o.minutes() for o in spec.weekly.get(day, []))) for day in WEEKDAYS
            ),
            holidays=frozenset(h.date for h in spec.holidays if h.date is not None),
            yearly=frozenset(
                (int(h.yearly[:2]), int(h.yearly[3:])) for h in spec.holidays if h.yearly
            ),
            special={s.date: tuple(sorted(o.minutes() for o in s.hours)) for s in spec.exceptions},
        )

    # -- the openings of a local date -------------------------------------------------------

    def openings_on(self, day: date) -> tuple[tuple[int, int], ...]:
        """The openings that start on ``day``: an exception's hours, else none on a holiday,
        else the weekday's."""
        if day in self.special:
            return self.special[day]
        if day in self.holidays or (day.month, day.day) in self.yearly:
            return ()
        return self.weekly[day.weekday()]

    def _wall_spans(
        self, first: date, last: date, only: date | None = None
    ) -> list[tuple[datetime, datetime]]:
        """Naive local spans of the openings starting on ``first``..``last`` (or on ``only``
        among them), merged, sorted."""
        spans: list[tuple[datetime, datetime]] = []
        day = first if only is None else max(first, only)
        last = last if only is None else min(last, only)
        while day <= last:
            midnight = datetime(day.year, day.month, day.day)
            for start, end in self.openings_on(day):
                spans.append(
                    (midnight + timedelta(minutes=start), midnight + timedelta(minutes=end))
                )
            day += _DAY
        return _merged(sorted(spans))

    # -- the UTC line ------------------------------------------------------------------------

    def _offset(self, instant: datetime) -> timedelta:
        offset = instant.astimezone(self.zone).utcoffset()
        assert offset is not None
        return offset

    def _pieces(
        self, start: datetime, end: datetime
    ) -> Iterator[tuple[datetime, datetime, timedelta]]:
        """[start, end) cut where the zone's UTC offset changes, each piece with its offset."""
        piece_start, offset, probe = start, self._offset(start), start
        while probe < end:
            step = min(probe + _STEP, end)
            if self._offset(step) == offset:
                probe = step
                continue
            low, high = probe, step  # the change is in (low, high]
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) / 2
                low, high = (middle, high) if self._offset(middle) == offset else (low, middle)
            # offsets change on a whole second: the one in (low, low + 1 s]
            change = low.replace(microsecond=0) + timedelta(seconds=1)
            yield piece_start, change, offset
            piece_start, offset, probe = change, self._offset(change), change
        if piece_start < end:
            yield piece_start, end, offset

    def _spans_in(self, start: datetime, end: datetime, only: date | None) -> Iterator[Span]:
        for low, high, offset in self._pieces(start, end):
            wall_low, wall_high = _naive(low + offset), _naive(high + offset)
            first = wall_low.date() - _DAY  # an opening of the day before may cross midnight
            for span_start, span_end in self._wall_spans(first, wall_high.date(), only):
                a, b = max(span_start, wall_low), min(span_end, wall_high)
                if a < b:
                    yield (a - offset).replace(tzinfo=UTC), (b - offset).replace(tzinfo=UTC)

    def open_spans(self, start: datetime, end: datetime) -> Iterator[Span]:
        """The open time within [start, end), as merged UTC spans in order."""
        return self._open_spans(start, end, None)

    def _open_spans(self, start: datetime, end: datetime, only: date | None) -> Iterator[Span]:
        start, end = start.astimezone(UTC), end.astimezone(UTC)
        pending: Span | None = None
        chunk = start
        while chunk < end:
            chunk_end = min(chunk + _CHUNK, end)
            for span in self._spans_in(chunk, chunk_end, only):
                if pending is not None and pending[1] == span[0]:
                    pending = (pending[0], span[1])
                    continue
                if pending is not None:
                    yield pending
                pending = span
            chunk = chunk_end
        if pending is not None:
            yield pending

    def _open_spans_from(self, start: datetime) -> Iterator[Span]:
        """Open time from ``start`` on, ending only when none is left to find."""
        start = start.astimezone(UTC)
        last_special = max(self.special, default=date.min)
        quiet_since, chunk = start, start
        while True:
            found = False
            for span in self.open_spans(chunk, chunk + _CHUNK):
                found = True
                yield span
            chunk += _CHUNK
            if found:
                quiet_since = chunk
            elif chunk - quiet_since > GIVE_UP_AFTER and chunk.date() > last_special:
                return

    # -- what callers ask --------------------------------------------------------------------

    def is_open(self, instant: datetime) -> bool:
        """Read straight off the wall clock (the rules ask this for every interaction a
        ``business_hours`` rule may match: ~3 µs instead of building the day's spans)."""
        wall = instant.astimezone(self.zone)
        second = wall.hour * 3600 + wall.minute * 60 + wall.second + wall.microsecond / 1e6
        day = wall.date()
        if any(start * 60 <= second < end * 60 for start, end in self.openings_on(day)):
            return True
        yesterday = self.openings_on(day - _DAY)
        return any(second + 86_400 < end * 60 for _, end in yesterday if end > 1440)

    def business_time(self, start: datetime, end: datetime) -> timedelta:
        """Open time between two instants (zero when ``end`` is not after ``start``)."""
        return sum((b - a for a, b in self.open_spans(start, end)), timedelta())

    def add(self, start: datetime, amount: timedelta) -> datetime | None:
        """The instant ``amount`` of business time after ``start`` (the due time), or None
        when the calendar never opens again."""
        if amount <= timedelta():
            return start.astimezone(UTC)
        left = amount
        for a, b in self._open_spans_from(start):
            if b - a >= left:
                return a + left
            left -= b - a
        return None

    def add_days(self, start: datetime, days: int) -> datetime | None:
        """``days`` business days after ``start``: the same point of the working day ``days``
        open days later (Friday 17:50 + 1 → Monday 17:50, cut at that day's closing if it is
        shorter). From closed time, or at a day's first opening, it is the closing of the
        ``days``-th open day counting the next (Saturday + 1 → Monday's closing)."""
        start = start.astimezone(UTC)
        day, elapsed = self._position(start)
        if day is None:
            return None
        remaining = days if elapsed > timedelta() else days - 1
        while remaining > 0:
            day = self._next_open_day(day)
            if day is None:
                return None
            remaining -= 1
        spans = self._day_spans(day)
        if elapsed <= timedelta():
            return spans[-1][1]
        for a, b in spans:
            if b - a >= elapsed:
                return a + elapsed
            elapsed -= b - a
        return spans[-1][1]

    def _day_spans(self, day: date) -> list[Span]:
        """The UTC open time of the openings that start on ``day`` alone."""
        midnight = datetime(day.year, day.month, day.day, tzinfo=self.zone)
        low = (midnight - _DAY).astimezone(UTC)
        high = (midnight + 3 * _DAY).astimezone(UTC)
        return list(self._open_spans(low, high, day))

    def _position(self, instant: datetime) -> tuple[date | None, timedelta]:
        """The open day ``instant`` falls in and the business time already worked on it; from
        closed time past a day's closing, the next open day and nothing worked."""
        local = instant.astimezone(self.zone).date()
        for day in (local - _DAY, local):
            spans = self._day_spans(day)
            if spans and instant < spans[-1][1]:
                worked = sum((min(b, instant) - a for a, b in spans if a < instant), timedelta())
                return day, worked
        return self._next_open_day(local), timedelta()

    def _next_open_day(self, day: date) -> date | None:
        last_special = max(self.special, default=date.min)
        horizon = max(day, last_special) + GIVE_UP_AFTER
        day += _DAY
        while day <= horizon:
            if self.openings_on(day):
                return day
            day += _DAY
        return None


def _naive(instant: datetime) -> datetime:
    return instant.replace(tzinfo=None)


def _merged(spans: list[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    out: list[tuple[datetime, datetime]] = []
    for start, end in spans:
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def always_open() -> BusinessCalendar:
    """Every minute is business time: the calendar of a level that names none."""
    return BusinessCalendar(zone=ZoneInfo("UTC"), weekly=tuple(((0, 1440),) for _ in range(7)))


class Calendar(Protocol):
    """What counting a clock needs of a calendar: ``BusinessCalendar``, or a ``SpanIndex``
    over one."""

    def business_time(self, start: datetime, end: datetime) -> timedelta: ...

    def add(self, start: datetime, amount: timedelta) -> datetime | None: ...

    def add_days(self, start: datetime, days: int) -> datetime | None: ...


class SpanIndex:
    """A calendar's open spans over a window, with the business time before each: business
    time and due times inside the window are two bisections instead of a walk over the days
    (the desk works out every listed ticket's clocks). Outside the window, and for business
    days, it asks the calendar itself, so the answers are the calendar's."""

    def __init__(self, calendar: BusinessCalendar, start: datetime, end: datetime) -> None:
        self.calendar = calendar
        self.start, self.end = start.astimezone(UTC), end.astimezone(UTC)
        spans = list(calendar.open_spans(self.start, self.end))
        self._starts = [a for a, _ in spans]
        self._lengths = [(b - a).total_seconds() for a, b in spans]
        self._before: list[float] = []
        self._through: list[float] = []
        total = 0.0
        for length in self._lengths:
            self._before.append(total)
            total += length
            self._through.append(total)

    def _position(self, instant: datetime) -> float:
        i = bisect_right(self._starts, instant) - 1
        if i < 0:
            return 0.0
        return self._before[i] + min((instant - self._starts[i]).total_seconds(), self._lengths[i])

    def position(self, instant: datetime) -> float | None:
        """The business seconds from the window's start to ``instant``; None outside the
        window. Two positions' difference is the business time between them, signed: a page
        of the desk places its "now" once and each due time once (``business_time`` twice
        per clock would place "now" again for every clock)."""
        if not self.start <= instant <= self.end:
            return None
        return self._position(instant)

    def _inside(self, *instants: datetime) -> bool:
        return all(self.start <= t <= self.end for t in instants)

    def business_time(self, start: datetime, end: datetime) -> timedelta:
        if end <= start:
            return timedelta()
        if not self._inside(start, end):
            return self.calendar.business_time(start, end)
        return timedelta(seconds=self._position(end) - self._position(start))

    def add(self, start: datetime, amount: timedelta) -> datetime | None:
        if amount <= timedelta():
            return start.astimezone(UTC)
        if not self._inside(start):
            return self.calendar.add(start, amount)
        wanted = self._position(start) + amount.total_seconds()
        j = bisect_left(self._through, wanted)
        if j >= len(self._through):
            return self.calendar.add(start, amount)  # beyond the window
        return self._starts[j] + timedelta(seconds=wanted - self._before[j])

    def add_days(self, start: datetime, days: int) -> datetime | None:
        return self.calendar.add_days(start, days)
