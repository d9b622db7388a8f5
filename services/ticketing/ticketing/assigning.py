"""Who a ticket goes to, and the notifications that tell them (DOMAIN.md F17, F32)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import uuid4

from contracts.base import Event
from contracts.events import NotificationRequestedV1
from contracts.people import AgentRead, LevelRead
from contracts.rules import TriageDecision
from contracts.tickets import HistoryEntry
from ticketing import directory, views
from ticketing.domain import assignment
from ticketing.domain.priority import PriorityScale
from ticketing.domain.tickets import Ticket
from ticketing.store.directory import DirectoryStore
from ticketing.store.port import TicketStore


@dataclass(frozen=True)
class Opening:
    """What the directory says about a ticket a rule opens: its level's settings, the agents
    it may go to (the most available of ``candidates``) and the agents by id, for notices."""

    level: LevelRead | None = None
    candidates: Sequence[str] = ()
    agents: dict[str, AgentRead] = field(default_factory=dict)


NOTHING = Opening()


async def plan_opening(store: DirectoryStore, decision: TriageDecision) -> Opening:
    """Read only when the rule names a level, team or assignee: most tickets open without
    touching the directory."""
    rule = decision.open_ticket
    if rule is None or (rule.level is None and rule.team is None and rule.assignee is None):
        return NOTHING
    level = await directory.level_settings(store, rule.level)
    agents = {a.id: a for a in await directory.agents(store)}
    candidates: list[str] = []
    if rule.assignee is None:
        if rule.team is not None:
            candidates = [a.id for a in agents.values() if a.active and rule.team in a.teams]
        elif rule.level is not None:
            candidates = [a.id for a in agents.values() if a.active and rule.level in a.levels]
    return Opening(level, candidates, agents)


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


def assignment_entry(
    ticket: Ticket, *, actor: str, at: datetime, how: str, detail: dict[str, Any]
) -> HistoryEntry:
    return HistoryEntry(
        id=uuid4(),
        ticket_id=ticket.id,
        at=at,
        actor=actor,
        action="changed",
        field="assignee",
        before=None,
        after=ticket.assignee,
        detail={**detail, "how": how},
    )


def reply_entries(
    ticket: Ticket, decision: TriageDecision, *, actor: str, at: datetime
) -> list[HistoryEntry]:
    """One entry per automatic reply a rule asked for; they wait on the ticket unsent."""
    return [
        HistoryEntry(
            id=uuid4(),
            ticket_id=ticket.id,
            at=at,
            actor=actor,
            action="auto_reply_pending",
            detail={"rule_id": str(reply.rule_id), "text": reply.text, "sent": False},
        )
        for reply in decision.auto_replies
    ]


async def level_candidates(
    store: TicketStore, ticket: Ticket, values: dict[str, Any]
) -> dict[str, AgentRead]:
    """The active agents of the level a ticket moves to when no assignee is named (they
    share the ticket "most available"); empty when it is not such a move."""
    level = values.get("level")
    if level is None or level == ticket.level or "assignee" in values:
        return {}
    return {a.id: a for a in await directory.members(store, level=level)}


async def notices(
    store: TicketStore,
    scale: PriorityScale,
    before: Ticket,
    after: Ticket,
    actor: str,
    caused: dict[str, Any],
) -> list[Event]:
    if after.assignee is None:
        return []
    if after.assignee == before.assignee and after.priority == before.priority:
        return []
    return notices_for(
        scale, before, after, await directory.agent(store, after.assignee), actor, caused
    )


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


async def pick_assignee(
    store: TicketStore,
    *,
    strategy: str,
    level: str | None,
    team: str | None,
) -> str:
    """An agent of the level or team, at random or the most available; ValueError when it
    has no active agent."""
    candidates = [a.id for a in await directory.members(store, level=level, team=team)]
    if not candidates:
        where = f"team {team!r}" if team is not None else f"level {level!r}"
        raise ValueError(f"the {where} has no active agent to assign the ticket to")
    if strategy == "random":
        chosen = assignment.pick_random(candidates)
    else:
        chosen = assignment.most_available(await store.open_ticket_counts(candidates), candidates)
    assert chosen is not None
    return chosen
