"""A rule's "share by e-mail" action on the store: the ticket is shared once per address, even
when the interaction is delivered again (after a crash between placing it and sharing)."""

from __future__ import annotations

from uuid import uuid4

from faststream.rabbit import RabbitBroker

from contracts.events import InteractionTriagedV1
from contracts.rules import OpenTicket, RuleMatch, TriageDecision
from contracts.tickets import TicketQuery
from servicekit.keyed_locks import KeyedLocks
from servicekit.publishing import EventPublisher
from ticketing.domain import opinions
from ticketing.store.port import TicketStore
from ticketing.usecases import triage

from .test_domain import SCALE, make

# Never connected: publishing fails fast and the events stay in the outbox for the relay,
# which is what a broker outage looks like to ticketing.
OFFLINE = EventPublisher(RabbitBroker("amqp://guest:guest@127.0.0.1:1/"))


async def test_a_redelivered_interaction_shares_its_ticket_once_per_address(
    store: TicketStore,
) -> None:
    event = InteractionTriagedV1(
        interaction=make(),
        decision=TriageDecision(
            matched=[RuleMatch(rule_id=uuid4(), rule_name="jurídico", reasons=[])],
            open_ticket=OpenTicket(),
            share_emails=["juridico@example.com", "compliance@example.com"],
        ),
    )
    for _ in range(2):
        await triage.handle_triaged(
            store=store, publisher=OFFLINE, scale=SCALE, locks=KeyedLocks(), event=event
        )

    [ticket], *_ = await store.list_tickets(TicketQuery())
    history = await store.history_of(ticket.id)
    shared = [e.detail["email"] for e in history if e.action == opinions.REQUESTED]
    assert sorted(shared) == ["compliance@example.com", "juridico@example.com"]
    assert opinions.WAITING_OPINION in ticket.tags
