"""The e-mails a change asks for about who holds a ticket (docs/domain.md F17, F32): the new
assignee is told, and so is the assignee of a ticket whose priority rises to the top."""

from __future__ import annotations

from typing import Any

from contracts.base import Event
from contracts.events import NotificationRequestedV1
from contracts.people import AgentRead
from ticketing.domain.priority import PriorityScale
from ticketing.domain.tickets import Ticket
from ticketing.shared import directory_reads, views
from ticketing.store.directory import DirectoryStore


def assigned_notice(
    ticket: Ticket, agent: AgentRead, *, by: str, opened: bool, caused: dict[str, Any]
) -> NotificationRequestedV1:
    return NotificationRequestedV1(
        **caused,
        kind="assigned",
        recipients=[agent.email],
        recipient_users={agent.email: agent.id},
        detail={"by": by},
        ticket=views.snapshot(ticket),
        ticket_opened=opened,
    )


def escalation_notices(
    before: Ticket,
    after: Ticket,
    agent: AgentRead | None,
    *,
    scale: PriorityScale,
    by: str,
    caused: dict[str, Any],
) -> list[NotificationRequestedV1]:
    """The assignee is told when the ticket's priority rises to the top of the scale."""
    top = scale.levels[0]
    if agent is None or after.priority != top or before.priority == top:
        return []
    return [
        NotificationRequestedV1(
            **caused,
            kind="escalated",
            recipients=[agent.email],
            recipient_users={agent.email: agent.id},
            detail={"by": by, "priority_before": before.priority},
            ticket=views.snapshot(after),
            ticket_opened=False,
        )
    ]


def notices_for(
    scale: PriorityScale,
    before: Ticket,
    after: Ticket,
    agent: AgentRead | None,
    actor: str,
    caused: dict[str, Any],
) -> list[Event]:
    """Assigned when the assignee changed, escalated when the priority rose to the top."""
    if agent is None:
        return []
    notices: list[Event] = []
    if after.assignee != before.assignee:
        notices.append(assigned_notice(after, agent, by=actor, opened=False, caused=caused))
    notices += escalation_notices(before, after, agent, scale=scale, by=actor, caused=caused)
    return notices


async def notices(
    store: DirectoryStore,
    scale: PriorityScale,
    before: Ticket,
    after: Ticket,
    actor: str,
    caused: dict[str, Any],
) -> list[Event]:
    """``notices_for`` the assignee of ``after``, read only when there is something to say."""
    if after.assignee is None:
        return []
    if after.assignee == before.assignee and after.priority == before.priority:
        return []
    agent = await directory_reads.agent(store, after.assignee)
    return notices_for(scale, before, after, agent, actor, caused)
