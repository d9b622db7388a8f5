"""What every adapter must do so that reads stay cheap as the desk grows: keyset pages,
a count that stops at COUNT_LIMIT, and text search by substring."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from contracts.interaction import Channel
from contracts.tickets import InteractionQuery, TicketQuery
from ticketing.domain.sla import Track
from ticketing.domain.tickets import Ticket
from ticketing.shared import views
from ticketing.store.codec import track_from_doc
from ticketing.store.mongo import tickets as mongo_tickets
from ticketing.store.port import TicketStore
from ticketing.store.sqlite import interactions as sqlite_interactions
from ticketing.store.sqlite import reads as sqlite_reads

from .test_store_contract import T0, message, open_for, record


async def _walk(store: TicketStore, query: TicketQuery) -> list[list[Ticket]]:
    pages, cursor = [], None
    while True:
        listing = await store.list_tickets(query.model_copy(update={"cursor": cursor}))
        pages.append(listing.items)
        cursor = listing.next_cursor
        if cursor is None:
            return pages


async def test_cursor_pages_walk_the_list_in_order_once_each(store: TicketStore) -> None:
    # Three tickets share an updated_at: the id breaks the tie, across page boundaries too.
    minutes = [0, 1, 1, 1, 2, 3, 3]
    opened = [
        await open_for(store, message(f"post-{i}"), now=T0 + timedelta(minutes=m))
        for i, m in enumerate(minutes)
    ]
    expected = sorted(opened, key=lambda t: (-t.updated_at.timestamp(), str(t.id)))

    pages = await _walk(store, TicketQuery(page_size=2))

    assert [len(p) for p in pages] == [2, 2, 2, 1]
    assert [t.id for page in pages for t in page] == [t.id for t in expected]
    by_page = [(await store.list_tickets(TicketQuery(page_size=2, page=n))).items for n in (1, 2)]
    assert by_page == pages[:2]


async def test_the_last_page_has_no_next_cursor(store: TicketStore) -> None:
    await open_for(store, message("a"))
    await open_for(store, message("b"))
    assert (await store.list_tickets(TicketQuery(page_size=2))).next_cursor is None
    first = await store.list_tickets(TicketQuery(page_size=1))
    assert first.next_cursor is not None
    last = await store.list_tickets(TicketQuery(page_size=1, cursor=first.next_cursor))
    assert (len(last.items), last.total, last.next_cursor) == (1, 2, None)


async def test_cursor_pages_keep_the_filters(store: TicketStore) -> None:
    opened = [
        await open_for(
            store,
            message(f"post-{i}"),
            now=T0 + timedelta(minutes=i),
            tags=["vip"] if i % 2 else [],
        )
        for i in range(5)
    ]
    pages = await _walk(store, TicketQuery(tag=["VIP"], page_size=1))
    assert pages == [[opened[3]], [opened[1]]]


async def test_removed_tickets_leave_the_desk_and_its_filters(store: TicketStore) -> None:
    kept = await open_for(store, message("a"))
    gone = await open_for(store, message("b"))
    removed = await store.update_ticket(
        dataclasses.replace(gone, removed=True),
        expected_version=gone.version,
        interaction_id=None,
        history=[],
        events=[],
    )
    assert (await store.list_tickets(TicketQuery(status=["new"])))[:2] == ([kept], 1)
    audit = await store.list_tickets(TicketQuery(status=["new"], include_removed=True))
    assert {t.id for t in audit.items} == {kept.id, removed.id}
    assert (await store.get_ticket(gone.id)).removed  # type: ignore[union-attr]


async def test_the_total_stops_counting_at_the_limit(
    store: TicketStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    for module in (sqlite_reads, sqlite_interactions, mongo_tickets):
        monkeypatch.setattr(module, "COUNT_LIMIT", 2)
    for i in range(3):
        await open_for(store, message(f"post-{i}"))
    listing = await store.list_tickets(TicketQuery(page_size=1))
    assert (len(listing.items), listing.total, listing.total_exact) == (1, 2, False)
    exact = await store.list_tickets(TicketQuery(status=["open"]))
    assert (exact.total, exact.total_exact) == (0, True)


async def test_text_search_finds_any_substring_in_any_case(store: TicketStore) -> None:
    await record(store, message("post-1"))  # "My order never arrived"
    other = message("post-2").model_copy(update={"text": 'Vou reclamar na ANATÉL "hoje" 100%'})
    await record(store, other)

    async def threads(text: str) -> list[str]:
        items, *_ = await store.list_interactions(InteractionQuery(text=text))
        return sorted(i.interaction.thread_id for i in items)

    assert await threads("RDER NEV") == ["post-1"]
    assert await threads("anatél") == ["post-2"]
    assert await threads('"hoje"') == ["post-2"]
    assert await threads("100%") == ["post-2"]
    assert await threads("0%") == ["post-2"]
    assert await threads("ar") == ["post-1", "post-2"]
    assert await threads("order arrived") == []


async def test_text_search_keeps_the_other_filters(store: TicketStore) -> None:
    await record(store, message("post-1", channel=Channel.INSTAGRAM))
    await record(store, message("post-2", minutes=1))
    items, total, exact, _ = await store.list_interactions(
        InteractionQuery(text="never", channel=[Channel.INSTAGRAM], has_ticket=False)
    )
    assert ([i.interaction.thread_id for i in items], total, exact) == (["post-1"], 1, True)


async def test_the_desk_page_is_the_listed_tickets_as_the_desk_reads_them(
    store: TicketStore,
) -> None:
    """``ticket_page`` skips the domain ticket for speed; what it answers must not differ
    from reading each listed ticket through ``views.read``, extra fields included."""
    plain = await open_for(store, message("plain"), tags=["vip", "Ação"])
    rich = await open_for(store, message("rich"), now=T0 + timedelta(minutes=1))
    rich = await store.update_ticket(
        dataclasses.replace(
            rich,
            team="billing",
            level="N2",
            assignee="ana",
            custom_fields={"order": 123, "flags": ["a"]},
            contact={"email": "maria@example.com"},
            previous_ticket_id=plain.id,
            parent_id=plain.id,
            merged_into=plain.id,
            updated_at=T0 + timedelta(minutes=2),
        ),
        expected_version=rich.version,
        interaction_id=None,
        history=[],
        events=[],
    )
    for query in (
        TicketQuery(),
        TicketQuery(page_size=1),
        TicketQuery(level=["N2"], assignee=["ana"]),
        TicketQuery(tag=["ação"]),
    ):
        listed = await store.list_tickets(query)
        tracks: list[Track] = []
        page = await store.ticket_page(
            query, clocks=lambda doc, tracks=tracks: tracks.append(track_from_doc(doc))
        )
        assert page.items == [views.read(t) for t in listed.items]
        assert page[1:] == listed[1:]
        # The clocks are worked out from the stored document: it has every SLA fact.
        assert tracks == [t.sla for t in listed.items]
    assert (await store.ticket_page(TicketQuery())).items[0].merged_into == plain.id
