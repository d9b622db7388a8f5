"""The desk's list from the rows each ticket stores ready to send (``ticket_rows``, issue 8
part 6) is byte for byte the page the slow path (``ticket_page`` through ``TicketPage``'s
serialiser) answers, for tickets with every field set, with and without clocks, on every
backend; and a SQLite file from before the rows were kept gets them when it opens."""

from __future__ import annotations

import dataclasses
from collections.abc import Hashable, Mapping, Sequence
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from contracts.calendars import CalendarSpec
from contracts.sla import SlaPolicy
from contracts.tickets import TicketPage, TicketQuery
from servicekit.rpc import encode_result
from ticketing.domain import sla
from ticketing.domain.status import Status
from ticketing.domain.tickets import Ticket
from ticketing.shared.sla_policies import (
    CACHE_SECONDS,
    CachedPolicies,
    PageClocks,
    Policies,
    after_reading,
)
from ticketing.store.page_json import page_json
from ticketing.store.port import TicketStore
from ticketing.store.sqlite import SqliteTicketStore

from .test_store_contract import T0, message, open_for

ELSEWHERE = timezone(timedelta(hours=-3))


async def write(store: TicketStore, ticket: Ticket, **changes: Any) -> Ticket:
    return await store.update_ticket(
        dataclasses.replace(ticket, **changes),
        expected_version=ticket.version,
        interaction_id=None,
        history=[],
        events=[],
    )


async def a_desk(store: TicketStore) -> list[Ticket]:
    """Tickets between them setting every field the list shows, text that needs escaping
    and a custom field named like the clocks."""
    parent = await open_for(store, message("rows-parent"), tags=("vip", "entrega"))
    parent = await write(
        store,
        parent,
        title='Pedido "não" chegou \\ <b>',
        assignee="agent-1",
        level="n1",
        priority="high",
        team="team-a",
        custom_fields={"sla": None, "order": 42, "nested": {"a": [1, "x"]}},
        contact={"email": "maria@example.com"},
        kind="comment",
        scope="public",
        direction="inbound",
        change_count=3,
    )
    child = await open_for(store, message("rows-child"))
    child = await write(store, child, parent_id=parent.id, previous_ticket_id=parent.id, level="n2")
    merged = await open_for(store, message("rows-merged"))
    merged = await write(store, merged, merged_into=parent.id, removed=True)
    plain = await open_for(store, message("rows-plain"))
    return [parent, child, merged, plain]


def clocks_of(doc: Any) -> dict[str, Any] | None:
    """Clocks for some tickets, in the shapes the SLA code hands over: every clock or some,
    times in UTC with and without microseconds and in another offset, met and breached."""
    level = doc["level"]
    if level == "n1":
        return {
            "band": "red",
            "first_response": {
                "target_minutes": 30,
                "due": (T0 + timedelta(minutes=30)).isoformat(),
                "business_minutes_left": 4.333333333333333,
                "band": "red",
                "paused": False,
                "met_at": None,
                "breached_at": None,
            },
            "resolution": {
                "target_minutes": 480.0,
                "due": (T0 + timedelta(hours=8, microseconds=1500)).astimezone(ELSEWHERE),
                "business_minutes_left": -12.5,
                "band": "overdue",
                "paused": True,
                "met_at": (T0 + timedelta(minutes=3)).isoformat(),
                "breached_at": datetime(2026, 3, 10, 20, 0, 0, 123456, tzinfo=UTC).isoformat(),
            },
        }
    if level == "n2":
        return {"band": None}
    return None


class DocumentClocks:
    """``clocks_of`` as the list's clocks (``RowClocks``) splicing no row, so that each
    row's clocks are written from its document (``page_json.listed``) in every shape above."""

    def __call__(self, doc: Mapping[str, Any]) -> dict[str, Any] | None:
        return clocks_of(doc)

    def splice_rows(
        self, rows: Sequence[Sequence[Any]], at: tuple[int, ...], page: Hashable | None = None
    ) -> tuple[list[int], list[bytes]]:
        return [], []

    def kept_page(self, page: Hashable) -> list[bytes] | None:
        return None

    def without_clocks(self, level: str | None, priority: str) -> bool:
        return False


FROM_DOCUMENTS = DocumentClocks()


async def both_pages(store: TicketStore, query: TicketQuery, clocks: Any) -> tuple[bytes, bytes]:
    slow = await store.ticket_page(query, clocks=clocks)
    fast = await store.ticket_rows(query, clocks=clocks)
    around = {"page": query.page, "page_size": query.page_size}
    slow_page = TicketPage.model_construct(
        items=slow.items,
        total=slow.total,
        total_exact=slow.total_exact,
        next_cursor=slow.next_cursor,
        **around,
    )
    fast_page = page_json(
        fast.items,
        total=fast.total,
        total_exact=fast.total_exact,
        next_cursor=fast.next_cursor,
        **around,
    )
    return encode_result(slow_page), fast_page


async def test_the_rows_page_is_the_models_page_byte_for_byte(store: TicketStore) -> None:
    desk = await a_desk(store)
    query = TicketQuery(include_removed=True, page_size=3)
    for clocks in (None, FROM_DOCUMENTS):
        slow, fast = await both_pages(store, query, clocks)
        assert fast == slow
        page = TicketPage.model_validate_json(fast)
        assert page.total == len(desk) and page.next_cursor is not None
        listed = {item.id: item for item in page.items}
        following = TicketQuery(include_removed=True, page_size=3, cursor=page.next_cursor)
        slow, fast = await both_pages(store, following, clocks)
        assert fast == slow
        listed |= {item.id: item for item in TicketPage.model_validate_json(fast).items}
        assert set(listed) == {t.id for t in desk}
    parent = listed[desk[0].id]
    assert parent.custom_fields["nested"] == {"a": [1, "x"]} and parent.tags == ["vip", "entrega"]
    assert parent.sla is not None and parent.sla.resolution is not None
    assert parent.sla.resolution.due == T0 + timedelta(hours=8, microseconds=1500)
    assert listed[desk[1].id].parent_ticket_id == desk[0].id
    assert listed[desk[2].id].removed and listed[desk[2].id].merged_into == desk[0].id


async def test_a_write_rewrites_the_listed_row(store: TicketStore) -> None:
    ticket = await open_for(store, message("rows-write"))
    await write(store, ticket, title="Changed", assignee="agent-9", tags=("late",))
    slow, fast = await both_pages(store, TicketQuery(protocol=ticket.protocol), None)
    assert fast == slow
    (item,) = TicketPage.model_validate_json(fast).items
    assert (item.title, item.assignee, item.tags) == ("Changed", "agent-9", ["late"])


async def test_tickets_stored_without_rows_are_listed_and_get_them_at_open(
    tmp_path: Path,
) -> None:
    path = tmp_path / "ticketing.db"
    store = SqliteTicketStore(path)
    await store.open()
    try:
        desk = await a_desk(store)
        query = TicketQuery(include_removed=True, page_size=10)
        expected, _ = await both_pages(store, query, FROM_DOCUMENTS)
        # As a file written before the rows were kept: the column empty.
        await store._db.write(lambda c: c.execute("UPDATE tickets SET list_row = NULL"))
        slow, fast = await both_pages(store, query, FROM_DOCUMENTS)
        assert fast == slow == expected
    finally:
        await store.close()
    reopened = SqliteTicketStore(path)
    await reopened.open()
    try:
        empty = await reopened._db.read(
            lambda c: c.execute("SELECT COUNT(*) FROM tickets WHERE list_row IS NULL").fetchone()
        )
        assert empty[0] == 0
        slow, fast = await both_pages(reopened, query, FROM_DOCUMENTS)
        assert fast == slow == expected
        assert len(TicketPage.model_validate_json(fast).items) == len(desk)
    finally:
        await reopened.close()


class CountedClocks(PageClocks):
    """The page's clocks, counting the tickets whose clocks were worked out from their
    document rather than spliced from the stored reading."""

    worked_out = 0
    kept = 0
    """Pages spliced whole from what the list kept of them (``kept_page``)."""

    def __call__(self, doc: Mapping[str, Any]) -> dict[str, Any] | None:
        self.worked_out += 1
        return super().__call__(doc)

    def kept_page(self, page: Hashable) -> list[bytes] | None:
        written = super().kept_page(page)
        self.kept += written is not None
        return written


WEEKDAYS = {
    "timezone": "America/Sao_Paulo",
    "weekly": {
        day: [{"start": "09:00", "end": "18:00"}] for day in ("mon", "tue", "wed", "thu", "fri")
    },
}
TARGETS = {
    "first_response": {"amount": 30, "unit": "minutes"},
    "resolution": {"amount": 2, "unit": "days"},
}


async def test_the_scanners_reading_is_spliced_as_the_models_write_it(
    store: TicketStore,
) -> None:
    """Tickets carrying the scanner's reading ready to splice list byte for byte as the
    models' page, with only the time left worked out; a ticket stored by code from before
    that reading (no ``sla_listed``), one written since its reading, and one pending are
    listed the same way through the document."""
    read_at = T0 + timedelta(minutes=7, microseconds=250)
    policies = Policies(
        {
            "n1": (
                SlaPolicy.model_validate(TARGETS),
                CalendarSpec.model_validate(WEEKDAYS),
                None,
            )
        },
        around=read_at,
    )
    counted = policies.policy("n1", "medium")
    assert counted is not None
    tickets = []
    for name, status in (("read", "new"), ("older", "new"), ("written", "new"), ("p", "pending")):
        ticket = await open_for(store, message(f"spliced-{name}"), status=status)
        ticket = await write(store, ticket, level="n1", priority="medium")
        track = sla.noticed(
            ticket.sla,
            status=status,
            level="n1",
            priority="medium",
            opened_at=ticket.opened_at,
            at=ticket.opened_at,
        )
        reading = sla.read(
            track, opened_at=ticket.opened_at, status=status, policy=counted, now=read_at
        )
        kept = after_reading(track, reading, counted, read_at)
        assert kept.listed is not None
        if name == "older":
            kept = dataclasses.replace(kept, listed=None)
        if name == "written":
            kept = dataclasses.replace(kept, next_at=read_at + timedelta(minutes=1))
        tickets.append(await write(store, ticket, sla=kept))
    query = TicketQuery(page_size=10)
    now = read_at + timedelta(minutes=2, seconds=13, microseconds=7)
    slow, fast = await both_pages(store, query, CountedClocks(policies, now))
    assert fast == slow
    page = TicketPage.model_validate_json(fast)
    listed = {item.id: item.sla for item in page.items}
    assert all(listed[t.id] is not None for t in tickets)
    first = listed[tickets[0].id]
    assert first is not None and first.first_response is not None
    # 30 minutes from 12:00 UTC (09:00 in São Paulo), 9 min 13.000257 s on.
    assert first.first_response.business_minutes_left == pytest.approx(30 - 553.000257 / 60)
    rows_clocks = CountedClocks(policies, now)
    await store.ticket_rows(query, clocks=rows_clocks)
    assert rows_clocks.worked_out == 2  # the older one and the written one


async def test_tickets_of_levels_without_a_policy_list_as_their_stored_rows(
    store: TicketStore,
) -> None:
    """On a page mixing a level with a policy, one without, tickets with no level and a
    level created after the policies were read, the rows' page is the models' page byte for
    byte: clocks only where a policy counts them, and the new level noted on both paths (the
    desk reads the policies again for it)."""
    opened_at = T0 + timedelta(minutes=1)
    policies = Policies(
        {
            "n1": (SlaPolicy.model_validate(TARGETS), CalendarSpec.model_validate(WEEKDAYS), None),
            "no-sla": (None, None, None),
        },
        around=opened_at,
    )
    levels = {"n1": "n1", "no-sla": "no-sla", "none": None, "new": "n9"}
    tickets = {}
    for name, level in levels.items():
        ticket = await open_for(store, message(f"plain-{name}"))
        tickets[name] = await write(store, ticket, level=level, priority="medium")
    query = TicketQuery(page_size=10)
    now = opened_at + timedelta(minutes=5)
    slow_clocks, fast_clocks = PageClocks(policies, now), PageClocks(policies, now)
    slow = await store.ticket_page(query, clocks=slow_clocks)
    fast = await store.ticket_rows(query, clocks=fast_clocks)
    around = {"page": 1, "page_size": 10, "total": slow.total, "total_exact": slow.total_exact}
    expected = encode_result(TicketPage.model_construct(items=slow.items, **around))
    assert page_json(fast.items, next_cursor=fast.next_cursor, **around) == expected
    shown = {item.id: item.sla for item in TicketPage.model_validate_json(expected).items}
    assert shown[tickets["n1"].id] is not None
    assert all(shown[tickets[name].id] is None for name in ("no-sla", "none", "new"))
    assert slow_clocks.unknown == fast_clocks.unknown == {"n9"}


async def test_a_page_listed_again_and_again_shows_every_write_since(
    store: TicketStore,
) -> None:
    """A page listed again with the same readings is spliced from what the list kept of it
    (``PageClocks.kept_page``, the rows' texts by revision on SQLite); after a write that
    changes only the row (a title), one that moves the ticket's next reading as a status
    change does, and one that changes its priority, the next page is the models' page again:
    nothing kept from before a write is shown."""
    read_at = T0 + timedelta(minutes=7, microseconds=250)
    policies = Policies(
        {"n1": (SlaPolicy.model_validate(TARGETS), CalendarSpec.model_validate(WEEKDAYS), None)},
        around=read_at,
    )
    tickets = []
    for name in ("a", "b", "c"):
        ticket = await open_for(store, message(f"again-{name}"))
        ticket = await write(store, ticket, level="n1", priority="medium")
        tickets.append(await write(store, ticket, sla=scanned(ticket, policies, read_at)))
    query = TicketQuery(page_size=10)
    now = read_at + timedelta(minutes=3, seconds=1)

    kept_whole = isinstance(store, SqliteTicketStore)  # by the rows' revisions
    kept = []

    async def listed(later: timedelta = timedelta()) -> tuple[bytes, int]:
        counted = CountedClocks(policies, now + later)
        slow, fast = await both_pages(store, query, counted)
        assert fast == slow
        rows_clocks = CountedClocks(policies, now + later)
        await store.ticket_rows(query, clocks=rows_clocks)
        kept.append(counted.kept + rows_clocks.kept)
        return fast, rows_clocks.worked_out

    first, _ = await listed()
    for _ in range(3):  # taken apart, then kept whole: the same page each time
        assert await listed() == (first, 0)
    assert kept == ([0, 2, 2, 2] if kept_whole else [0, 0, 0, 0])
    # A minute on, the kept page counts the time left from the new "now".
    later, worked_out = await listed(timedelta(minutes=1))
    assert worked_out == 0 and later != first
    _, fresh = await both_pages(store, query, PageClocks(policies, now + timedelta(minutes=1)))
    assert later == fresh

    renamed = await write(store, tickets[0], title="Renamed since")
    page, worked_out = await listed()
    assert b"Renamed since" in page and worked_out == 0  # its reading still holds
    assert kept[-1] == (1 if kept_whole else 0)  # the page kept again at its new revisions
    moved = dataclasses.replace(renamed.sla, next_at=now - timedelta(seconds=1))
    await write(store, renamed, status=Status.PENDING, sla=moved)
    page, worked_out = await listed()
    shown = {i.id: i for i in TicketPage.model_validate_json(page).items}
    assert worked_out == 1 and shown[tickets[0].id].status == "pending"
    assert shown[tickets[0].id].sla is not None and shown[tickets[0].id].sla.band is not None
    await write(store, tickets[1], priority="urgent")
    page, _ = await listed()
    shown = {i.id: i for i in TicketPage.model_validate_json(page).items}
    assert shown[tickets[1].id].priority == "urgent"


async def test_a_kept_page_outlives_a_directory_reading_unless_its_calendar_changed(
    store: TicketStore,
) -> None:
    """The desk reads the directory again every ``CACHE_SECONDS``: a page kept whole
    (``kept_page``) is kept across a reading that changed another level's policy, and
    dropped by one that changed its own level's calendar, after which the list shows the
    due times the new calendar gives (the models' page). The calendar is replaced without
    the tickets being made due (``touch_sla``), so only the kept page's check stands
    between the list and the old clocks."""
    read_at = T0 + timedelta(minutes=7, microseconds=250)
    await store.create_entry("calendar", "weekdays", {"name": "weekdays", **WEEKDAYS})
    for level in ("n1", "n2"):
        body = {"name": level, "sla": TARGETS, "calendar": "weekdays"}
        await store.create_entry("level", level, body)
    policies = await Policies.read(store, read_at)
    tickets = []
    for name in ("a", "b"):
        ticket = await open_for(store, message(f"directory-{name}"))
        ticket = await write(store, ticket, level="n1", priority="medium")
        tickets.append(await write(store, ticket, sla=scanned(ticket, policies, read_at)))
    query = TicketQuery(page_size=10)
    now = read_at + timedelta(minutes=3)
    ticks = [0.0]
    cached = CachedPolicies(monotonic=lambda: ticks[0])
    kept_whole = isinstance(store, SqliteTicketStore)

    async def listed() -> tuple[bytes, int]:
        clocks = CountedClocks(await cached.get(store, (), now), now)
        slow, fast = await both_pages(store, query, clocks)
        assert fast == slow
        return fast, clocks.kept

    first, _ = await listed()
    assert (await listed())[0] == first  # taken apart and kept whole
    assert await listed() == (first, 1 if kept_whole else 0)
    read = await cached.get(store, (), now)

    ticks[0] += CACHE_SECONDS
    other = {**TARGETS, "first_response": {"amount": 5, "unit": "minutes"}}
    body = {"name": "n2", "sla": other, "calendar": "weekdays"}
    assert await store.replace_entry("level", "n2", body) is not None
    assert await listed() == (first, 1 if kept_whole else 0)
    assert await cached.get(store, (), now) is not read  # read again all the same

    ticks[0] += CACHE_SECONDS
    later_opening = {d: [{"start": "10:00", "end": "18:00"}] for d in WEEKDAYS["weekly"]}
    calendar = {"name": "weekdays", **WEEKDAYS, "weekly": later_opening}
    assert await store.replace_entry("calendar", "weekdays", calendar) is not None
    page, kept = await listed()
    assert kept == 0

    def due(page: bytes) -> dict[Any, Any]:
        items = TicketPage.model_validate_json(page).items
        return {i.id: i.sla.first_response.due for i in items if i.sla and i.sla.first_response}

    # 30 minutes from 10:00 in São Paulo (13:00 UTC) instead of from 09:00.
    assert due(first) == {t.id: T0 + timedelta(minutes=30) for t in tickets}
    assert due(page) == {t.id: T0 + timedelta(minutes=90) for t in tickets}


def scanned(ticket: Ticket, policies: Policies, at: datetime) -> sla.Track:
    """The ticket's track as a scanner's reading at ``at`` leaves it."""
    policy = policies.policy(ticket.level, ticket.priority)
    assert policy is not None
    track = sla.noticed(
        ticket.sla,
        status=ticket.status.value,
        level=ticket.level,
        priority=ticket.priority,
        opened_at=ticket.opened_at,
        at=ticket.opened_at,
    )
    reading = sla.read(
        track, opened_at=ticket.opened_at, status=ticket.status.value, policy=policy, now=at
    )
    return after_reading(track, reading, policy, at)


async def test_sqlite_revises_a_row_whatever_sets_its_listed_columns(tmp_path: Path) -> None:
    """``listed_rev`` changes with every statement that sets a column the clocked list keeps
    by revision (the row, the reading, the next reading, level, priority), whichever code
    runs it, and with no other."""
    store = SqliteTicketStore(tmp_path / "revisions.db")
    await store.open()
    try:
        ticket = await open_for(store, message("revised"))

        async def revision(statement: str = "", *values: object) -> int:
            def run(c: Any) -> int:
                if statement:
                    c.execute(statement, (*values, str(ticket.id)))
                row = c.execute("SELECT listed_rev FROM tickets WHERE id = ?", (str(ticket.id),))
                return int(row.fetchone()[0])

            return int(await store._db.write(run))

        seen = [await revision()]
        for column, value in (
            ("list_row", "{}"),
            ("sla_listed", "x"),
            ("sla_next_at", "2026-01-01T00:00:00.000000Z"),
            ("level", "n1"),
            ("priority", "high"),
            ("list_row", "{}"),  # the same value set again: revised all the same
        ):
            seen.append(await revision(f"UPDATE tickets SET {column} = ? WHERE id = ?", value))
            assert seen[-1] != seen[-2], column
        assert await revision("UPDATE tickets SET sla_band = ? WHERE id = ?", "red") == seen[-1]
    finally:
        await store.close()
