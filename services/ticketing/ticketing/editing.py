"""Agents' edits of a ticket's fields (status, priority, level, assignee, team, tags,
contact data, custom fields), each one write with its history and events."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from contracts.base import Event
from contracts.events import TicketChangedV1
from contracts.people import AgentRead
from contracts.tickets import HistoryEntry, TicketPatch
from servicekit.outbox import publish_and_mark
from servicekit.publishing import EventPublisher, OutgoingMessage
from ticketing import assigning, directory, views
from ticketing.domain import tickets
from ticketing.domain.priority import PriorityScale
from ticketing.history import change_entries
from ticketing.services import MAX_CONFLICT_RETRIES, TooMuchContention, _field_changes
from ticketing.store.port import StaleTicket, TicketStore


async def update_ticket(
    *,
    store: TicketStore,
    publisher: EventPublisher,
    scale: PriorityScale,
    ticket_id: UUID,
    patch: TicketPatch,
    actor: str,
    now: datetime | None = None,
) -> tickets.Ticket | None:
    """An agent's edit; None when there is no such ticket. Raises TransitionRefused and
    ValueError for refused edits. Moving the ticket to another level without naming an
    assignee gives it to the level's most available agent; the new assignee is notified,
    and so is the assignee of a ticket whose priority rises to the top of the scale."""
    values = patch.model_dump(exclude_unset=True)
    await directory.check_targets(
        store, agent=values.get("assignee"), level=values.get("level"), team=values.get("team")
    )
    for _ in range(MAX_CONFLICT_RETRIES):
        ticket = await store.get_ticket(ticket_id)
        if ticket is None:
            return None
        moment = now or datetime.now(UTC)
        candidates = await assigning.level_candidates(store, ticket, values)
        if candidates:
            try:
                return await _move_to_level(
                    store=store,
                    publisher=publisher,
                    scale=scale,
                    ticket=ticket,
                    values=values,
                    candidates=candidates,
                    actor=actor,
                    now=moment,
                )
            except StaleTicket:
                continue
        outcome = tickets.apply_patch(ticket, patch=values, scale=scale, now=moment)
        if not outcome.changes:
            return ticket
        changed = TicketChangedV1(
            ticket=views.snapshot(outcome.ticket),
            actor=actor,
            changes=_field_changes(outcome.changes),
        )
        events: list[Event] = [
            changed,
            *await assigning.notices(store, scale, ticket, outcome.ticket, actor, changed.caused()),
        ]
        try:
            updated = await store.update_ticket(
                outcome.ticket,
                expected_version=ticket.version,
                interaction_id=None,
                history=change_entries(ticket.id, actor, outcome.changes, moment),
                events=events,
            )
        except StaleTicket:
            continue
        await publish_and_mark(store, publisher, [OutgoingMessage.of(e) for e in events])
        return updated
    raise TooMuchContention(f"ticket {ticket_id} kept changing under us")


async def _move_to_level(
    *,
    store: TicketStore,
    publisher: EventPublisher,
    scale: PriorityScale,
    ticket: tickets.Ticket,
    values: dict[str, Any],
    candidates: dict[str, AgentRead],
    actor: str,
    now: datetime,
) -> tickets.Ticket:
    """A move to a level with no assignee named: the level's most available agent, chosen
    inside the write like a rule's opening, so simultaneous moves spread over idle agents."""
    events: list[Event] = []

    def finish(chosen: str) -> tuple[tickets.Ticket, list[HistoryEntry], list[Event]]:
        outcome = tickets.apply_patch(
            ticket, patch={**values, "assignee": chosen}, scale=scale, now=now
        )
        changed = TicketChangedV1(
            ticket=views.snapshot(outcome.ticket),
            actor=actor,
            changes=_field_changes(outcome.changes),
        )
        events[:] = [
            changed,
            *assigning.notices_for(
                scale, ticket, outcome.ticket, candidates[chosen], actor, changed.caused()
            ),
        ]
        return outcome.ticket, change_entries(ticket.id, actor, outcome.changes, now), events

    updated = await store.update_assigning(
        expected_version=ticket.version, assign_among=sorted(candidates), finish=finish
    )
    await publish_and_mark(store, publisher, [OutgoingMessage.of(e) for e in events])
    return updated
