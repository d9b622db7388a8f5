"""The SLA policy each ticket counts with (its level's targets for its priority, over its
level's calendar), read from the directory. Readers of the desk keep one reading of the
directory for a couple of seconds; the scanner reads it afresh on every pass, so a changed
calendar or policy is what it counts with."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Awaitable, Callable, Hashable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, TypeVar

from contracts.calendars import CalendarSpec
from contracts.sla import SlaPolicy
from contracts.tickets import SlaClock, TicketQuery, TicketRead, TicketSla
from servicekit.bounded import BoundedDict
from servicekit.business_time import SpanIndex
from ticketing.domain import sla
from ticketing.domain.access import Visibility
from ticketing.store import page_json
from ticketing.store.codec import iso, parse_iso, track_from_doc
from ticketing.store.directory import DirectoryStore
from ticketing.store.port import Listing, TicketStore

PageT = TypeVar("PageT")

CACHE_SECONDS = 2.0


class Policies:
    """The levels' policies as of one reading of the directory."""

    def __init__(
        self,
        levels: dict[str, tuple[SlaPolicy | None, CalendarSpec | None, str | None]],
        around: datetime | None = None,
        indexes: dict[str, SpanIndex] | None = None,
    ) -> None:
        self._levels = levels
        self._around = around
        self._built: dict[tuple[str, str], sla.Policy | None] = {}
        self._keys: dict[tuple[str | None, str], tuple[str, sla.Policy] | bool | None] = {}
        self.indexes: dict[str, SpanIndex] = {}
        """Each calendar's index (by its JSON), shared by the levels that use it."""
        self._earlier = indexes or {}

    def _indexed(self, calendar: CalendarSpec | None) -> SpanIndex | None:
        """The calendar indexed around ``around``: one index per calendar, and the previous
        reading's while the calendar is the same and ``around`` still near its centre.
        Building one is ~3.5 ms (180 days of spans); every level and priority built its own
        on every reading of the directory, ~150 ms every ``CACHE_SECONDS`` on the bench's
        20 levels, a sixth of the desk's list CPU."""
        if calendar is None or self._around is None:
            return None
        key = calendar.model_dump_json()
        index = self.indexes.get(key) or self._earlier.get(key)
        if index is None or not sla.still_centred(index, self._around):
            index = sla.index_around(calendar, self._around)
        self.indexes[key] = index
        return index

    @classmethod
    async def read(
        cls,
        store: DirectoryStore,
        around: datetime | None = None,
        indexes: dict[str, SpanIndex] | None = None,
    ) -> Policies:
        """``around``: the calendars are indexed around this time (``sla.policy_for``);
        ``indexes``: an earlier reading's, kept for the calendars that did not change."""
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
        return cls(levels, around, indexes)

    def listed_key(self, level: str | None, priority: str) -> tuple[str, sla.Policy] | None:
        """The key a stored reading of a ticket of ``level`` and ``priority`` must carry to
        be spliced as it is (``_key``), and the policy; None when its calendar is not
        indexed (or it has no policy)."""
        found = self._keys.get((level, priority), False)
        if found is False:
            policy = self.policy(level, priority)
            found = None
            if policy is not None and isinstance(policy.calendar, SpanIndex):
                found = (_key(policy, policy.calendar), policy)
            self._keys[(level, priority)] = found
        return found

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
                policy,
                calendar,
                level=level,
                priority=priority,
                around=self._around,
                indexed=self._indexed(calendar) if policy is not None else None,
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
            earlier = self._policies.indexes if self._policies is not None else None
            self._policies, self._read_at = await Policies.read(store, now, earlier), ticks
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
    shown = sla_doc(reading)
    return dataclasses.replace(
        track,
        warned=reading.warned,
        next_at=reading.next_at,
        due_at=reading.due_at,
        band=reading.band,
        basis=policy.basis,
        shown={**shown, "read_at": now.isoformat()},
        listed=listed_reading(shown, reading, policy, now),
    )


def listed_reading(
    shown: Mapping[str, Any], reading: sla.Reading, policy: sla.Policy, now: datetime
) -> str | None:
    """The reading as a list splices it (``Track.listed``): ``key|read_at|next_at|clocks``,
    where ``key`` is the policy's basis and the calendar index's window (``_key``),
    ``next_at`` the next reading this one asked for (the ticket's ``sla_next_at`` as long as
    nothing wrote the ticket's clocks since, whichever version of ticketing wrote it), and each
    running clock's time left in the clocks' JSON is the ordinal of its due time on that
    index (``page_json.reading_template``). A reader whose index is the same window places
    its "now" once, and a clock's time left is the ordinal's difference with it: what
    ``_shown`` works out, to the bit, since both are positions on identical indexes. None
    (the list counts as before) when the calendar is not indexed or a due time lies
    outside the window."""
    index = policy.calendar
    if not isinstance(index, SpanIndex):
        return None
    ordinals: dict[str, float] = {}
    for name, c in reading.clocks.items():
        if c.due is not None:
            ordinal = index.position(c.due)
            if ordinal is None:
                return None
            ordinals[name] = ordinal
    clocks = page_json.reading_template(shown, ordinals)
    next_at = iso(reading.next_at) if reading.next_at is not None else ""
    return page_json.HOLE.join([_key(policy, index), iso(now), next_at, clocks])


def _key(policy: sla.Policy, index: SpanIndex) -> str:
    """What a stored reading's ordinals are valid for: the same policy and calendar
    (``basis``) and the same index window."""
    return f"{policy.basis}@{index.start.isoformat()}"


def shown_now(track: sla.Track, policy: sla.Policy, now: datetime) -> dict[str, Any] | None:
    """The clocks at ``now`` from the scanner's last reading, when that reading still holds:
    counted with the same policy and calendar (``basis``), and no band change or write since
    (each write of the ticket sets ``next_at`` to its own time). Between readings only the
    business time left moves: the business time from now to each running clock's due time
    (negative past it), two bisections on the calendar's span index. None: count again."""
    return _shown(
        track.shown, track.basis, track.next_at, policy, now, _placed(policy, now), fresh=False
    )


def _shown(
    shown: Mapping[str, Any] | None,
    basis: str,
    next_at: datetime | None,
    policy: sla.Policy,
    now: datetime,
    now_placed: float | None,
    *,
    fresh: bool,
) -> dict[str, Any] | None:
    """``shown_now`` over the reading's parts, with ``now`` already placed on the policy's
    calendar (``_placed``: once per page, not once per clock). ``fresh``: ``shown`` was
    parsed for this reader alone, so its clocks are completed in place rather than copied."""
    if shown is None or basis != policy.basis:
        return None
    if next_at is not None and now >= next_at:
        return None
    if now < datetime.fromisoformat(shown["read_at"]):
        return None  # a test clock set back: the reading is from the future
    doc: dict[str, Any] = {"band": shown["band"]}
    calendar = policy.calendar
    index = calendar if isinstance(calendar, SpanIndex) else None
    for name in sla.TARGETS:
        c = shown.get(name)
        if c is not None and c["due"] is not None:
            due = datetime.fromisoformat(c["due"])
            placed = index.position(due) if index is not None else None
            if placed is not None and now_placed is not None:
                left = placed - now_placed
            else:  # outside the index's window: the calendar counts it
                left = (
                    calendar.business_time(now, due) - calendar.business_time(due, now)
                ).total_seconds()
            if not fresh:
                c = dict(c)
            c["business_minutes_left"] = left / 60
        doc[name] = c
    return doc


def _placed(policy: sla.Policy, now: datetime) -> float | None:
    """``now`` on the policy's calendar index (None when it has none, or outside it)."""
    calendar = policy.calendar
    return calendar.position(now) if isinstance(calendar, SpanIndex) else None


PREPARED_AT_MOST = 2_000
PREPARED: BoundedDict[str, page_json.Prepared] = BoundedDict(PREPARED_AT_MOST)
"""Each listed ticket's stored reading taken apart (``page_json.prepared``), by ticket id,
used while the ticket's row and reading are the same text; emptied when it holds
``PREPARED_AT_MOST`` (a few megabytes)."""
SEEN: BoundedDict[str, str] = BoundedDict(PREPARED_AT_MOST)
"""The reading each ticket was last listed with, by ticket id, until listed again with it."""
PAGES_AT_MOST = 64
PAGES: BoundedDict[Hashable, tuple[Any, ...]] = BoundedDict(PAGES_AT_MOST)
"""Whole pages whose every row was spliced from a prepared reading, by the revisions of
their rows (``PageClocks.kept_page``), kept across readings of the directory that leave
their levels' policies and calendars as they were; emptied when it holds ``PAGES_AT_MOST``."""


class PageClocks:
    """Each listed ticket's clocks at one ``now``, worked out from its stored document while
    the store builds the page (``TicketStore.ticket_page(clocks=...)``), so they are validated
    with the page in one call: from the scanner's reading where it holds (``shown_now``),
    counted again otherwise. ``now`` is placed on each calendar once per page."""

    def __init__(self, policies: Policies, now: datetime) -> None:
        self._policies = policies
        self._now = now
        self._now_iso = iso(now)
        self._placed: dict[int, float | None] = {}
        self._keys: dict[tuple[str | None, str], tuple[str, float] | None] = {}
        self._listed: dict[tuple[str | None, str], tuple[str | None, int, sla.Policy | None]] = {}
        self._plain: dict[tuple[str | None, str], bool] = {}
        self.unknown: set[str] = set()
        """Listed levels the policies do not know (created since they were read)."""

    def spliced(
        self, level: str | None, priority: str, next_at: str | None, listed: str | None
    ) -> list[Any] | None:
        """The ticket's clocks from its stored reading (``Track.listed``), when that still
        holds: the same key (policy, calendar, index window), read before now, the ticket's
        next reading still the one it asked for and still to come (``next_at``, its stored
        text: fixed-width UTC, so text order is time order). None: work them out from the
        document (``__call__``). Returned as the clocks' JSON split at its holes, each hole
        the time left in minutes, which ``page_json.with_clocks`` writes for the whole page
        at once. A few string operations and one subtraction per running clock."""
        now = self._now_iso
        if listed is None or (next_at is not None and next_at <= now):
            return None
        key, read_at, read_next, *parts = listed.split(page_json.HOLE)
        if read_at > now:
            return None  # a test clock set back: the reading is from the future
        if read_next != (next_at or ""):
            return None  # read or written since by code that does not keep this reading
        wanted = self._keys.get((level, priority), False)
        if wanted is False:
            wanted = self._keys[(level, priority)] = self._key_for(level, priority)
        if wanted is None or wanted[0] != key:
            return None
        now_ordinal = wanted[1]
        for i in range(1, len(parts), 2):
            # What ``_shown`` works out: (due's position - now's position) / 60.
            parts[i] = (float(parts[i]) - now_ordinal) / 60
        return parts

    def kept_page(self, page: Hashable) -> list[bytes] | None:
        """The clocked rows of a page ``splice_rows`` spliced whole before (``page``: what
        identifies its rows and everything they are spliced from: the store's revisions of
        them, in page order), when that still holds at this "now": "now" at or after every
        reading's read time and before every reading's next, and each reading's key the
        policies' for its level and priority (the checks ``splice_rows`` makes row by row,
        made once for the page; the keys once per reading of the directory, ``_renewed``).
        Only the times left are worked out (``page_json.filled``). None: splice the rows."""
        kept = PAGES.get(page)
        if kept is None:
            return None
        policies, since, until, readings, calendars, which, ordinals, keys, on = kept
        if not since <= self._now_iso < until:
            return None
        if policies is not self._policies:
            calendars = self._renewed(keys, on)
            if calendars is None:
                return None
            PAGES[page] = (self._policies, *kept[1:4], calendars, *kept[5:])
        placed = [self._place(policy) for policy in calendars]
        if None in placed:
            return None
        if which is None:  # one calendar (most pages): "now" placed once
            now = placed[0]
            return page_json.written(readings, [(o - now) / 60 for o in ordinals])
        return page_json.filled(readings, [placed[i] for i in which])  # type: ignore[misc]

    def _renewed(
        self, keys: tuple[tuple[str | None, str, str], ...], on: list[tuple[str | None, str]]
    ) -> list[sla.Policy] | None:
        """A kept page's calendars under these policies (another reading of the directory
        than the one it was kept with: they are read again every ``CACHE_SECONDS``), when
        every level and priority on the page still has the key its readings were made with
        (``keys``): the same policy, calendar and index window (``_key``, the policy's
        ``basis`` a hash of their content), so the same clocks to the bit. ``on``: a level
        and priority counted on each of the page's calendars. None when one of them changed
        (or is gone)."""
        listed_key = self._policies.listed_key
        for level, priority, key in keys:
            found = listed_key(level, priority)
            if found is None or found[0] != key:
                return None
        return [found[1] for level, priority in on if (found := listed_key(level, priority))]

    def splice_rows(
        self,
        rows: Sequence[Sequence[Any]],
        at: tuple[int, int, int, int, int, int],
        page: Hashable | None = None,
    ) -> tuple[list[int], list[bytes]]:
        """``spliced`` and ``page_json.with_clocks`` for a whole page of stored rows at once:
        each row (a sequence, read by position ``at``: its id, stored row, level, priority,
        ``sla_next_at`` and ``sla_listed``) whose reading still holds, as the bytes the list
        sends, with their places on the page (in page order). The same checks as ``spliced``,
        made in one loop with the page's "now" and keys at hand, over each reading taken
        apart once (``page_json.prepared``) and kept while its row and reading stay the same
        text (``PREPARED``): a listed ticket is listed again and again between two writes,
        and taking its texts apart was most of its clocks' cost. A reading listed for the
        first time is spliced as one row (``spliced``), and taken apart the second time, so
        a page of tickets that each changed since costs about what it did before. With
        ``page`` (see ``kept_page``), a page whose every row is spliced from a prepared
        reading is kept for ``kept_page``."""
        id_at, row_at, level_at, priority_at, next_at, listed_at = at
        now = self._now_iso
        policies = self._policies
        placed = self._placed
        listed_keys = self._listed
        kept, seen = PREPARED, SEEN
        places: list[int] = []
        once: list[int] = []
        once_rows: list[tuple[str, list[Any]]] = []
        readings: list[page_json.Prepared] = []
        positions: list[float] = []
        used: list[sla.Policy] = []
        for i, r in enumerate(rows):
            listed = r[listed_at]
            if listed is None:
                continue
            stored = r[row_at]
            ticket = r[id_at]
            reading = kept.get(ticket)
            if reading is None or reading[0] != listed or reading[1] != stored:
                if stored is None:
                    continue
                if seen.get(ticket) != listed:
                    # Seen for the first time: spliced as one row, as before,
                    # taken apart the next time it is listed the same.
                    seen.put(ticket, listed)
                    parts = self.spliced(r[level_at], r[priority_at], r[next_at], listed)
                    if parts is not None:
                        once.append(i)
                        once_rows.append((stored, parts))
                    continue
                reading = page_json.prepared(listed, stored)
                kept.put(ticket, reading)
            # Its next reading still the one it asked for (not read or written since by
            # code that does not keep this reading), read before now (a test clock set back
            # reads it from the future) and still to come.
            if r[next_at] != reading[4] or not reading[3] <= now < reading[5]:
                continue
            # Whether its key is the policies' for its level and priority, asked once per
            # reading of the directory (the row, so its level and priority, is the same).
            known = reading[8][0]
            if known[0] is not policies:
                level, priority = r[level_at], r[priority_at]
                found = listed_keys.get((level, priority))
                if found is None:
                    found = listed_keys[(level, priority)] = self._listed_for(level, priority)
                known = reading[8][0] = (
                    (policies, *found[1:]) if found[0] == reading[2] else (policies, 0, None)
                )
            policy = known[2]
            if policy is None:
                continue
            position = placed.get(known[1], False)
            if position is False:
                position = self._place(policy)
            if position is None:
                continue
            places.append(i)
            readings.append(reading)
            positions.append(position)
            used.append(policy)
        written = page_json.filled(readings, positions) if readings else []
        if page is not None and readings and not once and len(readings) == len(rows):
            self._keep_page(page, [(r[level_at], r[priority_at]) for r in rows], readings, used)
        if once:
            done = dict(zip(places, written, strict=True))
            done.update(zip(once, page_json.with_clocks(once_rows), strict=True))
            places = sorted(done)
            written = [done[i] for i in places]
        return places, written

    def _keep_page(
        self,
        page: Hashable,
        counted: list[tuple[str | None, str]],
        readings: list[page_json.Prepared],
        used: list[sla.Policy],
    ) -> None:
        """Note a page spliced whole for ``kept_page``: the policies it was checked with,
        the span of "now" every reading holds for, the readings, the distinct calendars'
        policies and which one each reading is placed on (None: all on the one), the
        ordinals of the page's holes in order, and what ``_renewed`` checks under other
        policies: each level and priority on the page (``counted``, in page order) with its
        readings' key, and one of them per calendar."""
        calendars: list[sla.Policy] = []
        on: list[tuple[str | None, str]] = []
        index: dict[int, int] = {}
        which = []
        for policy, pair in zip(used, counted, strict=True):
            at = index.get(id(policy.calendar))
            if at is None:
                at = index[id(policy.calendar)] = len(calendars)
                calendars.append(policy)
                on.append(pair)
            which.append(at)
        keys = {pair: reading[2] for pair, reading in zip(counted, readings, strict=True)}
        PAGES.put(
            page,
            (
                self._policies,
                max(r[3] for r in readings),
                min(r[5] for r in readings),
                readings,
                calendars,
                None if len(calendars) == 1 else which,
                [o for r in readings for o in r[6]],  # every hole's ordinal, in page order
                tuple((level, priority, key) for (level, priority), key in keys.items()),
                on,
            ),
        )

    def without_clocks(self, level: str | None, priority: str) -> bool:
        """Whether a ticket of ``level`` and ``priority`` shows no clocks whatever its
        document says (its level has no policy for it: ``__call__``'s first answer), so the
        list sends its stored row as it is; a level the policies do not know is noted as
        ``__call__`` notes it. Asked once per level and priority on a page."""
        key = (level, priority)
        plain = self._plain.get(key)
        if plain is None:
            plain = self._plain[key] = self._policies.policy(level, priority) is None
            if plain and level is not None and not self._policies.knows([level]):
                self.unknown.add(level)
        return plain

    def _listed_for(
        self, level: str | None, priority: str
    ) -> tuple[str | None, int, sla.Policy | None]:
        """The key a reading of ``level`` and ``priority`` must carry, their policy and its
        calendar's ``id`` (no key and no policy when their readings are not spliced)."""
        listed = self._policies.listed_key(level, priority)
        if listed is None:
            return None, 0, None
        return listed[0], id(listed[1].calendar), listed[1]

    def _key_for(self, level: str | None, priority: str) -> tuple[str, float] | None:
        listed = self._policies.listed_key(level, priority)
        if listed is None:
            return None
        key, policy = listed
        placed = self._place(policy)
        return (key, placed) if placed is not None else None

    def _place(self, policy: sla.Policy) -> float | None:
        key = id(policy.calendar)  # the policies (and so their calendars) outlive the page
        if key not in self._placed:
            self._placed[key] = _placed(policy, self._now)
        return self._placed[key]

    def __call__(self, doc: Mapping[str, Any]) -> dict[str, Any] | None:
        level = doc["level"]
        policy = self._policies.policy(level, doc["priority"])
        if policy is None:
            if not self._policies.knows([level]):
                self.unknown.add(level)
            return None
        facts = (doc.get("extra") or {}).get("sla") or {}
        placed = self._place(policy)
        next_at = doc.get("sla_next_at")
        shown = _shown(
            facts.get("shown"),
            facts.get("basis", ""),
            parse_iso(next_at) if next_at else None,
            policy,
            self._now,
            placed,
            fresh=True,  # the store parsed the document for this page
        )
        if shown is not None:
            return shown
        return sla_doc(
            sla.read(
                track_from_doc(doc),
                opened_at=parse_iso(doc["opened_at"]),
                status=doc["status"],
                policy=policy,
                now=self._now,
                looking_ahead=False,
            )
        )


async def clocked_page(
    store: TicketStore,
    query: TicketQuery,
    *,
    visible: Visibility | None,
    priorities: Sequence[str],
    policies: CachedPolicies,
    now: datetime,
) -> Listing[TicketRead]:
    """A page of the desk (the list, a view, a board's column) with each ticket's clocks at
    ``now`` (``PageClocks``). A ticket of a level created since the policies were read makes
    them read again, and the page with them."""

    def read(clocks: PageClocks) -> Awaitable[Listing[TicketRead]]:
        return store.ticket_page(query, visible=visible, priorities=priorities, clocks=clocks)

    return await _with_clocks(store, policies, now, read)


async def clocked_rows(
    store: TicketStore,
    query: TicketQuery,
    *,
    visible: Visibility | None,
    priorities: Sequence[str],
    policies: CachedPolicies,
    now: datetime,
) -> Listing[bytes]:
    """``clocked_page`` as stored rows with the clocks spliced in (``TicketStore.ticket_rows``)."""

    def read(clocks: PageClocks) -> Awaitable[Listing[bytes]]:
        return store.ticket_rows(query, visible=visible, priorities=priorities, clocks=clocks)

    return await _with_clocks(store, policies, now, read)


async def _with_clocks(
    store: TicketStore,
    policies: CachedPolicies,
    now: datetime,
    read: Callable[[PageClocks], Awaitable[PageT]],
) -> PageT:
    """``read`` with the policies' clocks at ``now``; read again, with the policies read
    again, when the page holds a ticket of a level created since they were read."""
    clocks = PageClocks(await policies.get(store, (), now), now)
    page = await read(clocks)
    if clocks.unknown:
        page = await read(PageClocks(await policies.get(store, clocks.unknown, now), now))
    return page


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
