"""Whether an instant falls inside a business-hours schedule (docs/domain.md F15, F24): the instant
is read in the schedule's time zone, so 21:30 UTC is 18:30 in São Paulo. The inline schedule is
turned into a calendar so the one arithmetic of ``servicekit.business_time`` decides, the same
that ticketing's SLA clocks count with."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from contracts.calendars import CalendarSpec, Holiday, Opening
from contracts.schedule import BusinessHours
from servicekit.business_time import BusinessCalendar


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


@dataclass(frozen=True)
class Schedule:
    calendar: BusinessCalendar
    timezone: str

    @classmethod
    def of(cls, hours: BusinessHours) -> Schedule:
        return cls(BusinessCalendar.of(calendar_of(hours)), hours.timezone)

    def open_at(self, instant: datetime) -> tuple[bool, str]:
        """Open or not, and the local time that decided it, in words."""
        local = instant.astimezone(self.calendar.zone)
        when = f"{local:%a %Y-%m-%d %H:%M} {self.timezone}"
        if self.calendar.is_open(instant):
            return True, f"{when} is inside business hours"
        if local.date() in self.calendar.holidays:
            return False, f"{when} is a closed date"
        return False, f"{when} is outside business hours"
