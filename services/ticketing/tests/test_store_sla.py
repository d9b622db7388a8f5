"""What every adapter must do for the SLA clocks: the scanner reads only the tickets whose
reading is due, the desk filters by band and sorts by due time, a level counts its bands, and a
calendar change makes a level's tickets due again."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta

from contracts.tickets import TicketQuery
from ticketing.domain import sla
from ticketing.domain.tickets import Ticket
from ticketing.store.codec import track_from_doc
from ticketing.store.port import TicketStore

from .test_store_contract import T0, apply, message, open_for


async def read_as(
    store: TicketStore,
    ticket: Ticket,
    *,
    band: str | None,
    due: datetime | None,
    next_at: datetime | None,
) -> Ticket:
    reading = dataclasses.replace(ticket.sla, band=band, due_at=due, next_at=next_at)
    return await store.update_ticket(
        dataclasses.replace(ticket, sla=reading),
        expected_version=ticket.version,
        interaction_id=None,
        history=[],
        events=[],
    )


async def test_a_new_ticket_is_due_for_a_reading_when_it_opens(store: TicketStore) -> None:
    ticket = await open_for(store, message("post-1"))
    assert [t.id for t in await store.sla_due(T0, 10)] == [ticket.id]
    assert await store.sla_due(T0 - timedelta(seconds=1), 10) == []


async def test_the_scanner_reads_only_tickets_whose_reading_has_come(store: TicketStore) -> None:
    soon = await read_as(
        store,
        await open_for(store, message("a")),
        band="green",
        due=None,
        next_at=T0 + timedelta(minutes=5),
    )
    later = await read_as(
        store,
        await open_for(store, message("b")),
        band="green",
        due=None,
        next_at=T0 + timedelta(hours=5),
    )
    await read_as(store, await open_for(store, message("c")), band=None, due=None, next_at=None)
    assert [t.id for t in await store.sla_due(T0 + timedelta(minutes=10), 10)] == [soon.id]
    due = await store.sla_due(T0 + timedelta(days=1), 10)
    assert [t.id for t in due] == [soon.id, later.id]
    assert due[0].sla.band == "green" and due[0].sla.statuses == soon.sla.statuses


async def test_a_status_change_makes_a_read_ticket_due_again(store: TicketStore) -> None:
    ticket = await read_as(
        store, await open_for(store, message("a")), band="green", due=None, next_at=None
    )
    assert await store.sla_due(T0 + timedelta(days=1), 10) == []
    paused = await apply(store, ticket, now=T0 + timedelta(minutes=3), status="pending")
    assert [t.id for t in await store.sla_due(T0 + timedelta(days=1), 10)] == [paused.id]
    assert paused.sla.statuses[-1] == (T0 + timedelta(minutes=3), "pending")


async def test_the_desk_filters_by_band_and_sorts_by_time_left(store: TicketStore) -> None:
    red = await read_as(
        store,
        await open_for(store, message("a")),
        band="red",
        due=T0 + timedelta(hours=1),
        next_at=None,
    )
    overdue = await read_as(
        store,
        await open_for(store, message("b")),
        band="overdue",
        due=T0 - timedelta(hours=1),
        next_at=None,
    )
    green = await read_as(
        store,
        await open_for(store, message("c")),
        band="green",
        due=T0 + timedelta(hours=5),
        next_at=None,
    )
    await read_as(store, await open_for(store, message("d")), band=None, due=None, next_at=None)

    def ids(tickets: list[Ticket]) -> list[object]:
        return [t.id for t in tickets]

    assert ids((await store.list_tickets(TicketQuery(overdue=True))).items) == [overdue.id]
    banded = await store.list_tickets(TicketQuery(sla_band=["red", "green"]))
    assert set(ids(banded.items)) == {red.id, green.id}
    by_due = await store.list_tickets(TicketQuery(sort="sla_due"))
    assert ids(by_due.items) == [overdue.id, red.id, green.id]
    first = await store.list_tickets(TicketQuery(sort="sla_due", page_size=2))
    rest = await store.list_tickets(TicketQuery(sort="sla_due", cursor=first.next_cursor))
    assert ids(first.items) + ids(rest.items) == [overdue.id, red.id, green.id]
    # ``order=asc``: most time left first, paged the same way.
    backwards = await store.list_tickets(TicketQuery(sort="sla_due", order="asc"))
    assert ids(backwards.items) == [green.id, red.id, overdue.id]
    first = await store.list_tickets(TicketQuery(sort="sla_due", order="asc", page_size=2))
    rest = await store.list_tickets(
        TicketQuery(sort="sla_due", order="asc", cursor=first.next_cursor)
    )
    assert ids(first.items) + ids(rest.items) == [green.id, red.id, overdue.id]


async def test_the_scanners_reading_as_shown_is_kept_with_the_ticket(store: TicketStore) -> None:
    ticket = await open_for(store, message("shown"))
    shown = {
        "band": "yellow",
        "first_response": {
            "target_minutes": 30.0,
            "due": (T0 + timedelta(minutes=12)).isoformat(),
            "business_minutes_left": 12.0,
            "band": "yellow",
            "paused": False,
            "met_at": None,
            "breached_at": None,
        },
        "read_at": T0.isoformat(),
    }
    read = dataclasses.replace(ticket.sla, band="yellow", shown=shown, next_at=None)
    await store.update_ticket(
        dataclasses.replace(ticket, sla=read),
        expected_version=ticket.version,
        interaction_id=None,
        history=[],
        events=[],
    )
    kept = await store.get_ticket(ticket.id)
    assert kept is not None and kept.sla.shown == shown
    tracks: list[sla.Track] = []
    await store.ticket_page(
        TicketQuery(protocol=ticket.protocol),
        clocks=lambda doc: tracks.append(track_from_doc(doc)),
    )
    assert [track.shown for track in tracks] == [shown]


async def test_a_level_counts_its_tickets_per_band(store: TicketStore) -> None:
    for thread, band in (("a", "red"), ("b", "red"), ("c", "green")):
        ticket = await apply(store, await open_for(store, message(thread)), now=T0, level="n1")
        await read_as(store, ticket, band=band, due=T0, next_at=None)
    other = await apply(store, await open_for(store, message("d")), now=T0, level="n2")
    await read_as(store, other, band="overdue", due=T0, next_at=None)
    assert await store.sla_counts("n1") == {"red": 2, "green": 1}


async def test_a_calendar_change_makes_the_levels_open_tickets_due(store: TicketStore) -> None:
    mine = await apply(store, await open_for(store, message("a")), now=T0, level="n1")
    mine = await read_as(store, mine, band="green", due=T0, next_at=None)
    done = await apply(store, await open_for(store, message("b")), now=T0, level="n1")
    done = await apply(store, done, now=T0, status="closed")
    await read_as(store, done, band=None, due=None, next_at=None)
    other = await apply(store, await open_for(store, message("c")), now=T0, level="n2")
    await read_as(store, other, band="green", due=T0, next_at=None)

    assert await store.touch_sla(["n1"], T0) == 1

    [due] = await store.sla_due(T0, 10)
    assert due.id == mine.id and due.version == mine.version + 1


async def test_the_reports_band_split_reads_unresolved_tickets_of_a_range(
    store: TicketStore,
) -> None:
    red = await read_as(
        store, await open_for(store, message("r1")), band="red", due=T0, next_at=None
    )
    await read_as(store, await open_for(store, message("r2")), band=None, due=None, next_at=None)
    found = await store.open_bands(T0 - timedelta(days=1), T0 + timedelta(days=1), None)
    assert sorted(band for _, band, _ in found) == ["", "red"]
    assert red.opened_at in {opened for opened, _, _ in found}
    assert await store.open_bands(T0 + timedelta(days=1), T0 + timedelta(days=2), None) == []
    assert await store.open_bands(T0 - timedelta(days=1), T0 + timedelta(days=1), ["x"]) == []
