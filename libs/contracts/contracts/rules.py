"""Rules (triggers) as the gateway submits them and the decisions they produce.

The condition and action blocks are closed models (``extra="forbid"``): a misspelt field in a
rule must be refused, not silently ignored, or the rule would match things its author never
meant. Every field added after the first version is optional so stored rules stay valid.
Refusals are worded for the person writing the rule, not for a programmer.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import (
    AfterValidator,
    AwareDatetime,
    EmailStr,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from contracts.base import Contract
from contracts.interaction import Channel, Direction, Interaction, Kind
from contracts.schedule import BusinessHours
from contracts.strict import Strict


def _not_empty(value: str) -> str:
    if not value:
        raise ValueError("this is empty: write something here, or leave the entry out")
    return value


Keyword = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=200), AfterValidator(_not_empty)
]
Tag = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=100), AfterValidator(_not_empty)
]
Name = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=200), AfterValidator(_not_empty)
]
Pattern = Annotated[str, StringConstraints(max_length=500), AfterValidator(_not_empty)]
Expression = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2_000)]
Template = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5_000)]

Sentiment = Literal["negative", "neutral", "positive"]
DigestEvery = Literal["hour", "day", "test_window"]

TICKET_STATUSES = ("new", "open", "pending", "on_hold", "resolved", "closed")


class _Strict(Strict):
    """Closed: an unknown field is refused, naming the field and what was probably meant."""


def _ordered(low: int | None, high: int | None, what: str) -> None:
    if low is not None and high is not None and low > high:
        raise ValueError(f"the lowest {what} ({low}) is above the highest ({high})")


class RuleConditions(_Strict):
    """Every listed condition must hold; inside one list, any entry is enough. Text is matched
    as whole words or phrases, ignoring case and accents. ``any_of`` holds when at least one of
    its groups holds, ``all_of`` when every group does, so groups nest into any logic."""

    channels: Annotated[list[Channel], Field(max_length=20)] = []
    kinds: Annotated[list[Kind], Field(max_length=10)] = []
    text_any: Annotated[list[Keyword], Field(max_length=500)] = []
    author_bio_any: Annotated[list[Keyword], Field(max_length=500)] = []
    text_all: Annotated[list[Keyword], Field(max_length=100)] = []
    text_expression: Expression | None = Field(
        default=None,
        description='Words combined with AND, OR, NOT and parentheses; "quoted phrases". '
        "NOT binds tighter than AND, AND tighter than OR.",
        examples=["anatel OR procon AND NOT elogio", '("não funciona" OR defeito) AND NOT teste'],
    )
    text_regex: Annotated[list[Pattern], Field(max_length=20)] = Field(
        default=[], description="Regular expressions (any of), on the accent-free lower-case text."
    )
    directions: Annotated[list[Direction], Field(max_length=2)] = []
    authors: Literal["anyone", "users", "brand"] = Field(
        default="anyone",
        description="'users': only what customers wrote, not the brand's own accounts.",
    )
    accounts: Annotated[list[Keyword], Field(max_length=200)] = []
    author_groups_any: Annotated[list[Keyword], Field(max_length=50)] = Field(
        default=[],
        description="The author's person is in one of these groups (VIP, press…), by hand or "
        "by a rule's author_groups; any case.",
    )
    link_contains: Annotated[list[Keyword], Field(max_length=50)] = []
    campaign: bool | None = Field(default=None, description="true: paid only; false: organic.")
    rating_min: Annotated[int, Field(ge=1, le=5)] | None = None
    rating_max: Annotated[int, Field(ge=1, le=5)] | None = None
    followers_min: Annotated[int, Field(ge=0)] | None = None
    followers_max: Annotated[int, Field(ge=0)] | None = None
    languages: Annotated[list[Keyword], Field(max_length=50)] = Field(
        default=[],
        description="Language codes such as pt or en; pt also covers pt-BR. When the "
        "interaction does not say its language, it is detected from its text.",
    )
    sentiments: Annotated[list[Sentiment], Field(max_length=3)] = Field(
        default=[],
        description="negative, neutral or positive; a review's rating decides, otherwise "
        "a pt-BR and English word list.",
    )
    business_hours: BusinessHours | None = Field(
        default=None, description="Inside or outside opening hours, at the interaction's time."
    )
    any_of: Annotated[list[RuleConditions], Field(max_length=50)] = []
    all_of: Annotated[list[RuleConditions], Field(max_length=50)] = []

    @field_validator("text_expression")
    @classmethod
    def _expression_not_blank(cls, value: str | None) -> str | None:
        if value is not None and not value:
            raise ValueError("the text expression is empty: write words to look for, or remove it")
        return value

    @field_validator("text_regex")
    @classmethod
    def _patterns_compile(cls, patterns: list[str]) -> list[str]:
        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(
                    f"the regular expression {pattern!r} is not valid ({exc.msg}"
                    f"{'' if exc.pos is None else f' at character {exc.pos + 1}'})"
                ) from None
        return patterns

    @field_validator("any_of", "all_of")
    @classmethod
    def _groups_not_empty(cls, groups: list[RuleConditions]) -> list[RuleConditions]:
        if any(group.is_empty() for group in groups):
            raise ValueError("a condition group is empty: give it at least one condition")
        return groups

    @model_validator(mode="after")
    def _ranges_ordered(self) -> RuleConditions:
        _ordered(self.rating_min, self.rating_max, "rating")
        _ordered(self.followers_min, self.followers_max, "follower count")
        return self

    def is_empty(self) -> bool:
        return self == RuleConditions()


class OpenTicket(_Strict):
    status: Annotated[str, StringConstraints(pattern="^(new|open|pending|on_hold)$")] = "new"
    priority: Name | None = None
    level: Name | None = None
    assignee: Name | None = None
    team: Name | None = None
    title_template: Template | None = Field(
        default=None,
        description="The ticket's title; $author_name, $author_handle, $channel, $account, "
        "$kind and $text are replaced.",
    )


class AutoReply(_Strict):
    template: Template = Field(description="Same placeholders as a ticket title template.")


class Digest(_Strict):
    """List the matching interactions in one e-mail per window (the rule's other actions
    still apply to each). An interaction belongs to the window in which it was triaged;
    windows are aligned to the clock in UTC: every hour on the hour, every day at 00:00 UTC.
    A window in which nothing matched sends nothing.
    ``test_window`` is for tests only: its length is the rules service's
    ``RULES_DIGEST_TEST_WINDOW_SECONDS``, and a rule using it is refused where that is unset."""

    every: DigestEvery
    emails: Annotated[list[EmailStr], Field(min_length=1, max_length=50)]


class RuleActions(_Strict):
    open_ticket: OpenTicket | None = None
    add_tags: Annotated[list[Tag], Field(max_length=50)] = []
    alert_emails: Annotated[list[EmailStr], Field(max_length=50)] = []
    set_priority: Name | None = None
    interaction_tags: Annotated[list[Tag], Field(max_length=50)] = []
    share_emails: Annotated[list[EmailStr], Field(max_length=50)] = Field(
        default=[], description="Share the ticket by e-mail as an opinion request."
    )
    auto_reply: AutoReply | None = None
    author_groups: Annotated[list[Tag], Field(max_length=20)] = []
    track_engagement: bool = False
    digest: Digest | None = Field(
        default=None, description="List matching interactions in an hourly or daily e-mail."
    )


class RuleDefinition(_Strict):
    name: Name
    active: bool = True
    when: RuleConditions = RuleConditions()
    then: RuleActions
    order: int = Field(
        default=0, description="Lower runs first; rules with the same order run oldest first."
    )
    stop_processing: bool = Field(
        default=False, description="When this rule fires, the rules after it are not evaluated."
    )
    starts_at: AwareDatetime | None = None
    ends_at: AwareDatetime | None = None

    @model_validator(mode="after")
    def _dates_ordered(self) -> RuleDefinition:
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValueError("the rule ends before it starts: its end date must be after its start")
        return self

    def in_effect(self, at: datetime) -> bool:
        """Active and inside its dates (a rule acts only inside them)."""
        return (
            self.active
            and (self.starts_at is None or self.starts_at <= at)
            and (self.ends_at is None or at < self.ends_at)
        )


class RuleRead(RuleDefinition):
    id: UUID
    version: int
    created_at: AwareDatetime
    updated_at: AwareDatetime


class RulePage(Contract):
    items: list[RuleRead]
    total: int


class RuleChange(Contract):
    """One entry of a rule's audit trail: who changed it, when, and what it was before/after."""

    rule_id: UUID
    version: int
    action: Literal["created", "replaced", "deleted"]
    actor: str
    at: AwareDatetime
    before: RuleDefinition | None = None
    after: RuleDefinition | None = None


class RuleHistory(Contract):
    items: list[RuleChange]


class RuleMatch(Contract):
    """Which rule fired and why (the conditions and the words that satisfied them)."""

    rule_id: UUID
    rule_name: str
    reasons: list[str] = []


class PendingReply(Contract):
    """An automatic reply a rule asked for. Until the outbound path exists ticketing records it
    on the ticket as pending; it is never reported as sent."""

    rule_id: UUID
    text: str


class TriageDecision(Contract):
    """What the rules decided for one interaction: the merged actions of every rule that fired,
    in rule order (``order``, then age). Precedence: the first rule that opens a ticket sets
    its status, priority, level, assignee, team and title; the first ``set_priority`` wins and
    overrides the opening priority; tags, interaction tags, addresses and groups accumulate
    without repeats; every auto reply is kept; a rule with ``stop_processing`` ends the
    evaluation. An empty decision still reaches ticketing so the interaction is stored and
    threaded onto an existing ticket."""

    matched: list[RuleMatch] = []
    open_ticket: OpenTicket | None = None
    tags: list[str] = []
    alert_emails: list[str] = []
    ticket_title: str | None = None
    set_priority: str | None = None
    interaction_tags: list[str] = []
    share_emails: list[str] = []
    auto_replies: list[PendingReply] = []
    author_groups: list[str] = []
    track_engagement: bool = False
    digest_rules: list[UUID] = Field(
        default=[], description="Rules whose next digest e-mail lists this interaction."
    )


class RuleTest(_Strict):
    """A dry run: a draft rule against one interaction. Nothing is stored or done."""

    rule: RuleDefinition
    interaction: Interaction


class RuleTestResult(Contract):
    matched: bool
    reasons: list[str] = []
    decision: TriageDecision
