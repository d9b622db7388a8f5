"""Agents, teams and levels as the gateway submits them and ticketing keeps them (docs/domain.md
F14, F17). Who belongs where is kept on the agent (its ``levels`` and ``teams``); a level's or
team's member list is read from the agents, so the two can never disagree."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, StringConstraints

from contracts.base import Contract
from contracts.revisions import SentRevision, ShownRevision
from contracts.sla import SlaPolicy

Key = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][\w.@-]*$"
    ),
]
"""An agent id, level or team name: letters, digits, ``. _ - @``; it appears in URLs and on
tickets (``assignee``, ``level``, ``team``)."""
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Language = Literal["pt-BR", "en"]

AGENT_EXAMPLE: dict[str, Any] = {
    "id": "ana",
    "name": "Ana Lima",
    "email": "ana@example.com",
    "language": "pt-BR",
    "active": True,
    "levels": ["basic", "legal"],
    "teams": ["night-shift"],
}
LEVEL_EXAMPLE: dict[str, Any] = {
    "name": "legal",
    "responsible": "ana",
    "active": True,
    "accounts": ["acme-page"],
    "default_priority": "high",
    "auto_close_after_hours": 72,
    "moderation_required": False,
    "opened_at_from_interaction": True,
}


class _Closed(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AgentCreate(_Closed):
    model_config = ConfigDict(
        extra="forbid", frozen=True, json_schema_extra={"examples": [AGENT_EXAMPLE]}
    )

    id: Key
    name: Name
    email: EmailStr
    language: Language = "pt-BR"
    active: bool = True
    levels: Annotated[list[Key], Field(max_length=100)] = []
    teams: Annotated[list[Key], Field(max_length=100)] = []
    admin: bool = Field(
        default=False,
        description="An administrator: signed in to the console, or with a token issued while "
        "this is true, they may do what the admin token does. Only an administrator sets it.",
    )


class AgentUpdate(AgentCreate):
    """A replacement (``PUT``): the record as its read answered it may be sent back with its
    ``revision``, which then works as ``If-Match`` does."""

    revision: SentRevision = None


class AgentRead(Contract):
    id: str
    name: str
    email: str = Field(
        default="",
        description="Shown to administrators and to the agent themselves; empty for other agents.",
    )
    language: Language
    active: bool
    levels: list[str]
    teams: list[str]
    admin: bool = False
    revision: ShownRevision = 0


class TeamCreate(_Closed):
    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        json_schema_extra={"examples": [{"name": "night-shift", "description": "22h-6h"}]},
    )

    name: Key
    description: Annotated[str, StringConstraints(max_length=1_000)] = ""
    active: bool = True


class TeamUpdate(TeamCreate):
    """A replacement (``PUT``): the record as its read answered it may be sent back with its
    ``revision``, which then works as ``If-Match`` does."""

    revision: SentRevision = None


class TeamRead(Contract):
    name: str
    description: str
    active: bool
    agents: list[str] = Field(description="Ids of the agents in the team.")
    revision: ShownRevision = 0


class OutOfHoursReply(_Closed):
    """The message per language; the customer's language is not known, so the level's
    ``language`` one is sent."""

    language: Language = "pt-BR"
    texts: dict[
        Language,
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2_000)],
    ] = Field(min_length=1, description="The message in pt-BR and/or en.")


class LevelCreate(_Closed):
    model_config = ConfigDict(
        extra="forbid", frozen=True, json_schema_extra={"examples": [LEVEL_EXAMPLE]}
    )

    name: Key
    responsible: Key | None = Field(default=None, description="The agent answerable for it.")
    active: bool = True
    accounts: Annotated[list[Name], Field(max_length=500)] = Field(
        default=[], description="The brand accounts whose interactions this level serves."
    )
    default_priority: Name | None = Field(
        default=None, description="Priority of tickets opened in this level when no rule sets one."
    )
    auto_close_after_hours: Annotated[float, Field(gt=0, le=24 * 365)] | None = Field(
        default=None, description="Close tickets with no activity for this long."
    )
    moderation_required: bool = Field(
        default=False,
        description="Agents' replies wait for an approver (`approvers`, or an admin) before "
        "they are sent.",
    )
    approvers: Annotated[list[Key], Field(max_length=100)] = Field(
        default=[],
        description="Agents who approve the level's replies (GET /v1/approvals); admins "
        "always can.",
    )
    out_of_hours_reply: OutOfHoursReply | None = Field(
        default=None,
        description="Sent automatically to a customer message that arrives outside the "
        "level's calendar's business hours (once per conversation within the automatic "
        "replies' cooldown).",
    )
    opened_at_from_interaction: bool = Field(
        default=False,
        description="A ticket's opened_at is the date of the interaction that opened it, not "
        "the moment it was stored.",
    )
    calendar: Key | None = Field(
        default=None,
        description="The calendar (GET /v1/calendars) whose business hours the level works "
        "in; none means always open.",
    )
    sla: SlaPolicy | None = Field(
        default=None,
        description="Response and resolution targets in the level's business time (stored and "
        "checked; the tickets' clocks come next, issue 12).",
    )


class LevelUpdate(LevelCreate):
    """A replacement (``PUT``): the record as its read answered it may be sent back with its
    ``revision``, which then works as ``If-Match`` does."""

    revision: SentRevision = None


class LevelRead(Contract):
    name: str
    responsible: str | None
    active: bool
    accounts: list[str]
    default_priority: str | None
    auto_close_after_hours: float | None
    moderation_required: bool
    approvers: list[str] = []
    out_of_hours_reply: OutOfHoursReply | None = None
    opened_at_from_interaction: bool
    calendar: str | None = None
    sla: SlaPolicy | None = None
    agents: list[str] = Field(description="Ids of the agents who work this level.")
    revision: ShownRevision = 0
