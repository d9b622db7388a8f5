"""Opinion requests on ticketing's side: record a request (tag, history entry and the
``opinion.requested`` event in one write), and add the collaborator's answer to the ticket
as an internal entry, clearing ``Waiting_Opinion`` when nothing else is pending and asking
for the "opinion arrived" e-mail."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

from faststream.rabbit import RabbitRouter
from pydantic import BaseModel, ConfigDict, Field
from pydantic_settings import SettingsConfigDict

from contracts import topology
from contracts.base import Event
from contracts.events import FieldChange, NotificationRequestedV1, TicketChangedV1
from contracts.opinions import (
    OpinionMethods,
    OpinionReceivedV1,
    OpinionRequestCreate,
    OpinionRequestedV1,
    OpinionRequestRead,
    OpinionUndeliverableV1,
    SharedInteraction,
)
from contracts.people import AgentRead
from contracts.rpc import Caller
from contracts.tickets import HistoryEntry, StoredInteraction
from servicekit import consuming, rpc
from servicekit.outbox import publish_and_mark
from servicekit.publishing import EventPublisher, OutgoingMessage
from servicekit.settings import ServiceSettings
from ticketing import directory, views
from ticketing.domain import opinions
from ticketing.domain.tickets import Ticket
from ticketing.history import change_entries
from ticketing.store.port import StaleTicket, TicketStore

log = logging.getLogger(__name__)

MAX_CONFLICT_RETRIES = 20
EXCERPT_LENGTH = 500


class OpinionSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="TICKETING_", extra="ignore")

    master_email: str = Field(
        default="master@socialdesk.local",
        description="Who hears about an opinion on a ticket nobody is assigned to.",
    )


class OpinionRequestParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ref: str
    request: OpinionRequestCreate


class TooMuchContention(Exception):
    pass


def _shared(stored: StoredInteraction) -> SharedInteraction:
    interaction = stored.interaction
    return SharedInteraction(
        occurred_at=interaction.occurred_at,
        channel=interaction.channel.value,
        kind=interaction.kind.value,
        direction=interaction.direction.value,
        author=interaction.author.name or interaction.author.handle or interaction.author.id,
        text=interaction.text,
    )


async def request_opinion(
    *,
    store: TicketStore,
    publisher: EventPublisher,
    ticket: Ticket,
    create: OpinionRequestCreate,
    actor: str,
    request_id: UUID | None = None,
) -> OpinionRequestRead:
    request_id = request_id or uuid4()
    attachments = [a.to_attachment() for a in create.attachments]
    for _ in range(MAX_CONFLICT_RETRIES):
        now = datetime.now(UTC)
        outcome = opinions.mark_waiting(ticket, now)
        shared = [_shared(i) for i in await store.interactions_of(ticket.id)]
        events: list[Event] = [
            OpinionRequestedV1(
                request_id=request_id,
                ticket=views.snapshot(outcome.ticket),
                interactions=shared,
                note=create.note,
                attachments=attachments,
                collaborator_email=create.email,
                requested_by=actor,
            )
        ]
        if outcome.changes:
            events.append(
                TicketChangedV1(
                    ticket=views.snapshot(outcome.ticket),
                    actor=actor,
                    changes=[
                        FieldChange(field=c.field, before=c.before, after=c.after)
                        for c in outcome.changes
                    ],
                )
            )
        requested = HistoryEntry(
            id=uuid4(),
            ticket_id=ticket.id,
            at=now,
            actor=actor,
            action=opinions.REQUESTED,
            detail={
                "request_id": str(request_id),
                "email": create.email,
                "note": create.note,
                "attachments": [a.filename for a in attachments],
            },
        )
        try:
            await store.update_ticket(
                outcome.ticket,
                expected_version=ticket.version,
                interaction_id=None,
                history=[requested, *change_entries(ticket.id, actor, outcome.changes, now)],
                events=events,
            )
        except StaleTicket:
            fresh = await store.get_ticket(ticket.id)
            if fresh is None:
                raise rpc.NotFound(f"no ticket {ticket.id}") from None
            ticket = fresh
            continue
        await publish_and_mark(store, publisher, [OutgoingMessage.of(e) for e in events])
        return OpinionRequestRead(
            request_id=request_id,
            ticket_id=ticket.id,
            protocol=ticket.protocol,
            email=create.email,
            note=create.note,
            attachments=[a.filename for a in attachments],
            requested_by=actor,
            requested_at=now,
        )
    raise TooMuchContention(f"ticket {ticket.id} kept changing under us")


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
) -> None:
    """Record how a request ended (answered, or undeliverable) and take ``Waiting_Opinion``
    off when no other request is pending. Idempotent: a request already closed in the
    ticket's history is left alone."""
    for _ in range(MAX_CONFLICT_RETRIES):
        ticket = await store.get_ticket(ticket_id)
        if ticket is None:
            log.warning("opinion request %s is on ticket %s, which is gone", request_id, ticket_id)
            return
        history = await store.history_of(ticket.id)
        if request_id in opinions.closed(history):
            return
        now = datetime.now(UTC)
        still_waiting = opinions.pending(history) - {request_id}
        outcome = (
            opinions.clear_waiting(ticket, now)
            if not still_waiting
            else opinions.mark_waiting(ticket, now)
        )
        entry = HistoryEntry(
            id=uuid4(),
            ticket_id=ticket.id,
            at=now,
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
                    *(
                        FieldChange(field=c.field, before=c.before, after=c.after)
                        for c in outcome.changes
                    ),
                ],
            ),
            *await alerts(outcome.ticket),
        ]
        try:
            await store.update_ticket(
                outcome.ticket,
                expected_version=ticket.version,
                interaction_id=None,
                history=[entry, *change_entries(ticket.id, actor, outcome.changes, now)],
                events=events,
            )
        except StaleTicket:
            continue
        await publish_and_mark(store, publisher, [OutgoingMessage.of(e) for e in events])
        return
    raise TooMuchContention(f"ticket {ticket_id} kept changing under us")


async def receive_opinion(
    *, store: TicketStore, publisher: EventPublisher, event: OpinionReceivedV1, master_email: str
) -> None:
    """The answer becomes an internal entry; the assignee (or the master user) is told."""

    async def alert(ticket: Ticket) -> list[Event]:
        assignee = await directory.agent(store, ticket.assignee) if ticket.assignee else None
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
    )


async def record_undeliverable(
    *, store: TicketStore, publisher: EventPublisher, event: OpinionUndeliverableV1
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
    )


async def _no_alerts(ticket: Ticket) -> list[Event]:
    return []


def rpc_methods(
    *,
    store: TicketStore,
    publisher: EventPublisher,
    find: Callable[[str, Caller], Awaitable[Ticket]],
) -> dict[str, rpc.Method]:
    """``find`` gives the ticket if the caller may see it (agents share only their tickets)."""

    async def request(params: dict[str, Any], caller: Caller) -> OpinionRequestRead:
        parsed = OpinionRequestParams.model_validate(params)
        return await request_opinion(
            store=store,
            publisher=publisher,
            ticket=await find(parsed.ref, caller),
            create=parsed.request,
            actor=f"agent:{caller.id}",
        )

    return {OpinionMethods.REQUEST: request}


def build_router(
    *, store: TicketStore, publisher: EventPublisher, settings: OpinionSettings
) -> RabbitRouter:
    router = RabbitRouter()

    async def on_opinion_event(event: OpinionReceivedV1 | OpinionUndeliverableV1) -> None:
        if isinstance(event, OpinionReceivedV1):
            await receive_opinion(
                store=store, publisher=publisher, event=event, master_email=settings.master_email
            )
        else:
            await record_undeliverable(store=store, publisher=publisher, event=event)

    contracts: dict[str, type[OpinionReceivedV1 | OpinionUndeliverableV1]] = {
        OpinionReceivedV1.routing_key: OpinionReceivedV1,
        OpinionUndeliverableV1.routing_key: OpinionUndeliverableV1,
    }
    consuming.consume(
        router, topology.TICKETING_OPINIONS, contracts, on_opinion_event, publisher=publisher
    )
    return router
