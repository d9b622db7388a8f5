"""Ticketing use cases: keyword-only functions over the store port."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

from contracts.base import Event
from contracts.events import (
    FieldChange,
    InteractionTriagedV1,
    NotificationRequestedV1,
    TicketChangedV1,
    TicketOpenedV1,
)
from contracts.tickets import HistoryEntry, StoredInteraction
from servicekit.keyed_locks import KeyedLocks
from servicekit.outbox import publish_and_mark
from servicekit.publishing import EventPublisher, OutgoingMessage
from ticketing import assigning, directory, sharing, views
from ticketing.domain import tickets
from ticketing.domain.priority import PriorityScale
from ticketing.domain.threading import thread_key
from ticketing.history import change_entries
from ticketing.store.port import InteractionTaken, StaleTicket, ThreadAlreadyActive, TicketStore

log = logging.getLogger(__name__)

MAX_CONFLICT_RETRIES = 20


class TooMuchContention(Exception):
    """Other writers kept changing the ticket; the message is retried later."""


def _field_changes(changes: Sequence[tickets.Change]) -> list[FieldChange]:
    return [FieldChange(field=c.field, before=c.before, after=c.after) for c in changes]


async def handle_triaged(
    *,
    store: TicketStore,
    publisher: EventPublisher,
    scale: PriorityScale,
    locks: KeyedLocks,
    event: InteractionTriagedV1,
    now: datetime | None = None,
) -> None:
    """Store the interaction and put it on its conversation's ticket: the active one, or a
    new one when a rule says so or the conversation's last ticket was closed. Redelivery is
    harmless: an interaction already on a ticket is left alone. Within this process the
    interactions of one conversation take turns (``locks``), so they do not keep invalidating
    each other's reads; across replicas the store's version checks keep them apart."""
    now = now or datetime.now(UTC)
    key = thread_key(event.interaction)
    async with locks.hold(key):
        announced = await _place(store=store, scale=scale, event=event, key=key, now=now)
    await publish_and_mark(store, publisher, announced)
    await sharing.share_by_rules(store=store, publisher=publisher, event=event, thread_key=key)


async def _place(
    *,
    store: TicketStore,
    scale: PriorityScale,
    event: InteractionTriagedV1,
    key: str,
    now: datetime,
) -> list[OutgoingMessage]:
    """Record the interaction and change the ticket; return the events to publish."""
    decision = event.decision
    if decision.author_groups:
        await directory.add_author_groups(store, event.interaction, decision.author_groups)
    stored = await store.record_interaction(
        StoredInteraction(
            id=uuid4(),
            ticket_id=None,
            received_at=now,
            interaction=event.interaction,
            tags=decision.interaction_tags,
            track_engagement=decision.track_engagement,
        ),
        thread_key=key,
    )
    if stored.ticket_id is not None:
        return []
    actor = f"rule:{decision.matched[0].rule_id}" if decision.matched else "system"
    for _ in range(MAX_CONFLICT_RETRIES):
        try:
            ticket = await store.active_ticket(key)
            if ticket is not None:
                return await _extend(
                    store=store,
                    scale=scale,
                    event=event,
                    ticket=ticket,
                    stored=stored,
                    actor=actor,
                    now=now,
                )
            previous = await store.latest_ticket(key)
            merged_into = await _merge_target(store, previous)
            if merged_into is not None:  # a merged ticket's conversation goes on in its target
                return await _extend(
                    store=store,
                    scale=scale,
                    event=event,
                    ticket=merged_into,
                    stored=stored,
                    actor=actor,
                    now=now,
                )
            if decision.open_ticket is None and previous is None:
                return []  # nothing asks for a ticket: the interaction stays stored, unticketed
            return await _open(
                store=store,
                scale=scale,
                event=event,
                previous=previous,
                stored=stored,
                actor=actor,
                now=now,
            )
        except InteractionTaken:
            return []  # a ticket opened meanwhile collected this interaction: nothing to do
        except (StaleTicket, ThreadAlreadyActive):
            continue  # another replica changed this conversation first: read it again
    raise TooMuchContention(f"conversation {key} kept changing under us")


async def _merge_target(
    store: TicketStore, previous: tickets.Ticket | None
) -> tickets.Ticket | None:
    if previous is None or previous.merged_into is None:
        return None
    target = await store.get_ticket(previous.merged_into)
    return target if target is not None and target.active else None


def _alerts(
    event: InteractionTriagedV1, ticket: tickets.Ticket, *, opened: bool
) -> list[NotificationRequestedV1]:
    """The e-mail alerts the matching rules asked for, about the ticket as it now stands."""
    decision = event.decision
    if not decision.alert_emails:
        return []
    return [
        NotificationRequestedV1(
            **event.caused(),
            kind="rule_alert",
            recipients=decision.alert_emails,
            ticket=views.snapshot(ticket),
            ticket_opened=opened,
            matched=decision.matched,
            interaction_key=event.interaction.key,
        )
    ]


def _reasons(event: InteractionTriagedV1) -> dict[str, Any]:
    return {"rules": [m.model_dump(mode="json") for m in event.decision.matched]}


async def _extend(
    *,
    store: TicketStore,
    scale: PriorityScale,
    event: InteractionTriagedV1,
    ticket: tickets.Ticket,
    stored: StoredInteraction,
    actor: str,
    now: datetime,
) -> list[OutgoingMessage]:
    decision = event.decision
    outcome = tickets.add_interaction(
        ticket, interaction=event.interaction, decision=decision, now=now, scale=scale
    )
    changed = TicketChangedV1(
        **event.caused(),
        ticket=views.snapshot(outcome.ticket),
        actor=actor,
        changes=_field_changes(outcome.changes),
        interaction_id=stored.id,
        interaction_key=event.interaction.key,
        matched=decision.matched,
    )
    events: list[Event] = [changed, *_alerts(event, outcome.ticket, opened=False)]
    if outcome.ticket.priority != ticket.priority and ticket.assignee is not None:
        events += assigning.escalation_notices(
            ticket,
            outcome.ticket,
            await directory.agent(store, ticket.assignee),
            scale=scale,
            by=actor,
            caused=event.caused(),
        )
    reasons = _reasons(event)
    added = HistoryEntry(
        id=uuid4(),
        ticket_id=ticket.id,
        at=now,
        actor=actor,
        action="interaction_added",
        detail={**reasons, "interaction_id": str(stored.id)},
    )
    await store.update_ticket(
        outcome.ticket,
        expected_version=ticket.version,
        interaction_id=stored.id,
        # The interaction count is in the "interaction_added" entry; the rest are field changes.
        history=[
            added,
            *change_entries(ticket.id, actor, outcome.changes[1:], now, reasons),
            *assigning.reply_entries(ticket, decision, actor=actor, at=now),
        ],
        events=events,
    )
    return [OutgoingMessage.of(e) for e in events]


async def _open(
    *,
    store: TicketStore,
    scale: PriorityScale,
    event: InteractionTriagedV1,
    previous: tickets.Ticket | None,
    stored: StoredInteraction,
    actor: str,
    now: datetime,
) -> list[OutgoingMessage]:
    decision = event.decision
    plan = await assigning.plan_opening(store, decision)
    new = tickets.open_ticket(
        interaction=event.interaction,
        decision=decision,
        scale=scale,
        now=now,
        previous=previous,
        level_settings=plan.level,
    )
    opened: list[Event] = []

    def announce(numbered: tickets.Ticket) -> list[Event]:
        opened.append(
            TicketOpenedV1(
                **event.caused(),
                ticket=views.snapshot(numbered),
                actor=actor,
                interaction_id=stored.id,
                interaction_key=event.interaction.key,
                matched=decision.matched,
            )
        )
        opened.extend(_alerts(event, numbered, opened=True))
        agent = plan.agents.get(numbered.assignee or "")
        if agent is not None:
            opened.append(
                assigning.assigned_notice(
                    numbered, agent, by=actor, opened=True, caused=event.caused()
                )
            )
        return opened

    def history(numbered: tickets.Ticket) -> list[HistoryEntry]:
        detail = {
            **_reasons(event),
            "interaction_id": str(stored.id),
            "interaction_count": numbered.interaction_count,
        }
        if previous is not None:
            detail["previous_ticket_id"] = str(previous.id)
        entries = [
            HistoryEntry(
                id=uuid4(),
                ticket_id=numbered.id,
                at=now,
                actor=actor,
                action="opened",
                after=numbered.protocol,
                detail=detail,
            )
        ]
        if numbered.assignee is not None:
            how = "most_available" if new.assignee is None else "rule"
            entries.append(
                assigning.assignment_entry(
                    numbered, actor=actor, at=now, how=how, detail=_reasons(event)
                )
            )
        return [*entries, *assigning.reply_entries(numbered, decision, actor=actor, at=now)]

    await store.create_ticket(
        new,
        year=now.year,
        interaction_id=stored.id,
        history=history,
        announce=announce,
        assign_among=plan.candidates,
    )
    return [OutgoingMessage.of(e) for e in opened]
