"""Keeping the report counters up to date: from each ticket event, and all over again from
the tickets (``python -m ticketing.rebuild_reports``, docs/operations.md)."""

from __future__ import annotations

from uuid import UUID

from contracts.tickets import TicketQuery
from ticketing.shared import report_facts
from ticketing.store.port import TicketStore

REBUILD_PAGE = 200


async def ticket_changed(*, store: TicketStore, ticket_id: UUID) -> bool:
    """A ticket was opened or changed: its counters follow its current state."""
    return await report_facts.project(store, ticket_id)


async def rebuild(*, store: TicketStore) -> int:
    """Project every ticket, removed ones included (they leave the counters); idempotent, so
    it can run while the service consumes events. Returns how many tickets were read."""
    query = TicketQuery(page_size=REBUILD_PAGE, include_removed=True)
    read = 0
    while True:
        page = await store.list_tickets(query)
        for ticket in page.items:
            await report_facts.project(store, ticket.id)
        read += len(page.items)
        if page.next_cursor is None:
            return read
        query = query.model_copy(update={"cursor": page.next_cursor})
