"""Replies held for approval (docs/domain.md F21). On a level with ``moderation_required`` an
agent's reply is stored ``pending_approval`` and asked of nobody; an approver of the ticket's
level (the level's ``approvers``, or an admin) edits, approves or rejects it. Approving writes
``reply.requested.v1`` in the ticket's versioned write, with the history entry naming the
approver, so two approvers approving at once send it once; rejecting tells the author (mail
and live event), who may edit and resubmit it.

The reply interaction and the ticket's history are the truth. An ``approval`` directory entry
per held reply is what the approvers' list reads (no scan of every ticket's interactions)."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

from contracts.approvals import (
    ApprovalEdit,
    ApprovalQuery,
    ApprovalRead,
    ApprovalRejection,
    ApprovalResubmission,
)
from contracts.base import Event
from contracts.events import FieldChange, NotificationRequestedV1, TicketChangedV1
from contracts.opinions import OpinionAttachment
from contracts.replies import Delivery, DeliveryState, ReplyMode
from contracts.rpc import Caller
from contracts.tickets import HistoryEntry, StoredInteraction
from servicekit import rpc
from servicekit.publishing import EventPublisher
from ticketing.domain import replies
from ticketing.domain.status import Status
from ticketing.domain.tickets import Ticket
from ticketing.shared import directory_reads, views
from ticketing.shared.access import Forbidden, actor_of, require_active
from ticketing.shared.replies import reply_request
from ticketing.shared.writes import publish, retry_on_stale
from ticketing.store.port import TicketStore

PENDING = DeliveryState.PENDING_APPROVAL.value
REJECTED = DeliveryState.REJECTED.value
EXCERPT_LENGTH = 500

Extra = Callable[[Ticket, list[HistoryEntry]], Awaitable[list[Event]]]


async def hold(
    store: TicketStore,
    *,
    ticket: Ticket,
    reply: StoredInteraction,
    target: StoredInteraction,
    mode: ReplyMode,
    status_after: str | None,
    canned_response: UUID | None,
    attachments: list[OpinionAttachment],
) -> None:
    """List a reply just stored ``pending_approval`` for the level's approvers."""
    now = reply.received_at
    read = ApprovalRead(
        reply_id=reply.id,
        ticket_id=ticket.id,
        protocol=ticket.protocol,
        level=ticket.level or "",
        author=reply.interaction.author.name,
        text=reply.interaction.text,
        state="pending_approval",
        channel=reply.interaction.channel.value,
        account=reply.interaction.account,
        mode=mode.value,
        status_after=status_after,
        canned_response=str(canned_response) if canned_response else None,
        written_at=now,
        changed_at=now,
    )
    body = read.model_dump(mode="json") | {
        "in_reply_to": str(target.id),
        "attachments": [a.model_dump(mode="json") for a in attachments],
    }
    await store.create_entry("approval", str(reply.id), body)


async def list_approvals(
    *, store: TicketStore, query: ApprovalQuery, caller: Caller
) -> list[ApprovalRead]:
    """The held replies of the levels the caller approves (admins: all), and the caller's own
    (so an author finds a rejected reply), oldest first."""
    await require_active(store, caller)
    approves = await _levels_approved(store, caller)
    found = []
    for body in await store.list_entries("approval"):
        item = ApprovalRead.model_validate(body)
        if item.state != query.state or (query.level is not None and item.level != query.level):
            continue
        if approves is None or item.level in approves or item.author == actor_of(caller):
            found.append(item)
    found.sort(key=lambda item: item.written_at)
    return found


async def edit(
    *,
    store: TicketStore,
    publisher: EventPublisher,
    reply_id: UUID,
    body: ApprovalEdit,
    caller: Caller,
    now: datetime | None = None,
) -> ApprovalRead:
    """An approver edits a pending reply; its author edits it pending or rejected."""
    held, ticket = await _held(store, reply_id)
    if held.author != actor_of(caller):
        await _require_approver(store, caller, ticket)
        if held.state != PENDING:
            raise rpc.Conflict("a rejected reply is edited by its author, who resubmits it")
    await _change_reply(store, held, {held.state}, text=body.text)
    await _write(store, publisher, held, caller, replies.EDITED, {}, at=now)
    return await _update_entry(store, held, now, text=body.text)


async def approve(
    *,
    store: TicketStore,
    publisher: EventPublisher,
    reply_id: UUID,
    caller: Caller,
    now: datetime | None = None,
) -> StoredInteraction:
    """Send it: ``reply.requested.v1`` goes out with the approver's history entry."""
    held, ticket = await _held(store, reply_id)
    await _require_approver(store, caller, ticket)
    if held.author == actor_of(caller):
        raise Forbidden("you cannot approve your own reply: another approver does")
    if held.state != PENDING:
        raise rpc.Conflict("the reply was rejected: its author resubmits it first")
    if ticket.status is Status.CLOSED or ticket.merged_into is not None or ticket.removed:
        raise rpc.Invalid(f"ticket {ticket.protocol} is closed: it takes no replies")
    reply = await store.get_interaction(held.reply_id)
    body = await store.get_entry("approval", str(reply_id)) or {}
    target = await store.get_interaction(UUID(str(body.get("in_reply_to"))))
    if reply is None or target is None:
        raise rpc.NotFound(f"the reply {reply_id} or what it answers is gone")
    attachments = [OpinionAttachment.model_validate(a) for a in body.get("attachments", [])]

    async def requested(latest: Ticket, _: list[HistoryEntry]) -> list[Event]:
        return [
            reply_request(
                ticket=latest,
                reply_id=reply.id,
                target=target,
                mode=ReplyMode(held.mode),
                account=held.account,
                text=reply.interaction.text,
                actor=held.author,
                attachments=attachments,
            )
        ]

    await _write(
        store,
        publisher,
        held,
        caller,
        replies.APPROVED,
        {},
        after=DeliveryState.QUEUED,
        extra=requested,
        at=now,
    )
    await _change_reply(store, held, {PENDING}, state=DeliveryState.QUEUED, strict=False)
    await store.delete_entry("approval", str(reply_id))
    sent = await store.get_interaction(reply_id)
    assert sent is not None
    return sent


async def reject(
    *,
    store: TicketStore,
    publisher: EventPublisher,
    reply_id: UUID,
    body: ApprovalRejection,
    caller: Caller,
    now: datetime | None = None,
) -> ApprovalRead:
    """Not sent; the author is told why (mail and live event) and may resubmit it."""
    held, ticket = await _held(store, reply_id)
    await _require_approver(store, caller, ticket)
    if held.state != PENDING:
        raise rpc.Conflict("the reply is already rejected")
    await _change_reply(store, held, {PENDING}, state=DeliveryState.REJECTED, reason=body.reason)

    async def tell_author(latest: Ticket, _: list[HistoryEntry]) -> list[Event]:
        author = await directory_reads.agent(store, held.author.removeprefix("agent:"))
        if author is None or not author.active:
            return []
        return [
            NotificationRequestedV1(
                kind="reply_rejected",
                recipients=[author.email],
                recipient_users={author.email: author.id},
                detail={
                    "reply_id": str(held.reply_id),
                    "reason": body.reason,
                    "approver": caller.id,
                    "excerpt": held.text[:EXCERPT_LENGTH],
                },
                ticket=views.snapshot(latest),
                ticket_opened=False,
            )
        ]

    await _write(
        store,
        publisher,
        held,
        caller,
        replies.REJECTED,
        {"reason": body.reason},
        after=DeliveryState.REJECTED,
        extra=tell_author,
        at=now,
    )
    return await _update_entry(store, held, now, state=REJECTED, reason=body.reason)


async def resubmit(
    *,
    store: TicketStore,
    publisher: EventPublisher,
    reply_id: UUID,
    body: ApprovalResubmission,
    caller: Caller,
    now: datetime | None = None,
) -> ApprovalRead:
    """The author sends a rejected reply back for approval, edited or not."""
    held, _ = await _held(store, reply_id)
    if held.author != actor_of(caller):
        raise Forbidden("only the reply's author resubmits it")
    if held.state != REJECTED:
        raise rpc.Conflict("the reply is already waiting for approval")
    text = body.text or held.text
    await _change_reply(store, held, {REJECTED}, state=DeliveryState.PENDING_APPROVAL, text=text)
    await _write(
        store,
        publisher,
        held,
        caller,
        replies.RESUBMITTED,
        {},
        after=DeliveryState.PENDING_APPROVAL,
        at=now,
    )
    return await _update_entry(store, held, now, state=PENDING, reason=None, text=text)


async def _held(store: TicketStore, reply_id: UUID) -> tuple[ApprovalRead, Ticket]:
    body = await store.get_entry("approval", str(reply_id))
    ticket = await store.get_ticket(UUID(body["ticket_id"])) if body else None
    if body is None or ticket is None:
        raise rpc.NotFound(f"there is no reply {reply_id} waiting for approval")
    return ApprovalRead.model_validate(body), ticket


async def _levels_approved(store: TicketStore, caller: Caller) -> set[str] | None:
    """The levels whose replies the caller approves; None for admins (every level)."""
    if caller.role != "agent":
        return None
    levels = await store.list_entries("level")
    return {body["name"] for body in levels if caller.id in body.get("approvers", [])}


async def _require_approver(store: TicketStore, caller: Caller, ticket: Ticket) -> None:
    """Approvers of the ticket's level (and admins) decide; every other agent is refused
    (403) without learning more of the ticket than its reply's id, which they already had."""
    await require_active(store, caller)
    approves = await _levels_approved(store, caller)
    if approves is None or (ticket.level is not None and ticket.level in approves):
        return
    raise Forbidden("you do not approve the replies of this reply's level")


async def _change_reply(
    store: TicketStore,
    held: ApprovalRead,
    states: set[str],
    *,
    state: DeliveryState | None = None,
    text: str | None = None,
    reason: str | None = None,
    strict: bool = True,
) -> None:
    """Change the reply interaction if it is still in one of ``states``: a concurrent
    decision that got there first answers 409."""

    def change(stored: StoredInteraction) -> StoredInteraction | None:
        current = stored.delivery
        if current is None or current.state.value not in states:
            return None
        update: dict[str, Any] = {}
        if state is not None:
            update["delivery"] = Delivery(state=state, reason=reason)
        if text is not None:
            update["interaction"] = stored.interaction.model_copy(update={"text": text})
        return stored.model_copy(update=update)

    key = f"{held.channel}:reply:{held.reply_id}"
    changed = await store.change_interaction(key, change)
    if strict and (changed is None or changed[1] is None):
        raise rpc.Conflict("the reply changed meanwhile: reload it")


async def _write(
    store: TicketStore,
    publisher: EventPublisher,
    held: ApprovalRead,
    caller: Caller,
    action: str,
    detail: dict[str, Any],
    *,
    after: DeliveryState | None = None,
    extra: Extra | None = None,
    at: datetime | None = None,
) -> None:
    """The history entry (and events) in the ticket's versioned write. An approval already
    in the history (another approver's, a moment earlier) answers 409: sent once."""
    reply_id = str(held.reply_id)

    async def attempt() -> None:
        ticket = await store.get_ticket(held.ticket_id)
        if ticket is None:
            raise rpc.NotFound(f"ticket {held.protocol} is gone")
        history = await store.history_of(ticket.id)
        if action == replies.APPROVED and _approved(history, reply_id):
            raise rpc.Conflict("the reply was approved already")
        now = at or datetime.now(UTC)
        actor = actor_of(caller) if caller.role == "agent" else f"{caller.role}:{caller.id}"
        entry = HistoryEntry(
            id=uuid4(),
            ticket_id=ticket.id,
            at=now,
            actor=actor,
            action=action,
            detail={"reply_id": reply_id, "author": held.author} | detail,
        )
        events: list[Event] = list(await extra(ticket, history)) if extra else []
        if after is not None:
            events.append(
                TicketChangedV1(
                    ticket=views.snapshot(ticket),
                    actor=actor,
                    changes=[FieldChange(field="reply", before=reply_id, after=after.value)],
                )
            )
        await store.update_ticket(
            dataclasses.replace(ticket, updated_at=now),
            expected_version=ticket.version,
            interaction_id=None,
            history=[entry],
            events=events,
        )
        await publish(store, publisher, events)

    await retry_on_stale(attempt, what=f"ticket {held.ticket_id}")


def _approved(history: Sequence[HistoryEntry], reply_id: str) -> bool:
    return any(
        e.action == replies.APPROVED and e.detail.get("reply_id") == reply_id for e in history
    )


async def _update_entry(
    store: TicketStore, held: ApprovalRead, now: datetime | None, **changes: Any
) -> ApprovalRead:
    body = await store.get_entry("approval", str(held.reply_id)) or held.model_dump(mode="json")
    updated = held.model_copy(update={**changes, "changed_at": now or datetime.now(UTC)})
    await store.replace_entry(
        "approval", str(held.reply_id), body | updated.model_dump(mode="json")
    )
    return updated
