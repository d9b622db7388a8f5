"""A ticket and the changes it goes through. Every function returns the new ticket and the
list of field changes, which become history entries and the ``ticket.changed`` event."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from contracts.interaction import Direction, Interaction
from contracts.people import LevelRead
from contracts.rules import TriageDecision
from ticketing.domain.priority import PriorityScale
from ticketing.domain.sla import Track, answered, counts_as_response, noticed
from ticketing.domain.status import Status, after_inbound, check_transition, is_active
from ticketing.domain.threading import thread_key

TITLE_TEXT_LENGTH = 80


@dataclass(frozen=True)
class Ticket:
    id: UUID
    title: str
    status: Status
    priority: str
    level: str | None
    assignee: str | None
    tags: tuple[str, ...]
    channel: str
    account: str
    thread_key: str
    opened_by: str
    opened_at: datetime
    updated_at: datetime
    protocol: str = ""
    previous_ticket_id: UUID | None = None
    interaction_count: int = 0
    change_count: int = 0
    version: int = 0
    team: str | None = None
    custom_fields: Mapping[str, Any] = field(default_factory=dict)
    contact: Mapping[str, str] = field(default_factory=dict)
    parent_id: UUID | None = None
    merged_into: UUID | None = None
    removed: bool = False
    sla: Track = field(default_factory=Track)
    """Its SLA clocks' facts and last reading (``domain.sla``)."""

    def __post_init__(self) -> None:
        # Every version of a ticket (each change makes one with ``dataclasses.replace``) has
        # an SLA track that follows its status, level and priority, whichever change made it.
        track = noticed(
            self.sla,
            status=self.status.value,
            level=self.level,
            priority=self.priority,
            opened_at=self.opened_at,
            at=self.updated_at,
        )
        if track is not self.sla:
            object.__setattr__(self, "sla", track)

    kind: str | None = None
    """Kind, scope (public or private) and direction of the interaction that opened it, which
    the desk filters on (F33); none on a sub-ticket of its own making."""
    scope: str | None = None
    direction: str | None = None

    @property
    def active(self) -> bool:
        return is_active(self.status)


@dataclass(frozen=True)
class Change:
    field: str
    before: Any
    after: Any


@dataclass(frozen=True)
class Outcome:
    ticket: Ticket
    changes: list[Change] = field(default_factory=list)


def title_for(interaction: Interaction) -> str:
    who = interaction.author.name or interaction.author.handle or interaction.author.id
    text = " ".join(interaction.text.split())
    if len(text) > TITLE_TEXT_LENGTH:
        text = text[: TITLE_TEXT_LENGTH - 1] + "…"
    return f"{interaction.kind.value.replace('_', ' ')} from {who}" + (f": {text}" if text else "")


def merge_tags(current: tuple[str, ...], extra: list[str]) -> tuple[str, ...]:
    """Tags keep their first spelling and order; comparison ignores case."""
    seen = {t.casefold() for t in current}
    merged = list(current)
    for tag in extra:
        if tag.casefold() not in seen:
            seen.add(tag.casefold())
            merged.append(tag)
    return tuple(merged)


def open_ticket(
    *,
    interaction: Interaction,
    decision: TriageDecision,
    scale: PriorityScale,
    now: datetime,
    previous: Ticket | None = None,
    level_settings: LevelRead | None = None,
) -> Ticket:
    """A new ticket for the interaction's conversation. A rule's decision sets status,
    priority, level, assignee, team and title; a follow-up on a closed ticket inherits the
    closed ticket's level and priority instead. Without a priority from a rule the level's
    default applies; a rule's ``set_priority`` overrides every other priority. The level can
    ask for the interaction's date as ``opened_at``."""
    rule = decision.open_ticket
    priority = scale.default
    status: Status = Status.NEW
    level: str | None = None
    assignee: str | None = None
    team: str | None = None
    if rule is not None:
        status = Status(rule.status)
        level, assignee, team = rule.level, rule.assignee, rule.team
        if rule.priority is not None and rule.priority in scale:
            priority = rule.priority
        elif level_settings is not None and level_settings.default_priority is not None:
            default = level_settings.default_priority
            priority = default if default in scale else priority
    elif previous is not None:
        priority, level, team = previous.priority, previous.level, previous.team
    if decision.set_priority is not None and decision.set_priority in scale:
        priority = decision.set_priority
    opened_at = now
    if level_settings is not None and level_settings.opened_at_from_interaction:
        opened_at = interaction.occurred_at
    opened_by = f"rule:{decision.matched[0].rule_id}" if decision.matched else "system"
    return Ticket(
        id=uuid4(),
        title=decision.ticket_title or title_for(interaction),
        status=status,
        priority=priority,
        level=level,
        assignee=assignee,
        team=team,
        tags=merge_tags((), decision.tags),
        channel=interaction.channel.value,
        account=interaction.account,
        thread_key=thread_key(interaction),
        opened_by=opened_by,
        opened_at=opened_at,
        updated_at=now,
        previous_ticket_id=previous.id if previous else None,
        interaction_count=1,
        kind=interaction.kind.value,
        scope=interaction.visibility.value,
        direction=interaction.direction.value,
    )


def add_interaction(
    ticket: Ticket,
    *,
    interaction: Interaction,
    decision: TriageDecision,
    now: datetime,
    scale: PriorityScale | None = None,
) -> Outcome:
    """A follow-up in the conversation: counted, the rules' decision applied
    (``apply_decision``), and an inbound one reopens a pending or resolved ticket."""
    changes = [Change("interaction_count", ticket.interaction_count, ticket.interaction_count + 1)]
    status = ticket.status
    if interaction.direction is Direction.INBOUND:
        status = after_inbound(ticket.status)
        if status != ticket.status:
            changes.append(Change("status", ticket.status.value, status.value))
    counted = dataclasses.replace(
        ticket,
        status=status,
        sla=answered(
            ticket.sla,
            inbound=interaction.direction is Direction.INBOUND,
            responds=counts_as_response(interaction),
            at=max(interaction.occurred_at, ticket.opened_at),
        ),
        interaction_count=ticket.interaction_count + 1,
        change_count=ticket.change_count + len(changes) - 1,
        updated_at=now,
    )
    decided = apply_decision(counted, decision, now=now, scale=scale)
    return Outcome(decided.ticket, changes + decided.changes)


def apply_decision(
    ticket: Ticket, decision: TriageDecision, *, now: datetime, scale: PriorityScale | None = None
) -> Outcome:
    """What the rules decided for one more interaction of the ticket's conversation: the
    tags of matching rules added, a ``set_priority`` on the scale applied. (Opening fields
    only matter to the interaction that opens the ticket; automatic replies are recorded in
    the history, not on the ticket.)"""
    changes = []
    tags = merge_tags(ticket.tags, decision.tags)
    if tags != ticket.tags:
        changes.append(Change("tags", list(ticket.tags), list(tags)))
    priority = ticket.priority
    wanted = decision.set_priority
    if wanted is not None and wanted != priority and (scale is None or wanted in scale):
        priority = wanted
        changes.append(Change("priority", ticket.priority, priority))
    if not changes:
        return Outcome(ticket)
    updated = dataclasses.replace(
        ticket,
        tags=tags,
        priority=priority,
        change_count=ticket.change_count + len(changes),
        updated_at=now,
    )
    return Outcome(updated, changes)


def apply_patch(
    ticket: Ticket, *, patch: dict[str, Any], scale: PriorityScale, now: datetime
) -> Outcome:
    """An agent's edit. Raises TransitionRefused or ValueError for edits that are not allowed."""
    values: dict[str, Any] = {}
    if "status" in patch and patch["status"] is not None:
        target = Status(patch["status"])
        check_transition(ticket.status, target)
        values["status"] = target
    if "priority" in patch and patch["priority"] is not None:
        values["priority"] = scale.require(patch["priority"])
    if "level" in patch:
        values["level"] = patch["level"]
    if "assignee" in patch:
        values["assignee"] = patch["assignee"]
    if "team" in patch:
        values["team"] = patch["team"]
    if patch.get("custom_fields") is not None:
        values["custom_fields"] = _without_nulls({**ticket.custom_fields, **patch["custom_fields"]})
    if patch.get("contact") is not None:
        values["contact"] = _without_nulls({**ticket.contact, **patch["contact"]})
    if "tags" in patch and patch["tags"] is not None:
        values["tags"] = merge_tags((), patch["tags"])
    changes = []
    for name, after in values.items():
        before = getattr(ticket, name)
        if before != after:
            changes.append(Change(name, _plain(before), _plain(after)))
    if not changes:
        return Outcome(ticket)
    updated = dataclasses.replace(
        ticket, **values, change_count=ticket.change_count + len(changes), updated_at=now
    )
    return Outcome(updated, changes)


def _without_nulls(values: Mapping[str, Any]) -> dict[str, Any]:
    """Merged field maps: a null value removes the field."""
    return {k: v for k, v in values.items() if v is not None}


def _plain(value: Any) -> Any:
    if isinstance(value, Status):
        return value.value
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, Mapping):
        return dict(value)
    return value
