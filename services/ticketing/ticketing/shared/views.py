"""Domain objects to the contract shapes the outside world sees."""

from __future__ import annotations

from contracts.events import TicketSnapshot
from contracts.interaction import Channel
from contracts.tickets import StoredInteraction, TicketDetail, TicketRead
from ticketing.domain.tickets import Ticket


def snapshot(ticket: Ticket) -> TicketSnapshot:
    return TicketSnapshot(
        id=ticket.id,
        protocol=ticket.protocol,
        title=ticket.title,
        status=ticket.status.value,
        priority=ticket.priority,
        level=ticket.level,
        assignee=ticket.assignee,
        tags=list(ticket.tags),
        channel=ticket.channel,
        account=ticket.account,
        interaction_count=ticket.interaction_count,
        opened_at=ticket.opened_at,
        updated_at=ticket.updated_at,
    )


def read(ticket: Ticket) -> TicketRead:
    return TicketRead(
        id=ticket.id,
        protocol=ticket.protocol,
        title=ticket.title,
        status=ticket.status.value,
        priority=ticket.priority,
        level=ticket.level,
        assignee=ticket.assignee,
        tags=list(ticket.tags),
        channel=Channel(ticket.channel),
        account=ticket.account,
        thread_key=ticket.thread_key,
        opened_by=ticket.opened_by,
        previous_ticket_id=ticket.previous_ticket_id,
        interaction_count=ticket.interaction_count,
        change_count=ticket.change_count,
        opened_at=ticket.opened_at,
        updated_at=ticket.updated_at,
        team=ticket.team,
        custom_fields=dict(ticket.custom_fields),
        contact=dict(ticket.contact),
        parent_ticket_id=ticket.parent_id,
        merged_into=ticket.merged_into,
        removed=ticket.removed,
        kind=ticket.kind,
        scope=ticket.scope,
        direction=ticket.direction,
    )


def detail(
    ticket: Ticket, interactions: list[StoredInteraction], children: list[Ticket] | None = None
) -> TicketDetail:
    return TicketDetail(
        **read(ticket).model_dump(),
        interactions=interactions,
        children=[read(c) for c in children or []],
    )
