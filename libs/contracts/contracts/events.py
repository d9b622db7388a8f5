"""Events published on the events exchange, one class per schema version."""

from __future__ import annotations

from typing import Any, ClassVar, Literal
from uuid import UUID

from pydantic import AwareDatetime, Field

from contracts.accounts import AccountHealthChangedV1
from contracts.base import Contract, Event
from contracts.interaction import Interaction
from contracts.rules import RuleMatch, TriageDecision


class InteractionReceivedV1(Event):
    """The ingestor accepted a new (channel, external_id)."""

    routing_key: ClassVar[str] = "interaction.received.v1"
    v: Literal[1] = 1
    interaction: Interaction


class InteractionChangedV1(Event):
    """The network says an interaction the ingestor accepted was edited or removed, or that
    its status there changed (a Reclame Aqui complaint answered, evaluated, closed). Ticketing
    applies it to the stored interaction (a removed one is marked, never erased)."""

    routing_key: ClassVar[str] = "interaction.changed.v1"
    v: Literal[1] = 1
    key: str = Field(description="channel:external_id of the interaction that changed.")
    change: Literal["edited", "removed", "status"]
    text: str | None = Field(default=None, description="The new text of an edit.")
    status: str | None = Field(
        default=None,
        description="The network's new status of the interaction (change status), as the "
        "network names it (Reclame Aqui's ra_status).",
    )
    changed_at: AwareDatetime = Field(description="When the network says it changed.")
    actor: str = Field(description="Who changed it, as the history names them: the network.")


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


ALERT_TEXT_LENGTH = 2_000
"""How much of an interaction's text an alert carries: enough to read it in the mail."""


class AlertedInteraction(Contract):
    """The interaction an alert is about, as the mail shows it: the one whose rules asked for
    the alert, which need not be the ticket's first."""

    key: str = Field(description="channel:external_id")
    channel: str
    account: str
    kind: str
    author: str = Field(description="The author's name, with the handle when there is one.")
    text: str = Field(description=f"The text, cut to {ALERT_TEXT_LENGTH} characters.")
    occurred_at: AwareDatetime

    @classmethod
    def of(cls, interaction: Interaction) -> AlertedInteraction:
        author = interaction.author
        name = author.name or author.handle or author.id
        if author.handle and author.handle != name:
            name = f"{name} (@{author.handle.lstrip('@')})"
        text = interaction.text
        if len(text) > ALERT_TEXT_LENGTH:
            text = text[: ALERT_TEXT_LENGTH - 1] + "…"
        return cls(
            key=interaction.key,
            channel=interaction.channel.value,
            account=interaction.account,
            kind=interaction.kind.value,
            author=name,
            text=text,
            occurred_at=interaction.occurred_at,
        )


NotificationKind = Literal[
    "rule_alert",
    "assigned",
    "escalated",
    "opinion_received",
    "sla_warning",
    "reply_failed",
    "reply_rejected",
]
"""rule_alert: a rule's alert action fired; assigned: the ticket was assigned to the recipient;
escalated: the ticket's priority became the top of the scale; opinion_received: an outside
collaborator answered an opinion request on the ticket; sla_warning: one of the ticket's SLA
clocks turned red or ran out (``detail``: target, threshold ``red`` or ``breached``, due);
reply_failed: a reply on the ticket failed or may not have been sent (uncertain);
reply_rejected: an approver rejected the recipient's reply (``detail``: reason, excerpt,
approver); they may edit and resubmit it."""


class NotificationRequestedV1(Event):
    """Someone must be told about a ticket. Ticketing decides *that* (a rule's alert action,
    an assignment, an escalation, an opinion that arrived); the notifier decides *how*
    (template, language, the recipient's settings, sending once). Published in the same outbox
    write as the ticket change it is about."""

    routing_key: ClassVar[str] = "notification.requested.v1"
    v: Literal[1] = 1
    kind: NotificationKind
    recipients: list[str] = Field(description="E-mail addresses.")
    recipient_users: dict[str, str] = Field(
        default={},
        description="For recipients who are Socialdesk users: e-mail address -> user id, so "
        "the notifier can apply their notification settings and language.",
    )
    detail: dict[str, Any] = Field(
        default={},
        description="What the kind needs beyond the ticket: who assigned it, the opinion's "
        "excerpt, the priority before an escalation.",
    )
    ticket: TicketSnapshot
    ticket_opened: bool = Field(description="The change that prompted it opened the ticket.")
    matched: list[RuleMatch] = []
    interaction_key: str | None = None
    interaction: AlertedInteraction | None = Field(
        default=None,
        description="For rule_alert: the interaction that triggered the alert, shown in the mail.",
    )


class DigestItem(Contract):
    """One interaction listed in a digest e-mail."""

    interaction_key: str = Field(description="channel:external_id")
    channel: str
    account: str
    kind: str
    author: str
    text: str = Field(description="The text, shortened for a mail.")
    rating: int | None = None
    occurred_at: AwareDatetime


class DigestReadyV1(Event):
    """A digest rule's window closed: the interactions that matched in it, to be mailed once
    per window (``id`` is derived from the rule and the window, so a repeat is a duplicate)."""

    routing_key: ClassVar[str] = "digest.ready.v1"
    v: Literal[1] = 1
    rule_id: UUID
    rule_name: str
    window_start: AwareDatetime
    window_end: AwareDatetime
    recipients: list[str]
    items: list[DigestItem]
    total_matched: int = Field(description="Can exceed len(items) when the list was cut short.")


ALL_EVENTS: tuple[type[Event], ...] = (
    InteractionReceivedV1,
    InteractionChangedV1,
    InteractionTriagedV1,
    TicketOpenedV1,
    TicketChangedV1,
    NotificationRequestedV1,
    DigestReadyV1,
    AccountHealthChangedV1,
)
