"""Opinion requests on ticketing's side (docs/domain.md F31): an agent shares a ticket with a
collaborator; the collaborator's answer is added to the ticket as an internal entry, clearing
``Waiting_Opinion`` when nothing else is pending and asking for the "opinion arrived" e-mail;
a request that could not be delivered stops the ticket waiting for it."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

from contracts.base import Event
from contracts.events import FieldChange, NotificationRequestedV1, TicketChangedV1
from contracts.opinions import (
    OpinionReceivedV1,
    OpinionRequestCreate,
    OpinionRequestRead,
    OpinionUndeliverableV1,
)
from contracts.people import AgentRead
from contracts.rpc import Caller
from contracts.tickets import HistoryEntry
from servicekit.publishing import EventPublisher
from ticketing.domain import opinions
from ticketing.domain.tickets import Ticket
from ticketing.shared import directory_reads, opinion_requests, views
from ticketing.shared.access import actor_of, find_ticket
from ticketing.shared.changes import change_entries, field_changes
from ticketing.shared.writes import publish, retry_on_stale
from ticketing.store.port import TicketStore

log = logging.getLogger(__name__)

EXCERPT_LENGTH = 500


async def request_opinion(
    *,
    store: TicketStore,
    publisher: EventPublisher,
    ref: str,
    create: OpinionRequestCreate,
    caller: Caller,
    now: datetime | None = None,
) -> OpinionRequestRead:
    """Agents share only the tickets they may see."""
    return await opinion_requests.request_opinion(
        store=store,
        publisher=publisher,
        ticket=await find_ticket(store, ref, caller),
        create=create,
        actor=actor_of(caller),
        now=now,
    )


async def receive_opinion(
    *,
    store: TicketStore,
    publisher: EventPublisher,
    event: OpinionReceivedV1,
    master_email: str,
    now: datetime | None = None,
) -> None:
    """The answer becomes an internal entry; the assignee (or the master user) is told."""

    async def alert(ticket: Ticket) -> list[Event]:
        assignee = await directory_reads.agent(store, ticket.assignee) if ticket.assignee else None
        return [_opinion_alert(event, ticket, assignee, master_email)]

    attachment = event.attachment.model_dump(mode="json") if event.attachment else None
    await _close_request(
        store=store,
        publisher=publisher,
        cause=event,
        ticket_id=event.ticket_id,
        request_id=str(event.request_id),
        actor=f"collaborator:{event.collaborator_email}",
        action=opinions.RECEIVED,
        detail={
            "internal": True,
            "collaborator": event.collaborator_email,
            "text": event.text,
            "answered_at": event.answered_at.isoformat(),
            "attachment": attachment,
        },
        alerts=alert,
        now=now,
    )


async def record_undeliverable(
    *,
    store: TicketStore,
    publisher: EventPublisher,
    event: OpinionUndeliverableV1,
    now: datetime | None = None,
) -> None:
    """The request never reached the collaborator: the ticket stops waiting for it."""
    await _close_request(
        store=store,
        publisher=publisher,
        cause=event,
        ticket_id=event.ticket_id,
        request_id=str(event.request_id),
        actor="system",
        action=opinions.UNDELIVERABLE,
        detail={"email": event.collaborator_email, "reason": event.reason},
        alerts=_no_alerts,
        now=now,
    )


def _opinion_alert(
    event: OpinionReceivedV1, ticket: Ticket, assignee: AgentRead | None, master_email: str
) -> NotificationRequestedV1:
    """To the assignee, or the master user when nobody (or no active agent) holds it."""
    if assignee is not None and assignee.active:
        recipients, users = [assignee.email], {assignee.email: assignee.id}
    else:
        recipients, users = [master_email], {}
    return NotificationRequestedV1(
        **event.caused(),
        kind="opinion_received",
        recipients=recipients,
        recipient_users=users,
        detail={
            "request_id": str(event.request_id),
            "collaborator": event.collaborator_email,
            "excerpt": event.text[:EXCERPT_LENGTH],
            "attachment": event.attachment.filename if event.attachment else None,
        },
        ticket=views.snapshot(ticket),
        ticket_opened=False,
    )


async def _no_alerts(ticket: Ticket) -> list[Event]:
    return []


async def _close_request(
    *,
    store: TicketStore,
    publisher: EventPublisher,
    cause: Event,
    ticket_id: UUID,
    request_id: str,
    actor: str,
    action: str,
    detail: dict[str, Any],
    alerts: Callable[[Ticket], Awaitable[list[Event]]],
    now: datetime | None,
) -> None:
    """Record how a request ended (answered, or undeliverable) and take ``Waiting_Opinion``
    off when no other request is pending. Idempotent: a request already closed in the
    ticket's history is left alone."""

    async def attempt() -> None:
        ticket = await store.get_ticket(ticket_id)
        if ticket is None:
            log.warning("opinion request %s is on ticket %s, which is gone", request_id, ticket_id)
            return
        history = await store.history_of(ticket.id)
        if request_id in opinions.closed(history):
            return
        moment = now or datetime.now(UTC)
        still_waiting = opinions.pending(history) - {request_id}
        outcome = (
            opinions.clear_waiting(ticket, moment)
            if not still_waiting
            else opinions.mark_waiting(ticket, moment)
        )
        entry = HistoryEntry(
            id=uuid4(),
            ticket_id=ticket.id,
            at=moment,
            actor=actor,
            action=action,
            detail={"request_id": request_id, **detail},
        )
        events: list[Event] = [
            TicketChangedV1(
                **cause.caused(),
                ticket=views.snapshot(outcome.ticket),
                actor=actor,
                changes=[
                    FieldChange(field=action, after=request_id),
                    *field_changes(outcome.changes),
                ],
            ),
            *await alerts(outcome.ticket),
        ]
        await store.update_ticket(
            outcome.ticket,
            expected_version=ticket.version,
            interaction_id=None,
            history=[entry, *change_entries(ticket.id, actor, outcome.changes, moment)],
            events=events,
        )
        await publish(store, publisher, events)

    await retry_on_stale(attempt, what=f"ticket {ticket_id}")
