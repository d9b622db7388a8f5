"""The one step that brings a ticket's report facts up to date, taken by the consumer of
ticket events and by the rebuild command: read the ticket as it is now (with a mark of each
of its interactions, its history when done and its level's calendar) and project it, in one
transaction on SQLite. Reading the current state rather than the event makes an event handled twice,
late or out of order harmless."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from contracts.calendars import CalendarRead
from servicekit.business_time import BusinessCalendar
from ticketing.domain import report_facts as facts_rules
from ticketing.domain.reports import DONE_STATUSES, TicketFacts
from ticketing.store.port import TicketStore
from ticketing.store.reports import ReportSource


def calendar_of(source: ReportSource) -> BusinessCalendar | None:
    """The level's business calendar (None: times are wall-clock). It only times an answer or
    a resolution, so a ticket with neither (most events are about new inbound ones) leaves
    the spec unparsed."""
    spec: dict[str, Any] | None = source.calendar
    timed = source.ticket.status.value in DONE_STATUSES or any(
        m.direction == facts_rules.OUTBOUND for m in source.marks
    )
    return BusinessCalendar.of(CalendarRead.model_validate(spec)) if spec and timed else None


async def project(store: TicketStore, ticket_id: UUID) -> bool:
    """Bring one ticket's counters up to date; True when they changed."""
    return await store.project_report(ticket_id, facts_of)


def facts_of(source: ReportSource) -> TicketFacts | None:
    return facts_rules.facts_from_marks(
        source.ticket, source.marks, source.history, calendar_of(source)
    )
