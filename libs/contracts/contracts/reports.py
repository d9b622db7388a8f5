"""Reports (docs/domain.md F34): the questions ``GET /v1/reports/...`` asks ticketing and the
answers it gives. Each is answered from counters ticketing keeps up to date from ticket
changes, never by reading the tickets (docs/api.md "Reports")."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from contracts.base import Contract
from contracts.schedule import known_time_zone

Split = Literal["none", "status", "priority", "level", "channel", "account", "agent", "sla_band"]
"""What a report is split by; "none" gives only the totals. "sla_band" (volume of tickets
only): the tickets opened in each period that are still unresolved, by their SLA band now
("" without a running clock)."""

Interval = Literal["day", "week"]
TimeZone = Annotated[str, AfterValidator(known_time_zone)]


class ReportRange(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    since: dt.date = Field(description="The first local day (YYYY-MM-DD), included.")
    until: dt.date = Field(description="The last local day (YYYY-MM-DD), included.")
    interval: Interval = Field(
        default="day", description="Periods of a day, or of a week starting on Monday."
    )
    timezone: TimeZone = Field(
        default="UTC",
        description=(
            "Where days begin, e.g. America/Sao_Paulo or Asia/Kolkata (a whole number of"
            " quarter hours from UTC)."
        ),
    )
    format: Literal["json", "csv"] | None = Field(
        default=None,
        description="csv for a CSV answer (as Accept: text/csv asks); JSON otherwise.",
    )


class VolumeQuery(ReportRange):
    """Tickets opened, or unique authors of the tickets opened, per period."""

    measure: Literal["tickets", "authors"] = "tickets"
    split: Split = "none"


class TimesQuery(ReportRange):
    """First-response and resolution times of the tickets opened in each period."""

    split: Split = "none"


class BacklogQuery(ReportRange):
    """Tickets still open at the end of each period, in all and per level."""


class VolumePeriod(Contract):
    start: dt.date = Field(description="The period's first local day.")
    total: int = Field(
        description="Tickets, or unique authors (an author in two split values counts once)."
    )
    values: dict[str, int] = Field(
        default={}, description='Per split value ("" for tickets without one, e.g. no agent).'
    )


class VolumeReport(Contract):
    measure: str
    split: str
    interval: str
    timezone: str
    since: dt.date
    until: dt.date
    periods: list[VolumePeriod]


class TimeFigures(Contract):
    count: int = Field(description="Tickets with this time (answered, or resolved).")
    median_seconds: float | None = Field(
        description="Nearest-rank median, within 1/64 of the exact value (null: no tickets)."
    )
    p90_seconds: float | None = Field(description="Nearest-rank 90th percentile, likewise.")


class TimeSplit(Contract):
    first_response: TimeFigures
    resolution: TimeFigures


class TimesPeriod(TimeSplit):
    start: dt.date
    values: dict[str, TimeSplit] = {}


class TimesReport(Contract):
    split: str
    interval: str
    timezone: str
    since: dt.date
    until: dt.date
    business_time: str = Field(
        default=("Seconds of the level's calendar where the level has one, of the clock otherwise.")
    )
    periods: list[TimesPeriod]


class BacklogPeriod(Contract):
    start: dt.date
    open: int = Field(description="Tickets opened and not resolved or closed at the period's end.")
    levels: dict[str, int] = Field(default={}, description='Per level ("" for no level).')


class BacklogReport(Contract):
    interval: str
    timezone: str
    since: dt.date
    until: dt.date
    periods: list[BacklogPeriod]


class ReportsRebuilt(Contract):
    tickets: int = Field(description="Tickets read and projected again.")
