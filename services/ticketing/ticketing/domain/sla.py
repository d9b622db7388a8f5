"""SLA clocks (docs/domain.md F14–F16, issue 12) as pure functions of a ticket's timeline: when
the clock started, when it stood still (a pausing status), when it stopped (the response or the
resolution) and now. Counting is in the level's business time (``servicekit.business_time``),
so a clock started Friday 17:50 with 30 minutes on a 09:00–18:00 weekday calendar is due Monday
09:20. Nothing here reads the clock or a store: ticketing's use cases give the times."""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from contracts.calendars import CalendarSpec
from contracts.sla import SlaPolicy
from servicekit.business_time import BusinessCalendar, Calendar, SpanIndex, always_open

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
    calendar: Calendar,
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
        due = breached_at or calendar.add(max(now, started_at), target - used)
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


TARGETS = ("first_response", "next_response", "resolution")
STOPPING_STATUSES = frozenset({"resolved", "closed"})
"""A resolved or closed ticket's clocks stop (a reopened one counts on from where it stood)."""
_WORST = {"green": 0, "yellow": 1, "red": 2, "overdue": 3}
_TICK = timedelta(microseconds=1)
"""The least business time after which a clock with nothing left is breached."""


@dataclass(frozen=True)
class Track:
    """A ticket's SLA facts, kept on the ticket as it changes (its own past, so a clock can be
    worked out again for any level, priority or calendar), and the scanner's last reading of
    them: ``next_at`` (when it must look again; the indexed due-time the scanner reads),
    ``due_at`` and ``band`` (the list filters and sort read these)."""

    statuses: tuple[tuple[datetime, str], ...] = ()
    """Each status the ticket entered, and when (the first: the status it opened in)."""
    first_response_at: datetime | None = None
    awaiting_since: datetime | None = None
    """The customer's first message after the desk's last response: the next-response clock."""
    answered_at: datetime | None = None
    """The response that stopped the next-response clock since ``awaiting_since``."""
    arm: int = 0
    """Counts next-response clocks: a warning is once per clock, so a new one re-arms it."""
    warned: frozenset[str] = frozenset()
    basis: str = ""
    """What the last reading counted with (level, priority, policy, calendar): when it
    differs, the deadlines were recomputed and the ticket's history says so."""
    seen: tuple[str | None, str] = (None, "")
    """The level and priority of the last reading: a change makes the scanner look again."""
    next_at: datetime | None = None
    due_at: datetime | None = None
    band: Band | None = None
    shown: Mapping[str, Any] | None = None
    """The last reading's clocks as the desk shows them (the ticket's ``sla``, as JSON, with
    ``read_at``). Until ``next_at`` no band changes, so a reader only works out the business
    time left from each running clock's due time (``shared.sla_policies.shown_now``) instead
    of counting the whole clock again."""
    listed: str | None = None
    """The same reading as the list writes it, ready to splice (``shared.sla_policies.
    listed_reading``): its clocks' JSON with each running clock's time left still to fill in,
    as that clock's due time placed on the calendar's index (an ordinal), so a page fills it
    with one subtraction. Kept beside ``shown``, in a column (field) of its own."""


def counts_as_response(interaction: object) -> bool:
    """The one rule for what answers the customer (agreed with the replies lane): an outbound
    interaction that is not internal, whose ``delivery.state`` is ``sent`` or which has no
    ``delivery`` at all (an outbound echo imported from a network). Takes the network's
    interaction or a stored one (which carries it, and the delivery, beside it)."""
    network = getattr(interaction, "interaction", interaction)
    if getattr(network, "direction", None) != "outbound":
        return False
    if getattr(network, "internal", False):
        return False
    delivery = getattr(interaction, "delivery", None)
    if delivery is None:
        return True
    state = (
        delivery.get("state") if isinstance(delivery, dict) else getattr(delivery, "state", None)
    )
    return bool(state == "sent")


def noticed(
    track: Track,
    *,
    status: str,
    level: str | None,
    priority: str,
    opened_at: datetime,
    at: datetime,
) -> Track:
    """The track after a write of the ticket: a new status is added to its past, and any change
    the clocks depend on (status, level, priority) asks the scanner to look again at ``at``."""
    statuses = track.statuses
    if not statuses:
        statuses = ((opened_at, status),)
    elif statuses[-1][1] != status:
        statuses = (*statuses, (max(at, statuses[-1][0]), status))
    if statuses == track.statuses and track.seen == (level, priority):
        return track
    return _replace(track, statuses=statuses, seen=(level, priority), next_at=at)


def answered(track: Track, *, inbound: bool, responds: bool, at: datetime) -> Track:
    """The track after an interaction of the conversation: the desk's first response stops the
    first-response clock; a customer's message after a response starts a next-response clock
    (re-arming its warnings); the desk's next response stops it."""
    if inbound:
        if track.first_response_at is None or (
            track.awaiting_since is not None and track.answered_at is None
        ):
            return track
        return _replace(track, awaiting_since=at, answered_at=None, arm=track.arm + 1, next_at=at)
    if not responds:
        return track
    if track.first_response_at is None:
        return _replace(track, first_response_at=at, next_at=at)
    if track.awaiting_since is not None and track.answered_at is None:
        return _replace(track, answered_at=max(at, track.awaiting_since), next_at=at)
    return track


def collected(
    track: Track,
    messages: Sequence[tuple[bool, bool, datetime]],
    *,
    opened_at: datetime,
    from_first_message: bool,
) -> tuple[Track, datetime]:
    """The track and clock start of a new ticket that collects its conversation's earlier
    interactions (each: inbound, counts as a response, when; the opener among them), walked in
    time order as if each had arrived on the ticket: a response the desk had already sent
    stops first response, a customer's message after it starts next response. When the level
    counts from the customer's message (``from_first_message``: its ``opened_at`` is the
    interaction's date), the clocks start at the first customer message collected."""
    start = opened_at
    if from_first_message:
        start = min([opened_at, *(at for inbound, _, at in messages if inbound)])
    for inbound, responds, at in sorted(messages, key=lambda m: m[2]):
        track = answered(track, inbound=inbound, responds=responds, at=max(at, start))
    return track, start


def reply_sent(track: Track, *, at: datetime) -> Track:
    """The track once a reply's delivery turned ``sent`` at ``at`` (it was written earlier,
    queued, and did not count then): a response at the time it went out, which answers only
    what the customer had said before it."""
    if track.awaiting_since is not None and at < track.awaiting_since:
        return track
    return answered(track, inbound=False, responds=True, at=at)


@dataclass(frozen=True)
class Policy:
    """What a ticket's clocks count with: its level's targets for its priority, pausing
    statuses and band thresholds, and the level's calendar."""

    calendar: Calendar
    first_response: tuple[int, str] | None
    next_response: tuple[int, str] | None
    resolution: tuple[int, str] | None
    pausing: frozenset[str]
    yellow_at: float
    red_at: float
    basis: str


@dataclass(frozen=True)
class Reading:
    clocks: dict[str, Clock]
    band: Band | None
    """The worst band of the running clocks; None when none runs."""
    due_at: datetime | None
    next_at: datetime | None
    """The next instant a band changes (yellow, red, due) on a running clock."""
    warnings: list[tuple[str, str]]
    """(target, "red" or "breached") not yet warned about."""
    warned: frozenset[str]


def target_time(amount: int, unit: str, calendar: Calendar, start: datetime) -> timedelta:
    """Minutes and hours are business time; business days are the same point of the working
    day that many open days later (``BusinessCalendar.add_days``), as business time from the
    clock's start."""
    if unit == "days":
        due = calendar.add_days(start, amount)
        return calendar.business_time(start, due) if due is not None else timedelta(days=3650)
    return timedelta(minutes=amount * (60 if unit == "hours" else 1))


def read(
    track: Track,
    *,
    opened_at: datetime,
    status: str,
    policy: Policy,
    now: datetime,
    looking_ahead: bool = True,
) -> Reading:
    """Every clock of the ticket at ``now``, worked out from its own past under ``policy``."""
    history = track.statuses or ((opened_at, status),)
    paused = pauses(history, policy.pausing | STOPPING_STATUSES)
    stopped = history[-1][0] if history[-1][1] in STOPPING_STATUSES else None
    starts: dict[str, tuple[datetime, datetime | None]] = {}
    if policy.first_response is not None:
        starts["first_response"] = (opened_at, _first(track.first_response_at, stopped))
    if policy.next_response is not None and track.awaiting_since is not None:
        starts["next_response"] = (track.awaiting_since, _first(track.answered_at, stopped))
    if policy.resolution is not None:
        starts["resolution"] = (opened_at, stopped)
    clocks: dict[str, Clock] = {}
    band: Band | None = None
    due_at: datetime | None = None
    next_at: datetime | None = None
    warnings: list[tuple[str, str]] = []
    warned = set(track.warned)
    for name, (started, stop) in starts.items():
        amount, unit = getattr(policy, name)
        target = target_time(amount, unit, policy.calendar, started)
        c = clock(
            calendar=policy.calendar,
            target=target,
            started_at=started,
            now=now,
            paused=paused,
            stopped_at=stop,
            yellow_at=policy.yellow_at,
            red_at=policy.red_at,
        )
        clocks[name] = c
        if c.met_at is not None or stop is not None:
            continue
        if band is None or _WORST[c.band] > _WORST[band]:
            band = c.band
        if c.due is not None:
            due_at = c.due if due_at is None else min(due_at, c.due)
        arm = track.arm if name == "next_response" else 0
        for threshold, reached in (
            ("red", c.band in ("red", "overdue")),
            ("breached", c.band == "overdue"),
        ):
            key = f"{name}:{threshold}:{arm}"
            if reached and key not in warned:
                warned.add(key)
                if threshold == "breached" or c.band == "red":
                    warnings.append((name, threshold))
        if looking_ahead and not c.paused:
            for share in (policy.yellow_at, policy.red_at, 1.0):
                still = target * share - c.used
                if still > timedelta() or (share == 1.0 and c.band != "overdue"):
                    # Read at the due instant itself, the clock is red with nothing left,
                    # not yet breached: it breaches as soon as business time moves on, so
                    # the next look is then (not the next threshold, a day away).
                    at = policy.calendar.add(now, max(still, _TICK))
                    if at is not None:
                        next_at = at if next_at is None else min(next_at, at)
                    break
    return Reading(clocks, band, due_at, next_at, warnings, frozenset(warned))


def _first(a: datetime | None, b: datetime | None) -> datetime | None:
    if a is None or b is None:
        return a or b
    return min(a, b)


def _replace(track: Track, **values: object) -> Track:
    return dataclasses.replace(track, **values)  # type: ignore[arg-type]


INDEXED = timedelta(days=90)
"""``policy_for(around=...)`` indexes the calendar at least this far either side (``SpanIndex``)."""
WINDOW_STEP = timedelta(days=30)
"""Index windows are cut on a fixed grid of this step (``window_start``), so every process whose
"now" falls in the same step builds the same index, and a position one of them stored (the
scanner's ordinal of a due time) is a position on every other's index of that step."""
GRID_ORIGIN = datetime(2020, 1, 1, tzinfo=UTC)


def window_start(around: datetime) -> datetime:
    """The start of the index window for readers at ``around``: ``INDEXED`` before the start
    of its grid step, which ends ``INDEXED`` after the step's end."""
    step = (around - GRID_ORIGIN) // WINDOW_STEP
    return GRID_ORIGIN + step * WINDOW_STEP - INDEXED


def index_around(calendar: CalendarSpec, around: datetime) -> SpanIndex:
    """The calendar's open spans indexed over the grid window of ``around`` (at least
    ``INDEXED`` either side of it)."""
    start = window_start(around)
    return SpanIndex(BusinessCalendar.of(calendar), start, start + 2 * INDEXED + WINDOW_STEP)


def still_centred(index: SpanIndex, around: datetime) -> bool:
    """Whether ``index`` is the grid window of ``around`` (outside its window an index asks
    the calendar, so this is about speed, never about the answers)."""
    return index.start == window_start(around)


def policy_for(
    sla: SlaPolicy | None,
    calendar: CalendarSpec | None,
    *,
    level: str | None,
    priority: str,
    around: datetime | None = None,
    indexed: Calendar | None = None,
) -> Policy | None:
    """The policy a ticket of ``level`` and ``priority`` counts with; None without targets.
    A level without a calendar is always open. With ``around``, its calendar's open spans
    are indexed for ``INDEXED`` either side (the same answers, by bisection); ``indexed``:
    that index, already built (the levels sharing a calendar share one, see
    ``index_around``)."""
    if sla is None:
        return None
    targets = sla.targets_for(priority)
    chosen = {
        name: (t.amount, t.unit) if (t := getattr(targets, name)) is not None else None
        for name in TARGETS
    }
    if not any(chosen.values()):
        return None
    basis = hashlib.sha256(
        "|".join(
            [
                level or "",
                priority,
                sla.model_dump_json(),
                calendar.model_dump_json() if calendar is not None else "",
            ]
        ).encode()
    ).hexdigest()[:16]
    counted: Calendar
    if calendar is None:
        counted = always_open()
    elif indexed is not None:
        counted = indexed
    elif around is not None:
        counted = index_around(calendar, around)
    else:
        counted = BusinessCalendar.of(calendar)
    return Policy(
        calendar=counted,
        first_response=chosen["first_response"],
        next_response=chosen["next_response"],
        resolution=chosen["resolution"],
        pausing=frozenset(sla.pausing_statuses),
        yellow_at=sla.yellow_at,
        red_at=sla.red_at,
        basis=basis,
    )
