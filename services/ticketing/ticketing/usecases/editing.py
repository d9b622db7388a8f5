"""An agent edits a ticket's fields (docs/domain.md F7, F17)."""

from __future__ import annotations

from datetime import datetime

from contracts.rpc import Caller
from contracts.tickets import TicketPatch, TicketRead
from servicekit.publishing import EventPublisher
from ticketing.domain.priority import PriorityScale
from ticketing.shared.access import find_ticket
from ticketing.shared.field_edits import edit_for_caller
from ticketing.store.port import TicketStore


async def edit_ticket(
    *,
    store: TicketStore,
    publisher: EventPublisher,
    scale: PriorityScale,
    ref: str,
    patch: TicketPatch,
    caller: Caller,
    now: datetime | None = None,
) -> TicketRead:
    ticket = await find_ticket(store, ref, caller)
    return await edit_for_caller(
        store=store,
        publisher=publisher,
        scale=scale,
        ticket=ticket,
        patch=patch,
        caller=caller,
        now=now,
    )
