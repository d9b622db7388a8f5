"""Interactions a new ticket collects bring their own decisions with them (issue 9): whatever
order the interactions arrive in, and when a ticket opened on another replica collects one
while its own handler is still running, every field of its decision takes effect once."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from datetime import timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from contracts.events import InteractionTriagedV1
from contracts.rules import OpenTicket, PendingReply, RuleMatch, TriageDecision
from contracts.tickets import StoredInteraction, TicketQuery
from servicekit.keyed_locks import KeyedLocks
from ticketing.domain import opinions
from ticketing.domain.threading import thread_key
from ticketing.domain.tickets import Ticket
from ticketing.store.port import Collected, TicketStore
from ticketing.usecases import triage

from .test_domain import NOW, SCALE, make
from .test_sharing import OFFLINE
from .test_store_contract import Opening, claim_all, message, record

ALERT_RULE = RuleMatch(rule_id=uuid4(), rule_name="alerta", reasons=[])
OPENING_RULE = RuleMatch(rule_id=uuid4(), rule_name="abre", reasons=[])


def alerting(external_id: str, minutes: int) -> InteractionTriagedV1:
    """An interaction whose rules want an alert, tags, a priority, a reply and a share, but
    no ticket of its own."""
    return InteractionTriagedV1(
        interaction=make(external_id=external_id, occurred_at=NOW + timedelta(minutes=minutes)),
        decision=TriageDecision(
            matched=[ALERT_RULE],
            alert_emails=["gerente@example.com"],
            tags=["Procon"],
            set_priority="high",
            auto_replies=[PendingReply(rule_id=ALERT_RULE.rule_id, text="Já vamos ver.")],
            share_emails=["juridico@example.com"],
        ),
    )


def opening(external_id: str, minutes: int) -> InteractionTriagedV1:
    return InteractionTriagedV1(
        interaction=make(external_id=external_id, occurred_at=NOW + timedelta(minutes=minutes)),
        decision=TriageDecision(
            matched=[OPENING_RULE], open_ticket=OpenTicket(), alert_emails=["sac@example.com"]
        ),
    )


async def handle(store: TicketStore, event: InteractionTriagedV1) -> None:
    await triage.handle_triaged(
        store=store, publisher=OFFLINE, scale=SCALE, locks=KeyedLocks(), event=event
    )


async def outbox(store: TicketStore) -> dict[str, list[dict[str, Any]]]:
    """The events waiting in the outbox (the publisher is offline), by routing key. Claiming
    leases them, so a test reads it once."""
    events: dict[str, list[dict[str, Any]]] = {}
    for waiting in await claim_all(store):
        events.setdefault(waiting.routing_key, []).append(json.loads(waiting.body))
    return events


async def the_ticket(store: TicketStore) -> Ticket:
    [ticket], *_ = await store.list_tickets(TicketQuery())
    return ticket


async def assert_every_decision_took_effect_once(store: TicketStore) -> None:
    ticket = await the_ticket(store)
    # The customer's two messages and the automatic reply the collected one's rule owed.
    assert ticket.interaction_count == 3
    assert (ticket.priority, ticket.tags) == ("high", ("Procon", opinions.WAITING_OPINION))
    written = [e for e in await store.history_of(ticket.id) if e.action == "reply_written"]
    assert [e.actor for e in written] == [f"rule:{ALERT_RULE.rule_id}"]
    events = await outbox(store)
    [asked] = events["reply.requested.v1"]
    assert (asked["text"], asked["target"]) == ("Já vamos ver.", "alert")
    alerts = events["notification.requested.v1"]
    assert sorted((a["interaction_key"], a["recipients"][0]) for a in alerts) == [
        ("instagram:alert", "gerente@example.com"),
        ("instagram:opens", "sac@example.com"),
    ]
    # Each alert shows the interaction whose rule asked for it, collected or not.
    assert all(a["interaction"]["key"] == a["interaction_key"] for a in alerts)
    [shared] = events["opinion.requested.v1"]
    assert shared["collaborator_email"] == "juridico@example.com"
    assert len(shared["interactions"]) == 2
    history = await store.history_of(ticket.id)
    assert [e.action for e in history].count(opinions.REQUESTED) == 1
    assert [e.action for e in history].count("reply_written") == 1


async def test_an_interaction_stored_before_its_ticket_opened_gets_its_alert_and_the_rest(
    store: TicketStore,
) -> None:
    await handle(store, alerting("alert", minutes=1))
    # No ticket to alert about yet, and the author's new person, in no group, is not
    # announced: nothing waits in the outbox.
    assert set(await outbox(store)) == set()

    await handle(store, opening("opens", minutes=2))

    await assert_every_decision_took_effect_once(store)


async def test_the_same_holds_when_the_opener_arrives_first(store: TicketStore) -> None:
    await handle(store, opening("opens", minutes=2))
    await handle(store, alerting("alert", minutes=1))

    ticket = await the_ticket(store)
    assert (ticket.priority, ticket.tags) == ("high", ("Procon", opinions.WAITING_OPINION))
    alerts = (await outbox(store))["notification.requested.v1"]
    assert sorted(a["interaction_key"] for a in alerts) == ["instagram:alert", "instagram:opens"]


class OpensMeanwhile:
    """The store as one replica sees it while another opens the ticket: right after this
    replica recorded the alerting interaction, the other replica's opener runs to the end
    and collects it."""

    def __init__(self, store: TicketStore, other_replica: InteractionTriagedV1) -> None:
        self._store, self._other = store, other_replica

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    async def record_interaction(self, stored: StoredInteraction, **kw: Any) -> Any:
        recorded = await self._store.record_interaction(stored, **kw)
        if self._other is not None and stored.interaction.key != self._other.interaction.key:
            other, self._other = self._other, None  # type: ignore[assignment]
            await handle(self._store, other)
        return recorded


async def test_a_ticket_opened_by_another_replica_meanwhile_applies_the_collected_decision(
    store: TicketStore,
) -> None:
    racing: Any = OpensMeanwhile(store, opening("opens", minutes=2))
    await handle(racing, alerting("alert", minutes=1))

    await assert_every_decision_took_effect_once(store)


async def test_redelivering_both_interactions_changes_nothing(store: TicketStore) -> None:
    await handle(store, alerting("alert", minutes=1))
    await handle(store, opening("opens", minutes=2))
    await handle(store, alerting("alert", minutes=1))
    await handle(store, opening("opens", minutes=2))

    await assert_every_decision_took_effect_once(store)


@pytest.mark.parametrize("with_decision", [True, False])
async def test_the_store_hands_the_collected_interactions_with_their_decisions_to_the_opening(
    store: TicketStore, with_decision: bool
) -> None:
    decision = TriageDecision(matched=[ALERT_RULE], tags=["Procon"]) if with_decision else None
    comment = message("post-1", minutes=1)
    earlier = await store.record_interaction(
        StoredInteraction(id=uuid4(), ticket_id=None, received_at=NOW, interaction=comment),
        thread_key=thread_key(comment),
        decision=decision,
    )
    opener = await record(store, message("post-1", minutes=2))
    seen: list[tuple[UUID, TriageDecision | None]] = []

    def apply(ticket: Ticket, collected: Sequence[Collected]) -> Ticket:
        seen.extend((c.stored.id, c.decision) for c in collected)
        return ticket if decision is None else dataclasses.replace(ticket, tags=("X",))

    made = Opening(message("post-1", minutes=2))
    ticket = await store.create_ticket(
        made.ticket,
        year=2026,
        interaction_id=opener.id,
        history=made.make_history,
        announce=made.announce,
        apply_collected=apply,
    )

    assert seen == [(earlier.id, decision), (opener.id, None)]
    stored = await store.get_ticket(ticket.id)
    assert stored is not None and stored.interaction_count == 2
    assert stored.tags == (("X",) if with_decision else ())
