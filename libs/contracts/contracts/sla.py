"""A level's SLA policy as it travels (docs/domain.md F14–F16, issue 12): how long, in the
level's business time, the desk has for the first response, the next response after a
customer's new message, and the resolution; which statuses stop the clock while the desk waits
for someone else; and where the colour bands change. The clocks are worked out by ticketing
(``ticketing.domain.sla``) over ``servicekit.business_time``."""

from __future__ import annotations

from typing import Annotated, Literal, Self

from pydantic import Field, model_validator

from contracts.strict import Strict

PausingStatus = Literal["new", "open", "pending", "on_hold"]
Unit = Literal["minutes", "hours", "days"]


class SlaTarget(Strict):
    """An amount of the level's business time (``30`` ``minutes``, ``8`` ``hours``, ``2``
    ``days``: business days, the same point of the working day that many open days later)."""

    amount: Annotated[int, Field(gt=0, le=100_000)]
    unit: Unit = "minutes"

    def minutes(self) -> int:
        """Minutes of business time; a business day counts as 24 hours here (its real length
        depends on the calendar, which ``ticketing.domain.sla.target_time`` uses)."""
        return self.amount * {"minutes": 1, "hours": 60, "days": 1440}[self.unit]


class SlaTargets(Strict):
    first_response: SlaTarget | None = None
    next_response: SlaTarget | None = None
    resolution: SlaTarget | None = None


class SlaPolicy(SlaTargets):
    """The level's targets, optionally different per priority (``by_priority`` names priorities
    of the scale; a priority not listed uses the level's targets)."""

    by_priority: dict[str, SlaTargets] = {}
    pausing_statuses: Annotated[list[PausingStatus], Field(max_length=4)] = Field(
        default=["pending", "on_hold"],
        description="While a ticket is in one of these, its clocks stand still (the desk waits "
        "for the customer or a third party).",
    )
    yellow_at: Annotated[float, Field(gt=0, lt=1)] = Field(
        default=0.5, description="The share of the target used when the band turns yellow."
    )
    red_at: Annotated[float, Field(gt=0, lt=1)] = Field(
        default=0.8, description="The share of the target used when the band turns red."
    )

    @model_validator(mode="after")
    def _yellow_before_red(self) -> Self:
        if self.yellow_at >= self.red_at:
            raise ValueError(
                f"yellow_at ({self.yellow_at}) must come before red_at ({self.red_at}): the band "
                "goes green, yellow, red, overdue"
            )
        return self

    def targets_for(self, priority: str | None) -> SlaTargets:
        chosen = self.by_priority.get(priority or "")
        if chosen is None:
            return self
        return SlaTargets(
            first_response=chosen.first_response or self.first_response,
            next_response=chosen.next_response or self.next_response,
            resolution=chosen.resolution or self.resolution,
        )
