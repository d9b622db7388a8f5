"""Agents' own actions on tickets beyond editing fields: internal notes and tickets opened
by hand. Each change is one store write with its history and events (DOMAIN.md F8, F10)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from uuid import UUID, uuid4

from contracts.base import Event
from contracts.events import FieldChange, TicketChangedV1, TicketOpenedV1
from contracts.rules import OpenTicket, TriageDecision
from contracts.tickets import HistoryEntry, TicketCreate
from servicekit.outbox import publish_and_mark
from servicekit.publishing import EventPublisher, OutgoingMessage
from ticketing import assigning, directory, views
from ticketing.domain import tickets
from ticketing.domain.priority import PriorityScale
from ticketing.domain.tickets import Ticket
from ticketing.store.port import InteractionTaken, StaleTicket, ThreadAlreadyActive, TicketStore

MAX_CONFLICT_RETRIES = 20


class Refused(Exception):
    """The request conflicts with the ticket's state; the message says why (409)."""


async def add_note(
    *,
    store: TicketStore,
    publisher: EventPublisher,
    ticket_id: UUID,
    text: str,
    actor: str,
    now: datetime | None = None,
) -> HistoryEntry | None:
    """An internal note on the ticket's history; None when there is no such ticket."""
    for _ in range(MAX_CONFLICT_RETRIES):
        ticket = await store.get_ticket(ticket_id)
        if ticket is None:
            return None
        moment = now or datetime.now(UTC)
        noted = dataclasses.replace(ticket, change_count=ticket.change_count + 1, updated_at=moment)
        entry = HistoryEntry(
            id=uuid4(),
            ticket_id=ticket.id,
            at=moment,
            actor=actor,
            action="note",
            detail={"text": text, "internal": True},
        )
        changed = TicketChangedV1(
            ticket=views.snapshot(noted),
            actor=actor,
            changes=[FieldChange(field="note", after=str(entry.id))],
        )
        try:
            await store.update_ticket(
                noted,
                expected_version=ticket.version,
                interaction_id=None,
                history=[entry],
                events=[changed],
            )
        except StaleTicket:
            continue
        await publish_and_mark(store, publisher, [OutgoingMessage.of(changed)])
        return entry
    raise Refused(f"ticket {ticket_id} kept changing; try again")


async def open_manually(
    *,
    store: TicketStore,
    publisher: EventPublisher,
    scale: PriorityScale,
    request: TicketCreate,
    agent_id: str | None,
    actor: str,
    now: datetime | None = None,
) -> Ticket | None:
    """A ticket for a stored interaction and the rest of its conversation without a ticket;
    None when the interaction is unknown. ``agent_id`` set: the ticket is theirs."""
    stored = await store.get_interaction(request.interaction_id)
    if stored is None:
        return None
    if stored.ticket_id is not None:
        raise Refused(f"the interaction is already in ticket {stored.ticket_id}")
    if request.priority is not None:
        scale.require(request.priority)
    moment = now or datetime.now(UTC)
    level = await directory.level_settings(store, request.level)
    if request.level is not None and level is None:
        raise ValueError(f"there is no level {request.level!r}")
    decision = TriageDecision(
        open_ticket=OpenTicket(
            status=request.status, priority=request.priority, level=request.level
        )
    )
    new = dataclasses.replace(
        tickets.open_ticket(
            interaction=stored.interaction,
            decision=decision,
            scale=scale,
            now=moment,
            level_settings=level,
        ),
        opened_by=actor,
        assignee=agent_id,
        title=request.title or tickets.title_for(stored.interaction),
    )
    agents = {a.id: a for a in await directory.agents(store)}
    candidates: list[str] = []
    if agent_id is None and request.level is not None:
        candidates = [a.id for a in agents.values() if a.active and request.level in a.levels]
    events: list[Event] = []

    def history(numbered: Ticket) -> list[HistoryEntry]:
        entries = [
            HistoryEntry(
                id=uuid4(),
                ticket_id=numbered.id,
                at=moment,
                actor=actor,
                action="opened",
                after=numbered.protocol,
                detail={
                    "interaction_id": str(stored.id),
                    "interaction_count": numbered.interaction_count,
                    "manual": True,
                },
            )
        ]
        if numbered.assignee is not None:
            how = "self" if agent_id is not None else "most_available"
            entries.append(
                assigning.assignment_entry(numbered, actor=actor, at=moment, how=how, detail={})
            )
        return entries

    def announce(numbered: Ticket) -> list[Event]:
        events.append(
            TicketOpenedV1(
                ticket=views.snapshot(numbered),
                actor=actor,
                interaction_id=stored.id,
                interaction_key=stored.interaction.key,
            )
        )
        agent = agents.get(numbered.assignee or "")
        if agent is not None and agent.id != agent_id:
            events.append(
                assigning.assigned_notice(numbered, agent, by=actor, opened=True, caused={})
            )
        return events

    try:
        ticket = await store.create_ticket(
            new,
            year=moment.year,
            interaction_id=stored.id,
            history=history,
            announce=announce,
            assign_among=candidates,
        )
    except InteractionTaken as exc:
        raise Refused("the interaction was put in a ticket meanwhile") from exc
    except ThreadAlreadyActive as exc:
        active = await store.active_ticket(new.thread_key)
        which = active.protocol if active else "another ticket"
        raise Refused(f"the conversation already has an active ticket ({which})") from exc
    await publish_and_mark(store, publisher, [OutgoingMessage.of(e) for e in events])
    return ticket
