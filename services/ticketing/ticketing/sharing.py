"""A rule's "share by e-mail" action (F25): the ticket an interaction landed on is shared with
each address as an opinion request, exactly as an agent's share would be (F31).

It runs after the interaction is placed, and again on a redelivery, so a crash between the two
loses nothing; a request's id derives from the interaction and the address, and a request the
ticket's history already holds is not made twice."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from contracts.events import InteractionTriagedV1
from contracts.opinions import OpinionRequestCreate
from contracts.tickets import StoredInteraction
from servicekit.publishing import EventPublisher
from ticketing.domain import opinions as opinion_rules
from ticketing.opinions import request_opinion
from ticketing.store.port import TicketStore

_REQUESTS = uuid.UUID("4f0c7a52-86a4-4b8e-9b8c-3f1f3c1f5a10")
"""Namespace of the ids of requests made by rules."""


def request_id(interaction_key: str, email: str) -> uuid.UUID:
    return uuid.uuid5(_REQUESTS, f"{interaction_key}\n{email.casefold()}")


async def share_by_rules(
    *, store: TicketStore, publisher: EventPublisher, event: InteractionTriagedV1, thread_key: str
) -> None:
    decision = event.decision
    if not decision.share_emails:
        return
    # The upsert is idempotent: here it only reads which ticket the interaction is on.
    stored = await store.record_interaction(
        StoredInteraction(
            id=uuid.uuid4(),
            ticket_id=None,
            received_at=datetime.now(UTC),
            interaction=event.interaction,
        ),
        thread_key=thread_key,
    )
    if stored.ticket_id is None:
        return  # no ticket: nothing to share
    done = {
        e.detail.get("request_id")
        for e in await store.history_of(stored.ticket_id)
        if e.action == opinion_rules.REQUESTED
    }
    names = ", ".join(m.rule_name for m in decision.matched)
    actor = f"rule:{decision.matched[0].rule_id}" if decision.matched else "system"
    for email in decision.share_emails:
        wanted = request_id(event.interaction.key, email)
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
        )
