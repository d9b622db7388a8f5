"""What the desk reads about tickets: the list, one ticket's detail and history, and its
export as one document or as a transcript a person can read (docs/domain.md F13)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Literal

from contracts.rpc import Caller
from contracts.tickets import HistoryEntry, TicketDetail, TicketExport, TicketPage, TicketQuery
from ticketing.domain.views import with_own_id
from ticketing.shared import access, authors, transcript, views
from ticketing.store.port import TicketStore


async def list_tickets(
    *,
    store: TicketStore,
    query: TicketQuery,
    caller: Caller,
    priorities: Sequence[str] = (),
) -> TicketPage:
    """An agent sees the tickets of their levels and their own; admins see every ticket.
    ``priorities`` is the scale, highest first, which the priority sort follows."""
    visible = await access.visibility(store, caller)
    query = with_own_id(query, caller.id)
    listing = await store.ticket_page(query, visible=visible, priorities=priorities)
    # The items were validated as they were read; the page only wraps them.
    return TicketPage.model_construct(
        items=listing.items,
        total=listing.total,
        total_exact=listing.total_exact,
        page=query.page,
        page_size=query.page_size,
        next_cursor=listing.next_cursor,
    )


async def ticket_detail(*, store: TicketStore, ref: str, caller: Caller) -> TicketDetail:
    """The ticket with its interactions (each with its author's groups) and sub-tickets."""
    ticket = await access.find_ticket(store, ref, caller)
    interactions = await store.interactions_of(ticket.id)
    groups = await authors.author_groups(store, [i.interaction for i in interactions])
    return views.detail(
        ticket,
        [
            i.model_copy(
                update={"author_groups": groups.get(authors.author_key(i.interaction), [])}
            )
            for i in interactions
        ],
        await store.children_of(ticket.id),
    )


async def ticket_history(*, store: TicketStore, ref: str, caller: Caller) -> list[HistoryEntry]:
    ticket = await access.find_ticket(store, ref, caller)
    return await store.history_of(ticket.id)


async def export_ticket(
    *, store: TicketStore, ref: str, format: Literal["json", "text"], caller: Caller
) -> TicketExport | str:
    ticket = await access.find_ticket(store, ref, caller)
    exported = TicketExport(
        ticket=views.detail(
            ticket, await store.interactions_of(ticket.id), await store.children_of(ticket.id)
        ),
        history=await store.history_of(ticket.id),
        exported_at=datetime.now(UTC),
    )
    return transcript.render(exported) if format == "text" else exported
