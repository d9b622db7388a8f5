"""An agent's internal note on a ticket (docs/domain.md F8): kept in its history, never sent
to a customer."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from uuid import uuid4

from contracts.events import FieldChange, TicketChangedV1
from contracts.rpc import Caller
from contracts.tickets import HistoryEntry
from servicekit import rpc
from servicekit.publishing import EventPublisher
from ticketing.shared import views
from ticketing.shared.access import actor_of, find_ticket
from ticketing.shared.writes import publish, retry_on_stale
from ticketing.store.port import TicketStore


async def add_note(
    *,
    store: TicketStore,
    publisher: EventPublisher,
    ref: str,
    text: str,
    caller: Caller,
    now: datetime | None = None,
) -> HistoryEntry:
    found = await find_ticket(store, ref, caller)
    actor = actor_of(caller)

    async def attempt() -> HistoryEntry:
        ticket = await store.get_ticket(found.id)
        if ticket is None:
            raise rpc.NotFound(f"no ticket {ref}")
        moment = now or datetime.now(UTC)
        noted = dataclasses.replace(ticket, change_count=ticket.change_count + 1, updated_at=moment)
        entry = HistoryEntry(
            id=uuid4(),
            ticket_id=ticket.id,
            at=moment,
            actor=actor,
            action="note",
            detail={"text": text, "internal": True},
        )
        changed = TicketChangedV1(
            ticket=views.snapshot(noted),
            actor=actor,
            changes=[FieldChange(field="note", after=str(entry.id))],
        )
        await store.update_ticket(
            noted,
            expected_version=ticket.version,
            interaction_id=None,
            history=[entry],
            events=[changed],
        )
        await publish(store, publisher, [changed])
        return entry

    return await retry_on_stale(attempt, what=f"ticket {found.protocol}")
