"""The one step that brings a ticket's report facts up to date, taken by the consumer of
ticket events and by the rebuild command: read the ticket as it is now (with its
interactions, history and level calendar) and project it. Reading the current state rather
than the event makes an event handled twice, late or out of order harmless."""

from __future__ import annotations

from uuid import UUID

from contracts.calendars import CalendarRead
from servicekit.business_time import BusinessCalendar
from ticketing.domain import report_facts as facts_rules
from ticketing.domain.reports import DONE_STATUSES
from ticketing.store.directory import DirectoryStore
from ticketing.store.port import TicketStore


async def level_calendar(store: DirectoryStore, level: str | None) -> BusinessCalendar | None:
    """The business calendar the level works by; None without one (times are wall-clock)."""
    if level is None:
        return None
    body = await store.get_entry("level", level)
    name = (body or {}).get("calendar")
    spec = await store.get_entry("calendar", name) if name else None
    return BusinessCalendar.of(CalendarRead.model_validate(spec)) if spec else None


async def project(store: TicketStore, ticket_id: UUID) -> bool:
    """Bring one ticket's counters up to date; True when they changed."""
    ticket = await store.get_ticket(ticket_id)
    if ticket is None:
        return False
    # The history only says when a done ticket was done: an open one's is not read (most
    # ticket events are about open tickets, and a busy ticket's history is long).
    done = ticket.status.value in DONE_STATUSES and not ticket.removed
    facts = facts_rules.facts_of(
        ticket,
        await store.interactions_of(ticket.id),
        await store.history_of(ticket.id) if done else [],
        await level_calendar(store, ticket.level),
    )
    return await store.project_ticket(ticket.id, facts, version=ticket.version)
