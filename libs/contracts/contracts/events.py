"""Events published on the events exchange, one class per schema version."""

from __future__ import annotations

from typing import Any, ClassVar, Literal
from uuid import UUID

from pydantic import AwareDatetime, Field

from contracts.base import Contract, Event
from contracts.interaction import Interaction
from contracts.rules import RuleMatch, TriageDecision


class InteractionReceivedV1(Event):
    """The ingestor accepted a new (channel, external_id)."""

    routing_key: ClassVar[str] = "interaction.received.v1"
    v: Literal[1] = 1
    interaction: Interaction


class InteractionTriagedV1(Event):
    """The rules service evaluated an interaction; ticketing acts on the decision."""

    routing_key: ClassVar[str] = "interaction.triaged.v1"
    v: Literal[1] = 1
    interaction: Interaction
    decision: TriageDecision


class TicketSnapshot(Contract):
    """The ticket as it stands after the change an event announces."""

    id: UUID
    protocol: str
    title: str
    status: str
    priority: str
    level: str | None
    assignee: str | None
    tags: list[str]
    channel: str
    account: str
    interaction_count: int
    opened_at: AwareDatetime
    updated_at: AwareDatetime


class FieldChange(Contract):
    field: str
    before: Any = None
    after: Any = None


class TicketOpenedV1(Event):
    routing_key: ClassVar[str] = "ticket.opened.v1"
    v: Literal[1] = 1
    ticket: TicketSnapshot
    actor: str
    interaction_id: UUID | None = None
    interaction_key: str | None = Field(
        default=None, description="channel:external_id of the interaction that caused it."
    )
    matched: list[RuleMatch] = []


class TicketChangedV1(Event):
    routing_key: ClassVar[str] = "ticket.changed.v1"
    v: Literal[1] = 1
    ticket: TicketSnapshot
    actor: str
    changes: list[FieldChange]
    interaction_id: UUID | None = None
    interaction_key: str | None = Field(
        default=None, description="channel:external_id of the interaction that caused it."
    )
    matched: list[RuleMatch] = []


class NotificationRequestedV1(Event):
    """Someone must be told about a ticket. Ticketing decides *that* (a rule's alert action;
    later: assignment, escalation); the notifier decides *how* (template, language, sending
    once). Published in the same outbox write as the ticket change it is about."""

    routing_key: ClassVar[str] = "notification.requested.v1"
    v: Literal[1] = 1
    kind: Literal["rule_alert"]
    recipients: list[str]
    ticket: TicketSnapshot
    ticket_opened: bool = Field(description="The change that prompted it opened the ticket.")
    matched: list[RuleMatch] = []
    interaction_key: str | None = None


ALL_EVENTS: tuple[type[Event], ...] = (
    InteractionReceivedV1,
    InteractionTriagedV1,
    TicketOpenedV1,
    TicketChangedV1,
    NotificationRequestedV1,
)
