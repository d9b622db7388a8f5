"""Moderating a customer's comment on its network (docs/domain.md F23): an agent hides,
unhides or deletes it; ticketing checks what the network allows, records the request in the
ticket's history with ``moderation.requested.v1`` in the same outbox write, and marks the
interaction's moderation pending; the ingestor asks the network and its answer
(``moderation.done.v1``, ``moderation.failed.v1``) settles the interaction and the history.
Moderation goes through a ticket: that is where it is recorded and who may do it is known."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from uuid import UUID, uuid4

from contracts.base import Event
from contracts.events import FieldChange, TicketChangedV1
from contracts.moderation import (
    ModerationAction,
    ModerationDoneV1,
    ModerationFailedV1,
    ModerationRequestedV1,
)
from contracts.rpc import Caller
from contracts.tickets import HistoryEntry, StoredInteraction
from servicekit import rpc
from servicekit.publishing import EventPublisher
from ticketing.domain import moderation
from ticketing.shared import views
from ticketing.shared.access import actor_of, require_active, require_interaction_visible
from ticketing.shared.writes import publish, retry_on_stale
from ticketing.store.port import TicketStore

log = logging.getLogger(__name__)


async def moderate(
    *,
    store: TicketStore,
    publisher: EventPublisher,
    interaction: str,
    action: ModerationAction,
    caller: Caller,
    now: datetime | None = None,
) -> StoredInteraction:
    await require_active(store, caller)
    try:
        interaction_id = UUID(interaction)
    except ValueError as exc:
        raise rpc.NotFound(f"no stored interaction {interaction}") from exc
    stored = await store.get_interaction(interaction_id)
    if stored is None:
        raise rpc.NotFound(f"no stored interaction {interaction}")
    await require_interaction_visible(store, caller, stored)
    try:
        moderation.check(stored, action)
    except moderation.ModerationRefused as refused:
        raise rpc.Invalid(str(refused)) from None
    if stored.ticket_id is None:
        raise rpc.Invalid(
            "open a ticket on the interaction first: moderation is recorded in its history"
        )
    ticket_id, actor, now = stored.ticket_id, actor_of(caller), now or datetime.now(UTC)
    request = ModerationRequestedV1(
        request_id=uuid4(),
        interaction_id=stored.id,
        ticket_id=ticket_id,
        channel=stored.interaction.channel,
        account=stored.interaction.account,
        kind=stored.interaction.kind,
        target=stored.interaction.external_id,
        action=action,
        actor=actor,
    )
    changed = await store.change_interaction(
        stored.interaction.key, lambda s: moderation.pending(s, action)
    )
    if changed is None or changed[1] is None:
        raise rpc.NotFound(f"no stored interaction {interaction}")
    entry = _entry(ticket_id, actor, moderation.REQUESTED, request, now)
    events = await _record(store, ticket_id, entry, [request], actor, f"{action.value}_requested")
    await publish(store, publisher, events)
    return changed[1]


async def record_outcome(
    *,
    store: TicketStore,
    publisher: EventPublisher,
    event: ModerationDoneV1 | ModerationFailedV1,
    now: datetime | None = None,
) -> None:
    """Settle the interaction's moderation and say it in the history, once."""
    stored = await store.get_interaction(event.interaction_id)
    if stored is None:
        log.warning("moderated interaction %s is unknown", event.interaction_id)
        return
    done = isinstance(event, ModerationDoneV1)
    changed = await store.change_interaction(
        stored.interaction.key,
        lambda s: moderation.settled(
            s,
            event.action,
            at=event.at if isinstance(event, ModerationDoneV1) else None,
            reason=event.reason if isinstance(event, ModerationFailedV1) else None,
        ),
    )
    if changed is None or changed[1] is None:
        return  # recorded before: a redelivered outcome
    action = moderation.DONE if done else moderation.FAILED
    entry = _entry(event.ticket_id, "system", action, event, now or datetime.now(UTC))
    after = event.action.value if done else f"{event.action.value}_failed"
    events = await _record(store, event.ticket_id, entry, [], "system", after)
    await publish(store, publisher, events)


def _entry(
    ticket_id: UUID,
    actor: str,
    action: str,
    event: ModerationRequestedV1 | ModerationDoneV1 | ModerationFailedV1,
    now: datetime,
) -> HistoryEntry:
    detail = {
        "request_id": str(event.request_id),
        "interaction_id": str(event.interaction_id),
        "action": event.action.value,
    }
    if isinstance(event, ModerationFailedV1):
        detail["reason"] = event.reason
    return HistoryEntry(
        id=uuid4(), ticket_id=ticket_id, at=now, actor=actor, action=action, detail=detail
    )


async def _record(
    store: TicketStore,
    ticket_id: UUID,
    entry: HistoryEntry,
    events: list[Event],
    actor: str,
    after: str,
) -> list[Event]:
    async def attempt() -> list[Event]:
        ticket = await store.get_ticket(ticket_id)
        if ticket is None:
            return []
        written: list[Event] = [
            *events,
            TicketChangedV1(
                ticket=views.snapshot(ticket),
                actor=actor,
                changes=[FieldChange(field="moderation", after=after)],
            ),
        ]
        await store.update_ticket(
            ticket,
            expected_version=ticket.version,
            interaction_id=None,
            history=[entry],
            events=written,
        )
        return written

    return await retry_on_stale(attempt, what=f"ticket {ticket_id}")
