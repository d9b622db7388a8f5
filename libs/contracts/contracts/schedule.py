"""Business hours as a rule condition states them: a weekly schedule, closed dates and an IANA
time zone (docs/domain.md F15, F24), or the name of a business calendar
(``contracts.calendars``) whose hours apply."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, Field, field_validator, model_validator

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


def _clock_time(value: str) -> str:
    minutes_of_day(value)
    return value


ClockTime = Annotated[str, AfterValidator(_clock_time)]
"""``HH:MM``, or ``24:00`` for the end of the day (the rules' schedules and the calendars)."""


def known_time_zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"{value!r} is not a known time zone: use a name such as America/Sao_Paulo, "
            "Europe/Lisbon or UTC"
        ) from None
    return value


class OpeningInterval(Strict):
    start: ClockTime = Field(examples=["09:00"])
    end: ClockTime = Field(examples=["18:00"], description="Up to 24:00 for the end of the day.")

    @model_validator(mode="after")
    def _ends_after_it_starts(self) -> OpeningInterval:
        if minutes_of_day(self.end) <= minutes_of_day(self.start):
            raise ValueError(
                f"the opening interval {self.start}–{self.end} ends before it starts; "
                "split hours that cross midnight over two days (…–24:00 and 00:00–…)"
            )
        return self


class BusinessHours(Strict):
    """Open on the listed weekdays' intervals, in ``timezone``, except on ``closed_dates``;
    or open when the named ``calendar`` (``/v1/calendars``, kept by ticketing) is, instead of
    spelling the hours out. ``inside: true`` holds for interactions that occurred while open,
    ``false`` for those that occurred while closed."""

    calendar: str | None = Field(
        default=None,
        examples=["business-br"],
        description="A calendar's name, instead of timezone, weekly and closed_dates.",
    )
    timezone: str = Field(default="", examples=["America/Sao_Paulo"])
    weekly: dict[Weekday, Annotated[list[OpeningInterval], Field(max_length=10)]] = {}
    closed_dates: Annotated[list[date], Field(max_length=400)] = []
    inside: bool = True

    @model_validator(mode="after")
    def _named_or_spelt_out(self) -> BusinessHours:
        if self.calendar is not None:
            if self.timezone or self.weekly or self.closed_dates:
                raise ValueError(
                    "name a calendar or spell the hours out (timezone, weekly, closed_dates), "
                    "not both"
                )
            return self
        if not self.timezone:
            raise ValueError("give the time zone of the hours (or name a calendar)")
        if not self.weekly:
            raise ValueError("the weekly schedule is empty: give the opening hours of some day")
        return self

    @field_validator("timezone")
    @classmethod
    def _known_time_zone(cls, value: str) -> str:
        if not value:
            return value  # a named calendar brings its own; _named_or_spelt_out checks
        return known_time_zone(value)
