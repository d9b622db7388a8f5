"""What every adapter must do for auto-close, sub-tickets, removal and merges."""

from __future__ import annotations

from datetime import timedelta

import pytest

from contracts.tickets import TicketQuery
from ticketing.domain import lifecycle
from ticketing.store.port import StaleTicket, TicketStore

from .test_store_contract import T0, apply, message, open_for


async def test_idle_tickets_are_those_of_the_level_unchanged_since_the_cutoff(
    store: TicketStore,
) -> None:
    stale = await apply(store, await open_for(store, message("post-1")), now=T0, level="legal")
    fresh = await open_for(store, message("post-2"))
    await apply(store, fresh, now=T0 + timedelta(hours=2), level="legal")
    other = await open_for(store, message("post-3"))
    await apply(store, other, now=T0, level="basic")

    idle = await store.idle_tickets("legal", T0 + timedelta(hours=1), 10)

    assert [t.id for t in idle] == [stale.id]


async def test_a_closed_ticket_is_never_idle(store: TicketStore) -> None:
    ticket = await apply(store, await open_for(store, message("post-1")), now=T0, level="legal")
    await apply(store, ticket, now=T0, status="closed")
    assert await store.idle_tickets("legal", T0 + timedelta(days=1), 10) == []


async def test_a_removed_ticket_is_not_listed_but_still_read_by_id(store: TicketStore) -> None:
    ticket = await open_for(store, message("post-1"))
    kept = await open_for(store, message("post-2"))
    outcome = lifecycle.remove(ticket, now=T0)
    await store.update_ticket(
        outcome.ticket, expected_version=ticket.version, interaction_id=None, history=[], events=[]
    )
    items, total, *_ = await store.list_tickets(TicketQuery())
    assert ([t.id for t in items], total) == ([kept.id], 1)
    assert (await store.get_ticket(ticket.id)).removed  # type: ignore[union-attr]
    _, audited, *_ = await store.list_tickets(TicketQuery(include_removed=True))
    assert audited == 2


async def test_sub_tickets_are_found_by_their_parent(store: TicketStore) -> None:
    parent = await open_for(store, message("post-1"))
    child = lifecycle.child(parent, title="Laudo", now=T0, opened_by="agent:ana")
    stored = await store.create_ticket(
        child, year=2026, interaction_id=None, history=lambda t: [], announce=lambda t: []
    )
    assert [t.id for t in await store.children_of(parent.id)] == [stored.id]
    assert await store.children_of(stored.id) == []


async def test_merging_moves_every_interaction_to_the_target(store: TicketStore) -> None:
    target = await open_for(store, message("post-1", minutes=0))
    source = await open_for(store, message("post-2", minutes=5))
    closing, reopening = lifecycle.merge(source, target, now=T0 + timedelta(hours=1))

    closed, reopened = await store.merge_tickets(
        closing.ticket,
        reopening.ticket,
        expected_versions=(source.version, target.version),
        history=[],
        events=[],
    )

    assert closed.merged_into == target.id
    assert reopened.interaction_count == 2
    assert [i.interaction.thread_id for i in await store.interactions_of(target.id)] == [
        "post-1",
        "post-2",
    ]
    assert await store.interactions_of(source.id) == []
    assert (await store.get_ticket(source.id)).merged_into == target.id  # type: ignore[union-attr]


async def test_a_merge_of_a_ticket_that_changed_meanwhile_is_refused(
    store: TicketStore,
) -> None:
    target = await open_for(store, message("post-1", minutes=0))
    source = await open_for(store, message("post-2", minutes=5))
    closing, reopening = lifecycle.merge(source, target, now=T0 + timedelta(hours=1))
    await apply(store, source, now=T0, priority="high")
    with pytest.raises(StaleTicket):
        await store.merge_tickets(
            closing.ticket,
            reopening.ticket,
            expected_versions=(source.version, target.version),
            history=[],
            events=[],
        )
    assert await store.interactions_of(source.id) != []
