"""A ticket an agent opens by hand from a stored interaction ("quick ticket", docs/domain.md
F10); the conversation's other interactions without a ticket join it."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from uuid import uuid4

from contracts.base import Event
from contracts.events import TicketOpenedV1
from contracts.rpc import Caller
from contracts.rules import OpenTicket, TriageDecision
from contracts.tickets import HistoryEntry, TicketCreate, TicketRead
from servicekit import rpc
from servicekit.publishing import EventPublisher
from ticketing.domain import tickets
from ticketing.domain.priority import PriorityScale
from ticketing.domain.replies import DEFAULT_AUTO_REPLY_COOLDOWN
from ticketing.domain.tickets import Ticket
from ticketing.shared import directory_reads, level_pins, notices, views
from ticketing.shared.access import (
    actor_of,
    require_active,
    require_interaction_visible,
    require_level,
    visibility,
)
from ticketing.shared.assignment import assignment_entry
from ticketing.shared.auto_replies import send_owed
from ticketing.shared.collected import CollectedDecisions
from ticketing.shared.writes import publish
from ticketing.store.port import InteractionTaken, ThreadAlreadyActive, TicketStore


async def open_manually(
    *,
    store: TicketStore,
    publisher: EventPublisher,
    scale: PriorityScale,
    request: TicketCreate,
    caller: Caller,
    now: datetime | None = None,
    auto_reply_cooldown: timedelta = DEFAULT_AUTO_REPLY_COOLDOWN,
) -> TicketRead:
    """``assign_to_me``: the ticket is the calling agent's; otherwise, with a level, the
    level's most available agent's. 404 for an unknown interaction, 403 for an interaction
    the agent cannot see or a level they are not in, 409 when it or its conversation already
    has a ticket (named only when the caller may see it), 422 for a priority or level that
    does not exist."""
    await require_active(store, caller)
    if request.assign_to_me and caller.role != "agent":
        raise rpc.Invalid(
            "assign_to_me needs an agent's token: administrators hold no tickets",
            loc=["assign_to_me"],
        )
    agent_id = caller.id if request.assign_to_me else None
    actor = actor_of(caller)
    stored = await store.get_interaction(request.interaction_id)
    if stored is None:
        raise rpc.NotFound(f"no stored interaction {request.interaction_id}")
    await require_interaction_visible(store, caller, stored)
    await require_level(store, caller, request.level)
    if stored.ticket_id is not None:
        raise rpc.Conflict(f"the interaction is already in ticket {stored.ticket_id}")
    if request.priority is not None:
        try:
            scale.require(request.priority)
        except ValueError as exc:
            raise rpc.Invalid(str(exc), loc=["priority"]) from exc
    moment = now or datetime.now(UTC)
    level = await directory_reads.level_settings(store, request.level)
    if request.level is not None and level is None:
        raise rpc.Invalid(f"there is no level {request.level!r}", loc=["level"])
    decision = TriageDecision(
        open_ticket=OpenTicket(
            status=request.status, priority=request.priority, level=request.level
        )
    )
    try:
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
    except ValueError as exc:
        raise rpc.Invalid(str(exc)) from exc
    agents = {a.id: a for a in await directory_reads.agents(store)}
    candidates: list[str] = []
    if agent_id is None and request.level is not None:
        candidates = [a.id for a in agents.values() if a.active and request.level in a.levels]
    events: list[Event] = []
    # The rules' decisions kept with the interactions the ticket collects (this one too).
    collected = CollectedDecisions(
        opener=stored,
        scale=scale,
        now=moment,
        caused={},
        by_rules=False,
        from_first_message=level is not None and level.opened_at_from_interaction,
    )

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
                    **({"collected": collected.detail()} if collected.decided else {}),
                },
            )
        ]
        if numbered.assignee is not None:
            how = "self" if agent_id is not None else "most_available"
            entries.append(assignment_entry(numbered, actor=actor, at=moment, how=how, detail={}))
        return [*entries, *collected.history(numbered)]

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
                notices.assigned_notice(numbered, agent, by=actor, opened=True, caused={})
            )
        events.extend(collected.events(numbered))
        return events

    try:
        async with level_pins.holding(store, request.level):
            ticket = await store.create_ticket(
                new,
                year=moment.year,
                interaction_id=stored.id,
                history=history,
                announce=announce,
                assign_among=candidates,
                apply_collected=collected.apply,
            )
    except level_pins.LevelGone as exc:
        raise rpc.Invalid(str(exc), loc=["level"]) from exc
    except InteractionTaken as exc:
        raise rpc.Conflict("the interaction was put in a ticket meanwhile") from exc
    except ThreadAlreadyActive as exc:
        active = await store.active_ticket(new.thread_key)
        seen = await visibility(store, caller)
        # Another level's ticket is not named: its protocol would open it to guessing.
        shown = active is not None and (seen is None or seen.sees(active))
        which = active.protocol if active is not None and shown else "another ticket"
        raise rpc.Conflict(f"the conversation already has an active ticket ({which})") from exc
    await publish(store, publisher, events)
    # The automatic replies the collected interactions' rules asked for (issue 11).
    await send_owed(
        store=store,
        publisher=publisher,
        owed=collected.owed_replies(),
        cooldown=auto_reply_cooldown,
        now=moment,
    )
    return views.read(ticket)
