"""An agent or administrator assigns a ticket (docs/domain.md F17): to a named agent, or to
one of a level's or team's active agents, at random or the most available."""

from __future__ import annotations

from datetime import datetime

from contracts.rpc import Caller
from contracts.tickets import TicketAssign, TicketPatch, TicketRead
from servicekit import rpc
from servicekit.publishing import EventPublisher
from ticketing.domain.priority import PriorityScale
from ticketing.shared.access import find_ticket
from ticketing.shared.assignment import pick_assignee
from ticketing.shared.field_edits import edit_for_caller
from ticketing.store.port import TicketStore


async def assign_ticket(
    *,
    store: TicketStore,
    publisher: EventPublisher,
    scale: PriorityScale,
    ref: str,
    how: TicketAssign,
    caller: Caller,
    now: datetime | None = None,
) -> TicketRead:
    """Without a level or team the ticket's own level is picked from; a level or team with
    no active agent is a conflict (409)."""
    ticket = await find_ticket(store, ref, caller)
    agent = how.agent
    if agent is None:
        level = how.level or (ticket.level if how.team is None else None)
        if level is None and how.team is None:
            raise rpc.Invalid("the ticket has no level: name a level or a team to pick from")
        try:
            agent = await pick_assignee(
                store, strategy=how.strategy or "", level=level, team=how.team
            )
        except ValueError as exc:
            raise rpc.Conflict(str(exc)) from exc
    return await edit_for_caller(
        store=store,
        publisher=publisher,
        scale=scale,
        ticket=ticket,
        patch=TicketPatch(assignee=agent),
        caller=caller,
        now=now,
    )
