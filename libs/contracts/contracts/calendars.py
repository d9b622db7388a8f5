"""A business calendar as it travels (docs/domain.md F15): the opening hours a level works in,
that the SLA clocks count and the rules' ``business_hours`` condition can name. The arithmetic
over it (is it open, business time between two instants, a due time) is
``servicekit.business_time``; this module only says what a calendar is and refuses what cannot
be one, in words the admin can act on."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Self

from pydantic import Field, field_validator, model_validator

from contracts.people import Key
from contracts.revisions import SentRevision, ShownRevision
from contracts.schedule import ClockTime, Weekday, known_time_zone, minutes_of_day
from contracts.strict import Strict

_MONTH_DAY = re.compile(r"^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$")


class Opening(Strict):
    """Open from ``start`` to ``end`` in local time. An ``end`` at or before ``start`` means
    the interval crosses midnight (22:00–06:00 closes at 06:00 the next morning); the whole
    interval belongs to the day it starts on, so that day's holiday or exception decides it."""

    start: ClockTime = Field(examples=["09:00"])
    end: ClockTime = Field(examples=["18:00"], description="24:00 for the end of the day.")

    @model_validator(mode="after")
    def _has_a_length(self) -> Self:
        if self.start == "24:00":
            raise ValueError("an opening cannot start at 24:00: write 00:00 of the next day")
        start, end = minutes_of_day(self.start), minutes_of_day(self.end)
        if start == end % 1440 and (start, end) != (0, 1440):
            raise ValueError(
                f"the opening {self.start}–{self.end} is empty or a full turn of the clock; "
                "write 00:00–24:00 for a whole day"
            )
        return self

    def minutes(self) -> tuple[int, int]:
        """Start and end in minutes from the day's midnight; an end past 1440 is the next day."""
        start, end = minutes_of_day(self.start), minutes_of_day(self.end)
        return start, end if end > start else end + 1440


class Holiday(Strict):
    """Closed all day: once on ``date``, or every year on ``yearly`` (``MM-DD``)."""

    name: str = Field(default="", max_length=100, examples=["Christmas"])
    date: Annotated[dt.date | None, Field(examples=["2026-12-24"])] = None
    yearly: str | None = Field(default=None, examples=["12-25"])

    @field_validator("yearly")
    @classmethod
    def _is_a_month_day(cls, value: str | None) -> str | None:
        if value is not None and _MONTH_DAY.match(value) is None:
            raise ValueError(f"{value!r} is not a day of the year: write it as MM-DD, e.g. 12-25")
        return value

    @model_validator(mode="after")
    def _one_of_date_or_yearly(self) -> Self:
        if (self.date is None) == (self.yearly is None):
            raise ValueError("a holiday has either a date (once) or a yearly MM-DD, not both")
        return self


class SpecialDay(Strict):
    """The hours of one date, replacing the weekly hours and any holiday on it: a special
    opening on a closed day, shorter hours on an eve, or ``hours: []`` to close it."""

    date: Annotated[dt.date, Field(examples=["2026-12-24"])]
    hours: Annotated[list[Opening], Field(max_length=10)]
    name: str = Field(default="", max_length=100)


class CalendarSpec(Strict):
    """A time zone, weekly openings (several per day), holidays and exceptions. A calendar
    with no opening at all is allowed (an always-closed level), and then no due time exists."""

    timezone: str = Field(examples=["America/Sao_Paulo"])
    weekly: dict[Weekday, Annotated[list[Opening], Field(max_length=10)]] = {}
    holidays: Annotated[list[Holiday], Field(max_length=400)] = []
    exceptions: Annotated[list[SpecialDay], Field(max_length=400)] = []

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        return known_time_zone(value)

    @field_validator("exceptions")
    @classmethod
    def _one_per_date(cls, days: list[SpecialDay]) -> list[SpecialDay]:
        seen: set[dt.date] = set()
        for day in days:
            if day.date in seen:
                raise ValueError(f"{day.date} has two exceptions: give its hours once")
            seen.add(day.date)
        return days


class CalendarCreate(CalendarSpec):
    name: Key = Field(examples=["business-br"])


class CalendarUpdate(CalendarCreate):
    """A replacement (``PUT``): the record as its read answered it may be sent back with its
    ``revision``, which then works as ``If-Match`` does."""

    revision: SentRevision = None


class CalendarRead(CalendarCreate):
    revision: ShownRevision = 0


class CalendarPage(Strict):
    items: list[CalendarRead]
