"""Business hours as a rule condition states them: a weekly schedule, closed dates and an IANA
time zone (docs/domain.md F15, F24). Self-contained for now; once levels carry their own hours
(the SLA issue) a condition will be able to name a level instead."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator, model_validator

from contracts.strict import Strict

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

_CLOCK = re.compile(r"^(?:([01]\d|2[0-3]):([0-5]\d)|(24):(00))$")


def minutes_of_day(clock: str) -> int:
    """``"09:30"`` → 570; ``"24:00"`` (the end of the day) → 1440."""
    found = _CLOCK.match(clock)
    if found is None:
        raise ValueError(f"{clock!r} is not a time of day: write it as HH:MM, e.g. 09:00 or 18:30")
    hours, minutes = (g for g in found.groups() if g is not None)
    return int(hours) * 60 + int(minutes)


class OpeningInterval(Strict):
    start: str = Field(examples=["09:00"])
    end: str = Field(examples=["18:00"], description="Up to 24:00 for the end of the day.")

    @field_validator("start", "end")
    @classmethod
    def _is_a_clock_time(cls, value: str) -> str:
        minutes_of_day(value)
        return value

    @model_validator(mode="after")
    def _ends_after_it_starts(self) -> OpeningInterval:
        if minutes_of_day(self.end) <= minutes_of_day(self.start):
            raise ValueError(
                f"the opening interval {self.start}–{self.end} ends before it starts; "
                "split hours that cross midnight over two days (…–24:00 and 00:00–…)"
            )
        return self


class BusinessHours(Strict):
    """Open on the listed weekdays' intervals, in ``timezone``, except on ``closed_dates``.
    ``inside: true`` holds for interactions that occurred while open, ``false`` for those
    that occurred while closed."""

    timezone: str = Field(examples=["America/Sao_Paulo"])
    weekly: dict[Weekday, Annotated[list[OpeningInterval], Field(max_length=10)]]
    closed_dates: Annotated[list[date], Field(max_length=400)] = []
    inside: bool = True

    @field_validator("timezone")
    @classmethod
    def _known_time_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"{value!r} is not a known time zone: use a name such as America/Sao_Paulo, "
                "Europe/Lisbon or UTC"
            ) from None
        return value

    @field_validator("weekly")
    @classmethod
    def _opens_some_day(
        cls, weekly: dict[Weekday, list[OpeningInterval]]
    ) -> dict[Weekday, list[OpeningInterval]]:
        if not any(weekly.values()):
            raise ValueError("the weekly schedule is empty: give the opening hours of some day")
        return weekly
