"""Reports (docs/domain.md F34) as pure arithmetic: what one ticket contributes to the report
counters, and how counters read back become a report's periods.

A ticket's **facts** (its level, status, priority, channel, account, agent, author, when it
was opened, its first-response and resolution times, when it was done) become a handful of
**contributions**: one count per (series, split dimension, value, level, UTC hour, extra).
The store keeps the sum of every ticket's contributions, and moves a ticket's from its old
facts to its new ones when they change, so applying the same facts twice changes nothing. A
report reads the counters of its hours (never the tickets) and folds the hours into local
days or weeks here; the level stays in every counter so an agent's report is a filter.

Hour buckets need a day boundary on a whole UTC hour, which zones whose offset is not a whole
number of hours (India +5:30, Nepal +5:45, Newfoundland -3:30, parts of Australia) do not
have. So every series is also counted per UTC quarter hour (``QUARTERLY``, ``hour`` the epoch
quarter): a report in such a zone reads those, in units of 15 minutes, and every zone of
today's tz database falls on a quarter. Facts counted before quarters were kept
(``TicketFacts.quarters`` False) gain them at their next projection, which
``python -m ticketing.rebuild_reports`` does for every ticket.
Times (first response, resolution) are kept as a histogram whose buckets are exact below 64
seconds and 1/32 of the value wide above, so a median or 90th percentile read back is the
middle of the bucket holding the nearest-rank value: within 1/64 of it.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal, NamedTuple
from zoneinfo import ZoneInfo

OPENED = "opened"
AUTHORS = "authors"
DONE = "done"
FIRST_RESPONSE = "first_response"
RESOLUTION = "resolution"

ALL = "all"
"""The dimension of a report without a split: one value, the empty string."""

SPLITS = ("status", "priority", "level", "channel", "account", "agent")
"""What a report can be split by. Adding one (the SLA band once ticket clocks exist) is a
field in ``TicketFacts`` and a name here; the counters need no new table."""

EVERY_LEVEL = "*"
"""The level of the counters that sum every level: each count is kept once under its ticket's
level (an agent's report filters on their levels) and once under this (an administrator's
report reads these, a quarter or less of the rows on a desk of four levels)."""

DONE_STATUSES = frozenset({"resolved", "closed"})

MAX_DAYS = 400
"""The longest range a report covers: a year and a bit, read as at most 9,600 hours."""

Interval = Literal["day", "week"]

HOUR = 3600
QUARTER = 900
"""The units of the counters' ``hour``, in seconds: hours, or quarter hours (``QUARTERLY``)."""


class Contribution(NamedTuple):
    series: str
    dim: str
    value: str
    level: str
    hour: int
    extra: str


class CountRow(NamedTuple):
    """One counter read back: ``hour`` is None for totals before a report's first hour."""

    hour: int | None
    value: str
    level: str
    extra: str
    n: int


@dataclass(frozen=True)
class TicketFacts:
    """What a report needs of one ticket, as of its latest change."""

    level: str
    status: str
    priority: str
    channel: str
    account: str
    agent: str
    author: str
    opened_at: datetime
    first_response_seconds: float | None = None
    resolution_seconds: float | None = None
    done_at: datetime | None = None
    quarters: bool = True
    """Whether these facts' counters include the quarter-hour ones (False for facts kept by a
    version before them: moving them away takes out none)."""

    def split_values(self) -> dict[str, str]:
        return {
            ALL: "",
            "status": self.status,
            "priority": self.priority,
            "level": self.level,
            "channel": self.channel,
            "account": self.account,
            "agent": self.agent,
        }


def epoch_hour(instant: datetime, unit: int = HOUR) -> int:
    """The instant's epoch hour (or quarter, with ``unit`` QUARTER)."""
    return math.floor(instant.timestamp() / unit)


def hour_start(hour: int, unit: int = HOUR) -> datetime:
    return datetime.fromtimestamp(hour * unit, UTC)


QUARTERLY = "@q"
"""Suffix of a series counted per UTC quarter hour (``hour`` the epoch quarter: seconds / 900),
read by reports in zones whose offset is not a whole number of hours."""

DAILY = "@day"
"""Suffix of a series' UTC-day rollup (``hour`` the day's first): every series but the authors
(a set cannot be taken apart again) is kept per hour and per UTC day, so a report of a zone
with one offset reads a day's rollup and only the few hours its local day is off by."""


def contributions(facts: TicketFacts | None) -> Counter[Contribution]:
    """Every counter one ticket adds to; empty for a ticket that no longer counts."""
    out: Counter[Contribution] = Counter()
    if facts is None:
        return out
    opened = epoch_hour(facts.opened_at)
    opened_quarter = epoch_hour(facts.opened_at, QUARTER)
    level = facts.level
    for dim, value in facts.split_values().items():
        out[Contribution(OPENED, dim, value, level, opened, "")] += 1
        if facts.author:
            out[Contribution(AUTHORS, dim, value, level, opened, facts.author)] += 1
        if facts.first_response_seconds is not None:
            code = str(time_bucket(facts.first_response_seconds))
            out[Contribution(FIRST_RESPONSE, dim, value, level, opened, code)] += 1
        if facts.resolution_seconds is not None:
            code = str(time_bucket(facts.resolution_seconds))
            out[Contribution(RESOLUTION, dim, value, level, opened, code)] += 1
    if facts.done_at is not None:
        out[Contribution(DONE, "level", level, level, epoch_hour(facts.done_at), "")] += 1
    for key, n in list(out.items()):
        out[key._replace(level=EVERY_LEVEL)] += n
    hourly = list(out.items())
    for key, n in hourly:
        if key.series != AUTHORS:
            out[key._replace(series=key.series + DAILY, hour=key.hour - key.hour % 24)] += n
    if facts.quarters:
        done_quarter = epoch_hour(facts.done_at, QUARTER) if facts.done_at else 0
        for key, n in hourly:
            quarter = done_quarter if key.series == DONE else opened_quarter
            out[key._replace(series=key.series + QUARTERLY, hour=quarter)] += n
    return out


def difference(before: TicketFacts | None, after: TicketFacts | None) -> dict[Contribution, int]:
    """What moving a ticket from ``before`` to ``after`` adds to each counter (non-zero)."""
    if before == after:  # most ticket events change nothing a report counts
        return {}
    delta: Counter[Contribution] = Counter(contributions(after))
    delta.subtract(contributions(before))
    return {key: n for key, n in delta.items() if n}


# -- times as a histogram ---------------------------------------------------------------------

_EXACT_BELOW = 64


def time_bucket(seconds: float) -> int:
    """Exact under 64 s; above, 32 buckets per doubling (each 1/32 of its value wide)."""
    whole = max(0, int(seconds))
    if whole < _EXACT_BELOW:
        return whole
    shift = whole.bit_length() - 6
    return shift * _EXACT_BELOW + (whole >> shift)


def bucket_bounds(code: int) -> tuple[int, int]:
    """The smallest and largest whole second of a bucket."""
    if code < _EXACT_BELOW:
        return code, code
    shift, mantissa = divmod(code, _EXACT_BELOW)
    return mantissa << shift, ((mantissa + 1) << shift) - 1


def bucket_value(code: int) -> float:
    low, high = bucket_bounds(code)
    return (low + high) / 2


def percentile(histogram: Mapping[int, int], fraction: float) -> float | None:
    """The nearest-rank percentile (the value at rank ceil(fraction × n), so the median of
    an even count is the lower middle), as its bucket's middle; None without values."""
    count = sum(histogram.values())
    if count == 0:
        return None
    rank = max(1, math.ceil(fraction * count))
    seen = 0
    for code in sorted(histogram):
        seen += histogram[code]
        if seen >= rank:
            return bucket_value(code)
    raise AssertionError("unreachable: ranks are within the count")


# -- periods in a time zone -------------------------------------------------------------------


class Segment(NamedTuple):
    first_hour: int
    end_hour: int
    shift: int
    width: int
    days: int = 1
    """Days in a period: 1, or 7 for weeks (``width`` is in the range's unit)."""

    def period_start(self, grouped_hour: int) -> date:
        """The local first day of the group a store answered for (its ``hour`` is
        ``group × width − shift``): the day count on the local clock since 1970-01-01, and
        for weeks the Monday three days before the week's 1970 Thursday."""
        group = (grouped_hour + self.shift) // self.width
        if self.days == 7:
            return _EPOCH + timedelta(days=group * 7 - 3)
        return _EPOCH + timedelta(days=group)


_EPOCH = date(1970, 1, 1)


@functools.lru_cache(maxsize=50_000)
def _offset_hours(hour: int, zone: ZoneInfo, unit: int = HOUR) -> int:
    """The zone's offset from UTC at the start of this hour (quarter), in whole units."""
    offset = hour_start(hour, unit).astimezone(zone).utcoffset() or timedelta(0)
    return int(offset.total_seconds()) // unit


def _offset_changes(first: int, end: int, zone: ZoneInfo, unit: int = HOUR) -> list[int]:
    """The hours (quarters) in ``(first, end)`` at which the zone's offset differs from the
    one before: sampled a day apart, searched one by one only where a day's samples differ."""
    day = 86_400 // unit
    samples = [*range(first, end, day), end - 1]
    changes: list[int] = []
    for a, b in itertools.pairwise(samples):
        if _offset_hours(a, zone, unit) != _offset_hours(b, zone, unit):
            changes += [
                h
                for h in range(a + 1, b + 1)
                if _offset_hours(h, zone, unit) != _offset_hours(h - 1, zone, unit)
            ]
    return changes


class ReportRange(NamedTuple):
    """A report's range in its zone. Its counters are hours, or quarter hours (``unit``
    QUARTER, the series ``QUARTERLY``) for a zone whose offset is not a whole number of hours
    (``unit_for``): every "hour" below is then a quarter."""

    zone: ZoneInfo
    since: date
    until: date
    interval: Interval
    unit: int = HOUR

    def series(self, series: str) -> str:
        """The stored series this range reads for ``series``."""
        return series + QUARTERLY if self.unit == QUARTER else series

    @property
    def first_hour(self) -> int:
        return epoch_hour(_local_midnight(self.since, self.zone), self.unit)

    @property
    def end_hour(self) -> int:
        """The first hour after the range."""
        return epoch_hour(_local_midnight(self.until + timedelta(days=1), self.zone), self.unit)

    def period_of(self, hour: int) -> date:
        return _period_of(hour, self.zone, self.interval, self.unit)

    def periods(self) -> list[date]:
        starts: list[date] = []
        day = self.since
        while day <= self.until:
            start = day - timedelta(days=day.weekday()) if self.interval == "week" else day
            if not starts or starts[-1] != start:
                starts.append(start)
            day += timedelta(days=1)
        return starts

    def segments(self) -> list[Segment]:
        """The range cut where the zone's offset changes (daylight saving), each with the
        grouping that turns a UTC hour into its local period: ``(hour + shift) // width``
        (a local day: the hour on the local clock over 24; a week from Monday: 1970-01-01
        was a Thursday, three days after one), so a store sums the counters of a period."""
        first, end = self.first_hour, self.end_hour
        cuts = [first, *_offset_changes(first, end, self.zone, self.unit), end]
        days = 7 if self.interval == "week" else 1
        per_day = 86_400 // self.unit
        extra = 3 * per_day if self.interval == "week" else 0
        return [
            Segment(a, b, _offset_hours(a, self.zone, self.unit) + extra, days * per_day, days)
            for a, b in itertools.pairwise(cuts)
            if a < b
        ]

    def regrouped(self, rows: Iterable[CountRow], segment: Segment) -> list[CountRow]:
        """Rows a store grouped by ``segment``, each dated at its period's local midnight."""
        return [
            row._replace(
                hour=epoch_hour(
                    _local_midnight(segment.period_start(row.hour), self.zone), self.unit
                )
            )
            if row.hour is not None
            else row
            for row in rows
        ]

    def period_end_hour(self, start: date) -> int:
        """The first hour after the period that starts on ``start`` (cut at the range)."""
        length = 7 if self.interval == "week" else 1
        end = min(start + timedelta(days=length), self.until + timedelta(days=1))
        return epoch_hour(_local_midnight(end, self.zone), self.unit)


@functools.lru_cache(maxsize=20_000)
def _period_of(hour: int, zone: ZoneInfo, interval: Interval, unit: int = HOUR) -> date:
    """Remembered: a report folds thousands of counters into a few hundred hours' periods."""
    day = hour_start(hour, unit).astimezone(zone).date()
    return day - timedelta(days=day.weekday()) if interval == "week" else day


def _local_midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def range_problem(zone: ZoneInfo, since: date, until: date) -> str | None:
    """Why a report cannot cover this range in this zone, or None."""
    if until < since:
        return "until is before since"
    if (until - since).days + 1 > MAX_DAYS:
        return f"a report covers at most {MAX_DAYS} days"
    for day, offset in _midnight_offsets(zone, since, until):
        if offset.total_seconds() % QUARTER:
            return (
                f"time zone {zone.key} is {offset} from UTC on {day}: reports count by quarter "
                "hours, so only zones a whole number of quarter hours from UTC are supported"
            )
    return None


def unit_for(zone: ZoneInfo, since: date, until: date) -> int:
    """HOUR when every local midnight of the range falls on a whole UTC hour (the hourly
    counters and their daily rollups serve), else QUARTER."""
    whole = all(not o.total_seconds() % HOUR for _, o in _midnight_offsets(zone, since, until))
    return HOUR if whole else QUARTER


def _midnight_offsets(zone: ZoneInfo, since: date, until: date) -> Iterator[tuple[date, timedelta]]:
    day = since
    while day <= until + timedelta(days=1):
        yield day, datetime.combine(day, time(0), tzinfo=zone).utcoffset() or timedelta(0)
        day += timedelta(days=1)


class DailyPlan(NamedTuple):
    """How to read a range of local days in a zone with one offset from UTC-day rollups and
    edge hours. Local day k spans UTC hours ``[m_k, m_k + 24)``, ``m_k = first + 24k``, and
    ``r = first % 24``. When r <= 12 it is the UTC day ``d_k = m_k - r`` less the hours
    ``[d_k, d_k + r)`` plus the hours ``[d_k+1, d_k+1 + r)``; otherwise (``s = 24 - r``) it is
    the UTC day ``u_k = m_k + s`` plus the hours ``[u_k - s, u_k)`` less
    ``[u_k+1 - s, u_k+1)``. Each edge (its hours) is thus taken from one day and given to
    its neighbour: at most 12 hours a day are read one by one instead of 24."""

    first_day: int
    days: int
    edges: list[int]
    local_midnights: list[int]
    before_utc_day: bool
    """r <= 12: the local day starts r hours into its UTC day."""

    def combine(self, daily: Iterable[CountRow], hourly: Iterable[CountRow]) -> list[CountRow]:
        """Rows per local day (``hour`` its local midnight), with signed counts. ``hourly``
        are the edge hours summed per UTC day (``hour`` the day's first)."""
        out: list[CountRow] = []
        for row in daily:
            if row.hour is not None:
                self._add(out, row, (row.hour - self.first_day) // 24, row.n)
        for row in hourly:
            if row.hour is None:
                continue
            if self.before_utc_day:
                j = (row.hour - self.first_day) // 24
                self._add(out, row, j, -row.n)
                self._add(out, row, j - 1, row.n)
            else:
                j = (row.hour - self.first_day) // 24 + 1
                self._add(out, row, j, row.n)
                self._add(out, row, j - 1, -row.n)
        return out

    def _add(self, out: list[CountRow], row: CountRow, k: int, n: int) -> None:
        if 0 <= k < self.days:
            out.append(CountRow(self.local_midnights[k], row.value, "", row.extra, n))


def daily_plan(span: ReportRange) -> DailyPlan | None:
    """The plan for a range whose zone keeps one offset throughout; None when the offset
    changes inside it (daylight saving), or that is read in quarter hours: such a range is
    read hour by hour."""
    if span.unit != HOUR or len(span.segments()) != 1:
        return None
    first, end = span.first_hour, span.end_hour
    midnights = list(range(first, end, 24))
    days = len(midnights)
    r = first % 24
    if r <= 12:
        edges = [first - r + 24 * j + h for j in range(days + 1) for h in range(r)]
        return DailyPlan(first - r, days, edges, midnights, True)
    shortfall = 24 - r
    edges = [first + 24 * j + h for j in range(days + 1) for h in range(shortfall)]
    return DailyPlan(first + shortfall, days, edges, midnights, False)


# -- folding counters into periods ------------------------------------------------------------


def counts(rows: Iterable[CountRow], span: ReportRange) -> dict[date, dict[str, int]]:
    """Tickets per period and split value."""
    out: dict[date, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in rows:
        if row.hour is not None:
            out[span.period_of(row.hour)][row.value] += row.n
    return {p: {v: n for v, n in values.items() if n} for p, values in out.items()}


def distinct_authors(
    rows: Iterable[CountRow], span: ReportRange
) -> tuple[dict[date, dict[str, int]], dict[date, int]]:
    """Unique authors per period and split value, and per period over every value (an author
    in two values counts once in the total)."""
    seen: dict[date, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for row in rows:
        if row.hour is not None and row.n > 0:
            seen[span.period_of(row.hour)][row.value].add(row.extra)
    per_value = {p: {v: len(a) for v, a in values.items()} for p, values in seen.items()}
    totals = {p: len(set().union(*values.values())) for p, values in seen.items()}
    return per_value, totals


def histograms(rows: Iterable[CountRow], span: ReportRange) -> dict[date, dict[str, Counter[int]]]:
    out: dict[date, dict[str, Counter[int]]] = defaultdict(lambda: defaultdict(Counter))
    for row in rows:
        if row.hour is not None:
            out[span.period_of(row.hour)][row.value][int(row.extra)] += row.n
    for values in out.values():
        for histogram in values.values():
            for code in [c for c, n in histogram.items() if n <= 0]:
                del histogram[code]
    return out


def backlog(
    opened: Sequence[CountRow], done: Sequence[CountRow], span: ReportRange
) -> dict[date, dict[str, int]]:
    """Tickets open at the end of each period, per level: every ticket opened before the end
    less every ticket done before it. Rows with ``hour`` None are the totals before the range."""
    events: list[tuple[int, str, int]] = [
        (-1 if r.hour is None else r.hour, r.value, r.n) for r in opened
    ]
    events += [(-1 if r.hour is None else r.hour, r.value, -r.n) for r in done]
    events.sort()
    out: dict[date, dict[str, int]] = {}
    running: dict[str, int] = defaultdict(int)
    index = 0
    for start in span.periods():
        end = span.period_end_hour(start)
        while index < len(events) and events[index][0] < end:
            _, value, n = events[index]
            running[value] += n
            index += 1
        out[start] = {value: n for value, n in running.items() if n}
    return out
