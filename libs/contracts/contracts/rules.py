"""Rules (triggers) as the gateway submits them and the decisions they produce.

The condition and action blocks are closed models (``extra="forbid"``): a misspelt field in a
rule must be refused, not silently ignored, or the rule would match things its author never
meant. Issue #4 grows both blocks; every new field is optional so stored rules stay valid.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, EmailStr, Field, StringConstraints

from contracts.base import Contract
from contracts.interaction import Channel, Kind

Keyword = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Tag = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]

TICKET_STATUSES = ("new", "open", "pending", "on_hold", "resolved", "closed")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RuleConditions(_Strict):
    """Every listed condition must hold; inside one list, any entry is enough. Keywords are
    matched as whole words or phrases, ignoring case and accents."""

    channels: Annotated[list[Channel], Field(max_length=20)] = []
    kinds: Annotated[list[Kind], Field(max_length=10)] = []
    text_any: Annotated[list[Keyword], Field(max_length=500)] = []
    author_bio_any: Annotated[list[Keyword], Field(max_length=500)] = []


class OpenTicket(_Strict):
    status: Annotated[str, StringConstraints(pattern="^(new|open|pending|on_hold)$")] = "new"
    priority: Name | None = None
    level: Name | None = None


class RuleActions(_Strict):
    open_ticket: OpenTicket | None = None
    add_tags: Annotated[list[Tag], Field(max_length=50)] = []
    alert_emails: Annotated[list[EmailStr], Field(max_length=50)] = []


class RuleDefinition(_Strict):
    name: Name
    active: bool = True
    when: RuleConditions = RuleConditions()
    then: RuleActions


class RuleRead(RuleDefinition):
    id: UUID
    version: int
    created_at: AwareDatetime
    updated_at: AwareDatetime


class RulePage(Contract):
    items: list[RuleRead]
    total: int


class RuleMatch(Contract):
    """Which rule fired and why (the conditions and the words that satisfied them)."""

    rule_id: UUID
    rule_name: str
    reasons: list[str] = []


class TriageDecision(Contract):
    """What the rules decided for one interaction: the merged actions of every rule that fired,
    in rule order. An empty decision still reaches ticketing so the interaction is stored and
    threaded onto an existing ticket."""

    matched: list[RuleMatch] = []
    open_ticket: OpenTicket | None = None
    tags: list[str] = []
    alert_emails: list[str] = []
