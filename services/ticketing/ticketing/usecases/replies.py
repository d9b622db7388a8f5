"""Replies on ticketing's side (docs/domain.md F19): an agent answers the customer on the
ticket's channel. The reply is stored as an outbound interaction on the ticket, queued, and
asked of the ingestor by ``reply.requested.v1`` in the same write as its history entry; what
the network made of it (``reply.delivered.v1``, ``reply.failed.v1``) settles its delivery,
applies the status the agent asked for, and on failure tells the assignee."""

from __future__ import annotations

import dataclasses
import logging
from datetime import UTC, datetime
from uuid import uuid4

from contracts.base import Event
from contracts.events import FieldChange, NotificationRequestedV1, TicketChangedV1
from contracts.replies import (
    DeliveryState,
    ReplyCreate,
    ReplyDeliveredV1,
    ReplyFailedV1,
)
from contracts.rpc import Caller
from contracts.tickets import HistoryEntry, StoredInteraction
from servicekit import rpc
from servicekit.publishing import EventPublisher
from ticketing.domain import replies, reply_networks, sla
from ticketing.domain.status import Status
from ticketing.domain.tickets import Ticket
from ticketing.shared import directory_reads, views
from ticketing.shared.access import actor_of, find_ticket
from ticketing.shared.changes import change_entries, field_changes
from ticketing.shared.replies import queue_reply
from ticketing.shared.writes import publish, retry_on_stale
from ticketing.store.port import TicketStore
from ticketing.usecases import approvals, canned

log = logging.getLogger(__name__)

EXCERPT_LENGTH = 500


async def send_reply(
    *,
    store: TicketStore,
    publisher: EventPublisher,
    ref: str,
    create: ReplyCreate,
    caller: Caller,
    now: datetime | None = None,
) -> StoredInteraction:
    """Check what the network can do, record the queued reply, and ask for it once."""
    ticket = await find_ticket(store, ref, caller)
    if ticket.status is Status.CLOSED or ticket.merged_into is not None or ticket.removed:
        raise rpc.Invalid(f"ticket {ticket.protocol} is closed: it takes no replies")
    now = now or datetime.now(UTC)
    interactions = await store.interactions_of(ticket.id)
    level = await directory_reads.level_settings(store, ticket.level)
    try:
        target = replies.answered(interactions, create.in_reply_to)
        mode = replies.mode_for(target, private=create.private)
        account = create.account or target.interaction.account
        replies.check_account(target, account, level.accounts if level else [])
        replies.check_possible(target=target, mode=mode, interactions=interactions, now=now)
        refusal = reply_networks.attachment_refusal(target.interaction.channel, mode)
        if create.attachments and refusal is not None:
            raise replies.ReplyRefused(refusal)
    except replies.ReplyRefused as refused:
        raise rpc.Invalid(str(refused)) from None
    text = create.text
    if create.canned_response is not None:
        text = await _with_canned(store, create, caller, ticket, target)
    # F21: an agent's reply on a moderated level waits for an approver (admins send at once).
    pending = bool(level and level.moderation_required and caller.role == "agent")
    attachments = [a.to_attachment() for a in create.attachments]
    stored = await queue_reply(
        store=store,
        publisher=publisher,
        ticket=ticket,
        target=target,
        mode=mode,
        account=account,
        text=text,
        actor=actor_of(caller),
        status_after=create.status_after,
        attachments=attachments,
        now=now,
        pending=pending,
        canned_response=create.canned_response,
    )
    if pending:
        await approvals.hold(
            store,
            ticket=ticket,
            reply=stored,
            target=target,
            mode=mode,
            status_after=create.status_after,
            canned_response=create.canned_response,
            attachments=attachments,
        )
    return stored


async def _with_canned(
    store: TicketStore,
    create: ReplyCreate,
    caller: Caller,
    ticket: Ticket,
    target: StoredInteraction,
) -> str:
    """The canned response's text, its placeholders filled now, then the agent's own text."""
    assert create.canned_response is not None
    item = await canned.for_reply(store, create.canned_response, caller)
    agent = await directory_reads.agent(store, caller.id) if caller.role == "agent" else None
    values = {
        "customer_name": target.interaction.author.name or "",
        "protocol": ticket.protocol,
        "agent_name": agent.name if agent else caller.id,
        "level": ticket.level or "",
    }
    return canned.filled(item, values, create.text)


async def record_outcome(
    *,
    store: TicketStore,
    publisher: EventPublisher,
    event: ReplyDeliveredV1 | ReplyFailedV1,
    master_email: str,
    now: datetime | None = None,
) -> None:
    """Settle the reply's delivery: history (each attempt, the outcome), the status asked for
    once sent, and the assignee alerted when it failed or may not have gone. Idempotent: an
    outcome the history already holds is not written twice."""
    reply = await store.get_interaction(event.reply_id)
    if reply is None:
        log.warning("reply %s of ticket %s is unknown", event.reply_id, event.ticket_id)
        return
    if isinstance(event, ReplyDeliveredV1):
        state, action = DeliveryState.SENT, replies.SENT
    elif event.uncertain:
        state, action = DeliveryState.UNCERTAIN, replies.UNCERTAIN
    else:
        state, action = DeliveryState.FAILED, replies.FAILED
    # The reply's delivery first, then the ticket: the ticket's event is what the report
    # projection re-reads the ticket on, and it must find the reply settled.
    key = reply.interaction.key
    await store.change_interaction(
        key,
        lambda stored: replies.settled(
            stored,
            state=state,
            attempts=event.attempts,
            network_id=event.network_id if isinstance(event, ReplyDeliveredV1) else None,
            sent_at=event.sent_at if isinstance(event, ReplyDeliveredV1) else None,
            reason=event.reason if isinstance(event, ReplyFailedV1) else None,
        ),
    )
    await _settle_ticket(
        store=store,
        publisher=publisher,
        event=event,
        reply=reply,
        state=state,
        action=action,
        master_email=master_email,
        now=now,
    )


async def _settle_ticket(
    *,
    store: TicketStore,
    publisher: EventPublisher,
    event: ReplyDeliveredV1 | ReplyFailedV1,
    reply: StoredInteraction,
    state: DeliveryState,
    action: str,
    master_email: str,
    now: datetime | None,
) -> None:
    reply_id = str(event.reply_id)

    async def attempt() -> None:
        ticket = await store.get_ticket(event.ticket_id)
        if ticket is None:
            log.warning("reply %s is on ticket %s, which is gone", reply_id, event.ticket_id)
            return
        history = await store.history_of(ticket.id)
        mine = [e for e in history if e.detail.get("reply_id") == reply_id]
        if any(e.action in replies.SETTLED for e in mine):
            return
        written = next((e for e in mine if e.action == replies.WRITTEN), None)
        author = written.actor if written else "system"
        moment = now or datetime.now(UTC)
        if state is DeliveryState.SENT:
            wanted = written.detail.get("status_after") if written else None
            outcome = replies.status_after_sending(ticket, wanted, moment)
        else:
            outcome = replies.status_after_sending(ticket, None, moment)
        network = f"network:{reply.interaction.channel.value}"
        entries = [
            HistoryEntry(
                id=uuid4(),
                ticket_id=ticket.id,
                at=a.at,
                actor=network,
                action=replies.ATTEMPT,
                detail={"reply_id": reply_id, "outcome": a.outcome, "detail": a.detail},
            )
            for a in event.attempts
        ]
        detail: dict[str, object] = {"reply_id": reply_id, "author": author}
        if isinstance(event, ReplyDeliveredV1):
            detail |= {"network_id": event.network_id, "sent_at": event.sent_at.isoformat()}
        else:
            detail |= {"reason": event.reason}
        entries.append(
            HistoryEntry(
                id=uuid4(),
                ticket_id=ticket.id,
                at=moment,
                actor=network,
                action=action,
                detail=detail,
            )
        )
        entries += change_entries(ticket.id, author, outcome.changes, moment)
        events: list[Event] = [
            TicketChangedV1(
                **event.caused(),
                ticket=views.snapshot(outcome.ticket),
                actor=network,
                changes=[
                    FieldChange(field="reply", before=reply_id, after=state.value),
                    *field_changes(outcome.changes),
                ],
            )
        ]
        if state is not DeliveryState.SENT and isinstance(event, ReplyFailedV1):
            alert = await _failure_alert(store, event, reply, ticket, author, master_email)
            events.append(alert)
        settled = outcome.ticket
        if isinstance(event, ReplyDeliveredV1):
            # Sent now, so it answers the customer now (F14): the first or next response
            # stops at the time the network took it, not when it was written.
            settled = dataclasses.replace(
                settled, sla=sla.reply_sent(settled.sla, at=max(event.sent_at, ticket.opened_at))
            )
        await store.update_ticket(
            dataclasses.replace(settled, updated_at=moment),
            expected_version=ticket.version,
            interaction_id=None,
            history=entries,
            events=events,
        )
        await publish(store, publisher, events)

    await retry_on_stale(attempt, what=f"ticket {event.ticket_id}")


async def _failure_alert(
    store: TicketStore,
    event: ReplyFailedV1,
    reply: StoredInteraction,
    ticket: Ticket,
    author: str,
    master_email: str,
) -> NotificationRequestedV1:
    """To the assignee; without one, to the agent who wrote it; else the master user."""
    recipients, users = [master_email], {}
    for candidate in (ticket.assignee, author.removeprefix("agent:") if author else None):
        if not candidate:
            continue
        agent = await directory_reads.agent(store, candidate)
        if agent is not None and agent.active:
            recipients, users = [agent.email], {agent.email: agent.id}
            break
    return NotificationRequestedV1(
        **event.caused(),
        kind="reply_failed",
        recipients=recipients,
        recipient_users=users,
        detail={
            "reply_id": str(event.reply_id),
            "reason": event.reason,
            "uncertain": event.uncertain,
            "channel": reply.interaction.channel.value,
            "excerpt": reply.interaction.text[:EXCERPT_LENGTH],
        },
        ticket=views.snapshot(ticket),
        ticket_opened=False,
    )
