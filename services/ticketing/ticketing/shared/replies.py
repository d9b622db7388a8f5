"""Queueing a reply (docs/domain.md F19): the outbound interaction stored, then attached to
the ticket with its history entry and ``reply.requested.v1`` in one write. An agent's reply
and a rule's automatic reply take this same step."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from uuid import UUID, uuid4

from contracts.base import Event
from contracts.events import FieldChange, TicketChangedV1
from contracts.opinions import OpinionAttachment
from contracts.replies import Delivery, DeliveryState, ReplyMode, ReplyRequestedV1
from contracts.tickets import HistoryEntry, StoredInteraction
from servicekit import rpc
from servicekit.publishing import EventPublisher
from ticketing.domain import replies
from ticketing.domain.tickets import Ticket
from ticketing.shared import views
from ticketing.shared.writes import publish, retry_on_stale
from ticketing.store.port import InteractionTaken, StaleTicket, TicketStore


async def queue_reply(
    *,
    store: TicketStore,
    publisher: EventPublisher,
    ticket: Ticket,
    target: StoredInteraction,
    mode: ReplyMode,
    account: str,
    text: str,
    actor: str,
    now: datetime,
    status_after: str | None = None,
    attachments: list[OpinionAttachment] | None = None,
    reply_id: UUID | None = None,
    pending: bool = False,
    canned_response: UUID | None = None,
) -> StoredInteraction:
    """``reply_id`` fixed by the caller makes a repeat (a redelivered event) find the reply
    already stored and attached, and queue nothing more. ``pending`` keeps it for an
    approver (F21): stored ``pending_approval`` and asked of nobody."""
    attachments = attachments or []
    reply_id = reply_id or uuid4()
    made = replies.reply_interaction(
        reply_id=reply_id,
        target=target,
        mode=mode,
        account=account,
        author=actor,
        text=text,
        now=now,
    )
    state = DeliveryState.PENDING_APPROVAL if pending else DeliveryState.QUEUED
    stored = await store.record_interaction(
        made.model_copy(update={"delivery": Delivery(state=state)}),
        # Its own thread: until the write below attaches it, no ticket may collect it.
        thread_key=f"reply:{reply_id}",
    )
    if stored.ticket_id is not None:
        return stored  # queued before: a repeat
    requested = reply_request(
        ticket=ticket,
        reply_id=reply_id,
        target=target,
        mode=mode,
        account=account,
        text=text,
        actor=actor,
        attachments=attachments,
    )
    latest = ticket

    async def attempt() -> None:
        nonlocal latest
        counted = dataclasses.replace(
            latest, interaction_count=latest.interaction_count + 1, updated_at=now
        )
        written = HistoryEntry(
            id=uuid4(),
            ticket_id=ticket.id,
            at=now,
            actor=actor,
            action=replies.WRITTEN,
            detail={
                "reply_id": str(reply_id),
                "mode": mode.value,
                "account": account,
                "in_reply_to": str(target.id),
                "status_after": status_after,
                "attachments": [a.filename for a in attachments],
                "canned_response": str(canned_response) if canned_response else None,
                "pending_approval": pending,
            },
        )
        events: list[Event] = [
            *([] if pending else [requested]),
            TicketChangedV1(
                ticket=views.snapshot(counted),
                actor=actor,
                changes=[FieldChange(field="reply", after=state.value)],
            ),
        ]
        try:
            await store.update_ticket(
                counted,
                expected_version=latest.version,
                interaction_id=reply_id,
                history=[written],
                events=events,
            )
        except InteractionTaken:
            return  # a concurrent repeat attached it first
        except StaleTicket:
            fresh = await store.get_ticket(ticket.id)
            if fresh is None:
                raise rpc.NotFound(f"no ticket {ticket.id}") from None
            latest = fresh
            raise
        await publish(store, publisher, events)

    await retry_on_stale(attempt, what=f"ticket {ticket.id}")
    return stored.model_copy(update={"ticket_id": ticket.id})


def reply_request(
    *,
    ticket: Ticket,
    reply_id: UUID,
    target: StoredInteraction,
    mode: ReplyMode,
    account: str,
    text: str,
    actor: str,
    attachments: list[OpinionAttachment],
) -> ReplyRequestedV1:
    """What the ingestor is asked to send: at once, or when an approver approves it."""
    return ReplyRequestedV1(
        reply_id=reply_id,
        ticket_id=ticket.id,
        channel=target.interaction.channel,
        account=account,
        mode=mode,
        target=replies.network_target(target, mode),
        text=text,
        author=actor,
        attachments=attachments,
        email=replies.email_threading(target, ticket.title) if mode is ReplyMode.EMAIL else None,
    )
