"""An agent's edit of a ticket's fields (status, priority, level, assignee, team, tags,
contact data, custom fields) as one write with its history and events: the step the edit, the
assignment and the bulk change all end in."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from contracts.base import Event
from contracts.people import AgentRead
from contracts.rpc import Caller
from contracts.tickets import HistoryEntry, TicketPatch, TicketRead
from servicekit import rpc
from servicekit.publishing import EventPublisher
from ticketing.domain import tickets
from ticketing.domain.priority import PriorityScale
from ticketing.domain.status import TransitionRefused
from ticketing.shared import assignment, directory_reads, level_pins, notices, views
from ticketing.shared.access import actor_of
from ticketing.shared.changes import change_entries, ticket_changed
from ticketing.shared.writes import publish, retry_on_stale
from ticketing.store.port import TicketStore


async def edit_fields(
    *,
    store: TicketStore,
    publisher: EventPublisher,
    scale: PriorityScale,
    ticket_id: UUID,
    patch: TicketPatch,
    actor: str,
    now: datetime | None = None,
) -> tickets.Ticket | None:
    """None when there is no such ticket. Raises TransitionRefused and ValueError for refused
    edits (``level_pins.LevelGone`` for a level deleted meanwhile). Moving the ticket to
    another level without naming an assignee gives it to the level's most available agent;
    the new assignee is notified, and so is the assignee of a ticket whose priority rises to
    the top of the scale."""
    values = patch.model_dump(exclude_unset=True)
    await directory_reads.check_targets(
        store, agent=values.get("assignee"), level=values.get("level"), team=values.get("team")
    )

    async def attempt() -> tickets.Ticket | None:
        ticket = await store.get_ticket(ticket_id)
        if ticket is None:
            return None
        status = str(values.get("status") or ticket.status.value)
        # A move to a level (or a reopening on it) holds it until written: one deleted
        # meanwhile refuses the edit.
        hold = level_pins.to_hold(ticket, values.get("level", ticket.level), status)
        async with level_pins.holding(store, hold):
            return await write(ticket)

    async def write(ticket: tickets.Ticket) -> tickets.Ticket:
        moment = now or datetime.now(UTC)
        candidates = await assignment.level_candidates(store, ticket, values)
        if candidates:
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
        outcome = tickets.apply_patch(ticket, patch=values, scale=scale, now=moment)
        if not outcome.changes:
            return ticket
        changed = ticket_changed(outcome, actor)
        events: list[Event] = [
            changed,
            *await notices.notices(store, scale, ticket, outcome.ticket, actor, changed.caused()),
        ]
        updated = await store.update_ticket(
            outcome.ticket,
            expected_version=ticket.version,
            interaction_id=None,
            history=change_entries(ticket.id, actor, outcome.changes, moment),
            events=events,
        )
        await publish(store, publisher, events)
        return updated

    return await retry_on_stale(attempt, what=f"ticket {ticket_id}")


async def edit_for_caller(
    *,
    store: TicketStore,
    publisher: EventPublisher,
    scale: PriorityScale,
    ticket: tickets.Ticket,
    patch: TicketPatch,
    caller: Caller,
    now: datetime | None = None,
) -> TicketRead:
    """``edit_fields`` for a request: a refused status transition is a conflict (409), a value
    the ticket cannot take (an unknown agent, a priority off the scale) is invalid (422)."""
    try:
        edited = await edit_fields(
            store=store,
            publisher=publisher,
            scale=scale,
            ticket_id=ticket.id,
            patch=patch,
            actor=actor_of(caller),
            now=now,
        )
    except TransitionRefused as exc:
        raise rpc.Conflict(str(exc)) from exc
    except ValueError as exc:
        raise rpc.Invalid(str(exc)) from exc
    if edited is None:
        raise rpc.NotFound(f"no ticket {ticket.protocol}")
    return views.read(edited)


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
        changed = ticket_changed(outcome, actor)
        events[:] = [
            changed,
            *notices.notices_for(
                scale, ticket, outcome.ticket, candidates[chosen], actor, changed.caused()
            ),
        ]
        return outcome.ticket, change_entries(ticket.id, actor, outcome.changes, now), events

    updated = await store.update_assigning(
        expected_version=ticket.version, assign_among=sorted(candidates), finish=finish
    )
    await publish(store, publisher, events)
    return updated
