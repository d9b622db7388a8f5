"""Whether an instant falls inside a business-hours schedule (docs/domain.md F15, F24): the instant
is read in the schedule's time zone, so 21:30 UTC is 18:30 in São Paulo."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from contracts.schedule import WEEKDAYS, BusinessHours, minutes_of_day


@dataclass(frozen=True)
class Schedule:
    zone: ZoneInfo
    weekly: dict[str, list[tuple[int, int]]]
    closed: frozenset[date]
    source: BusinessHours

    @classmethod
    def of(cls, hours: BusinessHours) -> Schedule:
        return cls(
            zone=ZoneInfo(hours.timezone),
            weekly={
                day: [(minutes_of_day(i.start), minutes_of_day(i.end)) for i in intervals]
                for day, intervals in hours.weekly.items()
            },
            closed=frozenset(hours.closed_dates),
            source=hours,
        )

    def open_at(self, instant: datetime) -> tuple[bool, str]:
        """Open or not, and the local time that decided it, in words."""
        local = instant.astimezone(self.zone)
        day = WEEKDAYS[local.weekday()]
        when = f"{local:%a %Y-%m-%d %H:%M} {self.source.timezone}"
        if local.date() in self.closed:
            return False, f"{when} is a closed date"
        minute = local.hour * 60 + local.minute
        for start, end in self.weekly.get(day, []):
            if start <= minute < end:
                return True, f"{when} is inside business hours"
        return False, f"{when} is outside business hours"
