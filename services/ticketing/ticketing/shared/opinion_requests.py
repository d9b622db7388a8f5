"""Sharing a ticket with an outside collaborator as an opinion request (docs/domain.md F31):
the tag, the history entry and the ``opinion.requested`` event in one write. An agent asks
for it; a rule's "share by e-mail" action (F25) asks for it exactly the same way.

A rule's share runs after the interaction is placed, and again on a redelivery, so a crash
between the two loses nothing; its request id derives from the interaction and the address,
and a request the ticket's history already holds is not made twice."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from contracts.base import Event
from contracts.events import InteractionTriagedV1
from contracts.opinions import (
    OpinionRequestCreate,
    OpinionRequestedV1,
    OpinionRequestRead,
    SharedInteraction,
)
from contracts.tickets import HistoryEntry, StoredInteraction
from servicekit import rpc
from servicekit.publishing import EventPublisher
from ticketing.domain import opinions
from ticketing.domain.tickets import Ticket
from ticketing.shared import views
from ticketing.shared.changes import change_entries, ticket_changed
from ticketing.shared.writes import publish, retry_on_stale
from ticketing.store.port import StaleTicket, TicketStore

_RULE_REQUESTS = uuid.UUID("4f0c7a52-86a4-4b8e-9b8c-3f1f3c1f5a10")
"""Namespace of the ids of requests made by rules."""


def shared_interaction(stored: StoredInteraction) -> SharedInteraction:
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
    request_id: uuid.UUID | None = None,
    now: datetime | None = None,
) -> OpinionRequestRead:
    request_id = request_id or uuid.uuid4()
    attachments = [a.to_attachment() for a in create.attachments]
    latest = ticket

    async def write(ticket: Ticket) -> OpinionRequestRead:
        moment = now or datetime.now(UTC)
        outcome = opinions.mark_waiting(ticket, moment)
        shared = [shared_interaction(i) for i in await store.interactions_of(ticket.id)]
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
            events.append(ticket_changed(outcome, actor))
        requested = HistoryEntry(
            id=uuid.uuid4(),
            ticket_id=ticket.id,
            at=moment,
            actor=actor,
            action=opinions.REQUESTED,
            detail={
                "request_id": str(request_id),
                "email": create.email,
                "note": create.note,
                "attachments": [a.filename for a in attachments],
            },
        )
        await store.update_ticket(
            outcome.ticket,
            expected_version=ticket.version,
            interaction_id=None,
            history=[requested, *change_entries(ticket.id, actor, outcome.changes, moment)],
            events=events,
        )
        await publish(store, publisher, events)
        return OpinionRequestRead(
            request_id=request_id,
            ticket_id=ticket.id,
            protocol=ticket.protocol,
            email=create.email,
            note=create.note,
            attachments=[a.filename for a in attachments],
            requested_by=actor,
            requested_at=moment,
        )

    async def attempt() -> OpinionRequestRead:
        nonlocal latest
        try:
            return await write(latest)
        except StaleTicket:
            fresh = await store.get_ticket(ticket.id)
            if fresh is None:
                raise rpc.NotFound(f"no ticket {ticket.id}") from None
            latest = fresh
            raise

    return await retry_on_stale(attempt, what=f"ticket {ticket.id}")


def rule_request_id(interaction_key: str, email: str) -> uuid.UUID:
    return uuid.uuid5(_RULE_REQUESTS, f"{interaction_key}\n{email.casefold()}")


async def share_by_rules(
    *,
    store: TicketStore,
    publisher: EventPublisher,
    event: InteractionTriagedV1,
    thread_key: str,
    now: datetime | None = None,
) -> None:
    """The ticket the interaction landed on is shared with each address the rules named,
    at ``now`` (the triage's time: the SLA clocks' one, which a test moves)."""
    moment = now or datetime.now(UTC)
    decision = event.decision
    if not decision.share_emails:
        return
    # The upsert is idempotent: here it only reads which ticket the interaction is on.
    stored = await store.record_interaction(
        StoredInteraction(
            id=uuid.uuid4(),
            ticket_id=None,
            received_at=moment,
            interaction=event.interaction,
        ),
        thread_key=thread_key,
    )
    if stored.ticket_id is None:
        return  # no ticket: nothing to share
    done = {
        e.detail.get("request_id")
        for e in await store.history_of(stored.ticket_id)
        if e.action == opinions.REQUESTED
    }
    names = ", ".join(m.rule_name for m in decision.matched)
    actor = f"rule:{decision.matched[0].rule_id}" if decision.matched else "system"
    for email in decision.share_emails:
        wanted = rule_request_id(event.interaction.key, email)
        if str(wanted) in done:
            continue
        ticket = await store.get_ticket(stored.ticket_id)
        if ticket is None:
            return
        await request_opinion(
            store=store,
            publisher=publisher,
            ticket=ticket,
            create=OpinionRequestCreate(email=email, note=f"Shared by the rule(s) {names}."),
            actor=actor,
            request_id=wanted,
            now=moment,
        )
