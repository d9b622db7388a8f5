"""The SLA policy each ticket counts with (its level's targets for its priority, over its
level's calendar), read from the directory. Readers of the desk keep one reading of the
directory for a couple of seconds; the scanner reads it afresh on every pass, so a changed
calendar or policy is what it counts with."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

from pydantic import TypeAdapter

from contracts.calendars import CalendarSpec
from contracts.sla import SlaPolicy
from contracts.tickets import SlaClock, TicketRead, TicketSla
from ticketing.domain import sla
from ticketing.store.directory import DirectoryStore

CACHE_SECONDS = 2.0


class Policies:
    """The levels' policies as of one reading of the directory."""

    def __init__(
        self,
        levels: dict[str, tuple[SlaPolicy | None, CalendarSpec | None, str | None]],
        around: datetime | None = None,
    ) -> None:
        self._levels = levels
        self._around = around
        self._built: dict[tuple[str, str], sla.Policy | None] = {}

    @classmethod
    async def read(cls, store: DirectoryStore, around: datetime | None = None) -> Policies:
        """``around``: the calendars are indexed around this time (``sla.policy_for``)."""
        calendars = {
            body["name"]: CalendarSpec.model_validate(
                {k: v for k, v in body.items() if k != "name"}
            )
            for body in await store.list_entries("calendar")
        }
        levels = {}
        for body in await store.list_entries("level"):
            policy = SlaPolicy.model_validate(body["sla"]) if body.get("sla") else None
            calendar = calendars.get(body.get("calendar") or "")
            levels[body["name"]] = (policy, calendar, body.get("responsible"))
        return cls(levels, around)

    def knows(self, levels: Iterable[str | None]) -> bool:
        return all(level is None or level in self._levels for level in levels)

    def responsible(self, level: str | None) -> str | None:
        return self._levels.get(level or "", (None, None, None))[2]

    def policy(self, level: str | None, priority: str) -> sla.Policy | None:
        if level is None or level not in self._levels:
            return None
        key = (level, priority)
        if key not in self._built:
            policy, calendar, _ = self._levels[level]
            self._built[key] = sla.policy_for(
                policy, calendar, level=level, priority=priority, around=self._around
            )
        return self._built[key]


class CachedPolicies:
    """``Policies`` read at most every ``CACHE_SECONDS`` (the desk's lists read them on every
    request)."""

    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._monotonic = monotonic
        self._read_at = -CACHE_SECONDS
        self._policies: Policies | None = None

    async def get(
        self, store: DirectoryStore, levels: Iterable[str | None] = (), now: datetime | None = None
    ) -> Policies:
        """The policies, read again when older than ``CACHE_SECONDS`` or when one of
        ``levels`` is not in them (a level created since); their calendars indexed around
        ``now``."""
        ticks = self._monotonic()
        if (
            self._policies is None
            or ticks - self._read_at >= CACHE_SECONDS
            or not self._policies.knows(levels)
        ):
            self._policies, self._read_at = await Policies.read(store, now), ticks
        return self._policies


def ticket_sla(reading: sla.Reading) -> TicketSla:
    """The clocks as the desk reads them. Built without validation (``model_construct``):
    every value is ticketing's own."""
    clocks = {name: _clock(c) for name, c in reading.clocks.items()}
    return TicketSla.model_construct(
        band=reading.band,
        first_response=clocks.get("first_response"),
        next_response=clocks.get("next_response"),
        resolution=clocks.get("resolution"),
    )


def _clock(c: sla.Clock) -> SlaClock:
    return SlaClock.model_construct(**_clock_doc(c))


def sla_doc(reading: sla.Reading) -> dict[str, Any]:
    """The clocks as JSON in ``TicketSla``'s shape: what the scanner keeps on the ticket
    (``Track.shown``) and what a list validates for a whole page in one call."""
    doc: dict[str, Any] = {"band": reading.band}
    for name, c in reading.clocks.items():
        doc[name] = {
            **_clock_doc(c),
            "due": _text(c.due),
            "met_at": _text(c.met_at),
            "breached_at": _text(c.breached_at),
        }
    return doc


def _clock_doc(c: sla.Clock) -> dict[str, Any]:
    return {
        "target_minutes": c.target.total_seconds() / 60,
        "due": c.due,
        "business_minutes_left": c.left.total_seconds() / 60,
        "band": c.band,
        "paused": c.paused,
        "met_at": c.met_at,
        "breached_at": c.breached_at,
    }


def _text(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def after_reading(
    track: sla.Track, reading: sla.Reading, policy: sla.Policy, now: datetime
) -> sla.Track:
    """The track as a scanner's reading at ``now`` leaves it: the next reading, the due time
    and band the list filters and sorts on, the warnings given, and the clocks as shown."""
    return dataclasses.replace(
        track,
        warned=reading.warned,
        next_at=reading.next_at,
        due_at=reading.due_at,
        band=reading.band,
        basis=policy.basis,
        shown={**sla_doc(reading), "read_at": now.isoformat()},
    )


def shown_now(track: sla.Track, policy: sla.Policy, now: datetime) -> dict[str, Any] | None:
    """The clocks at ``now`` from the scanner's last reading, when that reading still holds:
    counted with the same policy and calendar (``basis``), and no band change or write since
    (each write of the ticket sets ``next_at`` to its own time). Between readings only the
    business time left moves: the business time from now to each running clock's due time
    (negative past it), two bisections on the calendar's span index. None: count again."""
    shown = track.shown
    if shown is None or track.basis != policy.basis:
        return None
    if track.next_at is not None and now >= track.next_at:
        return None
    if now < datetime.fromisoformat(shown["read_at"]):
        return None  # a test clock set back: the reading is from the future
    doc: dict[str, Any] = {"band": shown["band"]}
    calendar = policy.calendar
    for name in sla.TARGETS:
        c = shown.get(name)
        if c is not None and c["due"] is not None:
            due = datetime.fromisoformat(c["due"])
            left = calendar.business_time(now, due) - calendar.business_time(due, now)
            c = {**c, "business_minutes_left": left.total_seconds() / 60}
        doc[name] = c
    return doc


async def with_clocks(
    store: DirectoryStore,
    items: Sequence[TicketRead],
    tracks: Sequence[sla.Track],
    policies: CachedPolicies,
    now: datetime,
) -> list[TicketRead]:
    """Listed tickets (the desk's list, a view's tickets, a board's columns) with their
    clocks at ``now`` (``page_sla``)."""
    if not items:
        return list(items)
    known = await policies.get(store, {item.level for item in items}, now)
    clocks = page_sla(
        known,
        (
            (track, item.level, item.priority, item.status, item.opened_at)
            for item, track in zip(items, tracks, strict=True)
        ),
        now,
    )
    return [
        item if shown is None else item.model_copy(update={"sla": shown})
        for item, shown in zip(items, clocks, strict=True)
    ]


SLA_DOCS: TypeAdapter[list[TicketSla | None]] = TypeAdapter(list[TicketSla | None])
"""A page's clocks validated in one call (faster than a model built per clock)."""


def page_sla(
    policies: Policies,
    tracks: Iterable[tuple[sla.Track, str | None, str, str, datetime]],
    now: datetime,
) -> list[TicketSla | None]:
    """Each listed ticket's clocks at ``now`` (per ticket: track, level, priority, status,
    opening): from the scanner's reading where it holds (``shown_now``), counted again
    otherwise."""
    docs: list[dict[str, Any] | None] = []
    for track, level, priority, status, opened_at in tracks:
        policy = policies.policy(level, priority)
        if policy is None:
            docs.append(None)
            continue
        doc = shown_now(track, policy, now)
        if doc is None:
            doc = sla_doc(
                sla.read(
                    track,
                    opened_at=opened_at,
                    status=status,
                    policy=policy,
                    now=now,
                    looking_ahead=False,
                )
            )
        docs.append(doc)
    return SLA_DOCS.validate_python(docs)


def reading_of(
    policies: Policies,
    track: sla.Track,
    *,
    level: str | None,
    priority: str,
    status: str,
    opened_at: datetime,
    now: datetime,
) -> sla.Reading | None:
    policy = policies.policy(level, priority)
    if policy is None:
        return None
    # Only the scanner needs the next band change; a reader shows the clocks as they are.
    return sla.read(
        track, opened_at=opened_at, status=status, policy=policy, now=now, looking_ahead=False
    )
