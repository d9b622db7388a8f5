"""Backtest: what a rule would have done to the interactions of a date range, without doing
it (docs/domain.md F26). The rules service keeps a log of what it triaged for this."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from pydantic import AwareDatetime, ConfigDict, Field, model_validator

from contracts.base import Contract
from contracts.rules import RuleDefinition, TriageDecision
from contracts.strict import Strict


class RuleBacktest(Strict):
    """The range is on the interactions' ``occurred_at``: ``from`` included, ``to`` excluded.
    Without ``rule`` the stored rule is tried; with it, a draft (say, its next version).
    Like the dry run, the active flag and the rule's dates are ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    since: AwareDatetime = Field(alias="from")
    to: AwareDatetime
    limit: Annotated[int, Field(ge=1, le=1_000)] = Field(
        default=100, description="At most this many matches are listed; totals count all."
    )
    rule: RuleDefinition | None = None

    @model_validator(mode="after")
    def _range_ordered(self) -> RuleBacktest:
        if self.to <= self.since:
            raise ValueError("the date range ends before it starts: 'to' must be after 'from'")
        return self


class BacktestMatch(Contract):
    interaction_key: str = Field(description="channel:external_id")
    occurred_at: AwareDatetime
    received_at: AwareDatetime
    text: str = Field(description="The text, shortened.")
    reasons: list[str]
    decision: TriageDecision = Field(description="What the rule alone would have decided.")


class RuleBacktestResult(Contract):
    rule_id: UUID
    rule_name: str
    evaluated: int = Field(description="Interactions of the range that were evaluated.")
    matched: int = Field(description="How many of them the rule matched.")
    matches: list[BacktestMatch] = Field(description="The first matches, oldest first.")
    complete: bool = Field(
        description="False when the range held more interactions than one backtest evaluates; "
        "narrow the range to see the rest."
    )
