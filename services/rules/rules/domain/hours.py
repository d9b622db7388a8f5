"""Whether an instant falls inside business hours (docs/domain.md F15, F24): the instant is read
in the hours' time zone, so 21:30 UTC is 18:30 in São Paulo. Hours are spelt out in the condition
or named (a calendar kept by ticketing); either way ``servicekit.business_time`` decides, the
same arithmetic ticketing's SLA clocks count with."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from contracts.calendars import CalendarRead, CalendarSpec, Holiday, Opening
from contracts.rules import RuleConditions
from contracts.schedule import BusinessHours
from servicekit.business_time import BusinessCalendar

Calendars = Mapping[str, BusinessCalendar]
"""The business calendars a named ``business_hours`` condition can use, by name."""


def calendar_of(hours: BusinessHours) -> CalendarSpec:
    """The inline schedule as a calendar: its weekly hours, its closed dates as holidays."""
    return CalendarSpec(
        timezone=hours.timezone,
        weekly={
            day: [Opening(start=i.start, end=i.end) for i in intervals]
            for day, intervals in hours.weekly.items()
        },
        holidays=[Holiday(date=day) for day in hours.closed_dates],
    )


def compiled(calendars: Iterable[CalendarRead]) -> dict[str, BusinessCalendar]:
    return {calendar.name: BusinessCalendar.of(calendar) for calendar in calendars}


def calendar_names(when: RuleConditions) -> set[str]:
    """The calendars a rule's conditions name, nested groups included."""
    names = {when.business_hours.calendar} if when.business_hours else set()
    for group in (*when.all_of, *when.any_of):
        names |= calendar_names(group)
    return {name for name in names if name is not None}


@dataclass(frozen=True)
class Schedule:
    calendar: BusinessCalendar
    label: str

    @classmethod
    def of(cls, hours: BusinessHours) -> Schedule:
        return cls(BusinessCalendar.of(calendar_of(hours)), hours.timezone)

    @classmethod
    def named(cls, name: str, calendar: BusinessCalendar) -> Schedule:
        return cls(calendar, f"{calendar.zone.key} (calendar {name!r})")

    def open_at(self, instant: datetime) -> tuple[bool, str]:
        """Open or not, and the local time that decided it, in words."""
        local = instant.astimezone(self.calendar.zone)
        when = f"{local:%a %Y-%m-%d %H:%M} {self.label}"
        if self.calendar.is_open(instant):
            return True, f"{when} is inside business hours"
        day = local.date()
        if day not in self.calendar.special and (
            day in self.calendar.holidays or (day.month, day.day) in self.calendar.yearly
        ):
            return False, f"{when} is a closed date"
        return False, f"{when} is outside business hours"
