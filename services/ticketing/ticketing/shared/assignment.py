"""Who a ticket goes to (docs/domain.md F17): the agents a new or moved ticket may go to,
the pick among them, and the history entry that records it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import uuid4

from contracts.people import AgentRead, LevelRead
from contracts.rules import TriageDecision
from contracts.tickets import HistoryEntry
from ticketing.domain import assignment
from ticketing.domain.tickets import Ticket
from ticketing.shared import directory_reads
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
    level = await directory_reads.level_settings(store, rule.level)
    agents = {a.id: a for a in await directory_reads.agents(store)}
    candidates: list[str] = []
    if rule.assignee is None:
        if rule.team is not None:
            candidates = [a.id for a in agents.values() if a.active and rule.team in a.teams]
        elif rule.level is not None:
            candidates = [a.id for a in agents.values() if a.active and rule.level in a.levels]
    return Opening(level, candidates, agents)


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


async def level_candidates(
    store: DirectoryStore, ticket: Ticket, values: dict[str, Any]
) -> dict[str, AgentRead]:
    """The active agents of the level a ticket moves to when no assignee is named (they
    share the ticket "most available"); empty when it is not such a move."""
    level = values.get("level")
    if level is None or level == ticket.level or "assignee" in values:
        return {}
    return {a.id: a for a in await directory_reads.members(store, level=level)}


async def pick_assignee(
    store: TicketStore, *, strategy: str, level: str | None, team: str | None
) -> str:
    """An agent of the level or team, at random or the most available; ValueError when it
    has no active agent."""
    candidates = [a.id for a in await directory_reads.members(store, level=level, team=team)]
    if not candidates:
        where = f"team {team!r}" if team is not None else f"level {level!r}"
        raise ValueError(f"the {where} has no active agent to assign the ticket to")
    if strategy == "random":
        chosen = assignment.pick_random(candidates)
    else:
        chosen = assignment.most_available(await store.open_ticket_counts(candidates), candidates)
    assert chosen is not None
    return chosen
