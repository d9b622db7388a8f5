"""Edits, removals and status changes made on the networks (docs/channels.md): the stored
interaction takes the new text, is marked removed (never erased), or takes the network's new
status, and its ticket's history shows it, with the network as the actor."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from uuid import uuid4

from contracts.events import FieldChange, InteractionChangedV1, TicketChangedV1
from contracts.tickets import HistoryEntry, StoredInteraction
from servicekit.publishing import EventPublisher
from ticketing.shared import views
from ticketing.shared.writes import publish, retry_on_stale
from ticketing.store.port import TicketStore


class NotStoredYet(Exception):
    """The change arrived before the interaction it changes (it is still being triaged, or
    was lost). Raising makes the consumer retry it after 1 s, 5 s and 30 s, then dead-letter
    it with this cause, from where an operator can replay it."""


def changed(stored: StoredInteraction, event: InteractionChangedV1) -> StoredInteraction | None:
    """What the change makes of the interaction; None when it has nothing to do: a repeated
    delivery, or an edit older than the one already applied (edits can arrive out of
    order)."""
    if event.change == "removed":
        if stored.removed_at is not None:
            return None
        return stored.model_copy(update={"removed_at": event.changed_at})
    if event.change == "status":
        if stored.network_status_at is not None and stored.network_status_at >= event.changed_at:
            return None  # repeated, or older than the status already applied
        if stored.network_status == event.status:
            return None
        return stored.model_copy(
            update={"network_status": event.status, "network_status_at": event.changed_at}
        )
    if stored.edited_at is not None and stored.edited_at >= event.changed_at:
        return None
    text = event.text or ""
    interaction = stored.interaction.model_copy(update={"text": text})
    return stored.model_copy(update={"interaction": interaction, "edited_at": event.changed_at})


async def apply_change(
    *,
    store: TicketStore,
    publisher: EventPublisher,
    event: InteractionChangedV1,
    now: datetime | None = None,
) -> None:
    """``now``: when the ticket took the change (its ``updated_at``), from the clock the SLA
    clocks read, so a test that moves that clock dates the change with it."""
    moment = now or datetime.now(UTC)
    result = await store.change_interaction(event.key, lambda s: changed(s, event))
    if result is None:
        raise NotStoredYet(f"no interaction {event.key} yet to be {event.change}")
    before, after = result
    # KNOWN GAP: the interaction's change and the ticket's history entry are two writes. A
    # crash between them loses the entry (the redelivered change finds the interaction
    # already changed and does nothing); the interaction itself is right either way. One
    # transaction for both, in both adapters, closes it.
    if after is None or after.ticket_id is None:
        return  # nothing new, or no ticket yet: the ticket that collects it shows it as it is
    ticket_id = after.ticket_id
    action = f"interaction_{event.change}"
    entry_detail = {"interaction_id": str(after.id), "key": event.key}

    async def attempt() -> None:
        ticket = await store.get_ticket(ticket_id)
        if ticket is None:
            return
        noted = dataclasses.replace(ticket, change_count=ticket.change_count + 1, updated_at=moment)
        field, was, now_is = _what_changed(event, before, after)
        entry = HistoryEntry(
            id=uuid4(),
            ticket_id=ticket.id,
            at=event.changed_at,
            actor=event.actor,
            action=action,
            field=field,
            before=was,
            after=now_is,
            detail=entry_detail,
        )
        announced = TicketChangedV1(
            **event.caused(),
            ticket=views.snapshot(noted),
            actor=event.actor,
            changes=[FieldChange(field=action, after=str(after.id))],
            interaction_id=after.id,
            interaction_key=event.key,
        )
        await store.update_ticket(
            noted,
            expected_version=ticket.version,
            interaction_id=None,
            history=[entry],
            events=[announced],
        )
        await publish(store, publisher, [announced])

    await retry_on_stale(attempt, what=f"ticket {ticket_id}")


def _what_changed(
    event: InteractionChangedV1, before: StoredInteraction, after: StoredInteraction
) -> tuple[str | None, str | None, str | None]:
    """The history entry's field, before and after (a removal has none)."""
    if event.change == "edited":
        return "text", before.interaction.text, after.interaction.text
    if event.change == "status":
        return "network_status", before.network_status, after.network_status
    return None, None, None
