"""The reports part of the ticketing store: each ticket's report facts and the counters they
add up to (``ticketing.domain.reports``). The adapters add these methods to their ticket
stores, so a report is a range read of counters, never a read of the tickets."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, NamedTuple, Protocol, runtime_checkable
from uuid import UUID

from contracts.tickets import HistoryEntry, StoredInteraction
from ticketing.domain.report_facts import InteractionMark, mark_of
from ticketing.domain.reports import DONE_STATUSES, CountRow, TicketFacts
from ticketing.domain.tickets import Ticket


class ReportSource(NamedTuple):
    """What a ticket's report facts are made of, read together: the ticket, the marks of
    its interactions the facts read (a few fields, not the parsed interaction: at least
    every outbound interaction's and the earliest inbound one's), its history when it is
    done (only a done ticket's says when it was done; an open one's is left unread, and a
    busy ticket's is long) and the spec of its level's calendar (None without one)."""

    ticket: Ticket
    marks: list[InteractionMark]
    history: list[HistoryEntry]
    calendar: dict[str, Any] | None


def reads_history(ticket: Ticket) -> bool:
    return ticket.status.value in DONE_STATUSES and not ticket.removed


@runtime_checkable
class ProjectsOnWrite(Protocol):
    """A store whose ticket writes project their tickets' report facts before they commit
    (SQLite's, built with the facts function); not part of ``TicketStore``."""

    def projected_on_write(self, event_id: UUID) -> bool:
        """Whether this process projected the ticket of this ticket event, at the event's
        state or later, in the transaction that wrote the event (a memory of recent ones,
        no database read)."""
        ...


class ReportStore(Protocol):
    async def project_report(
        self, ticket_id: UUID, facts_of: Callable[[ReportSource], TicketFacts | None]
    ) -> bool:
        """Read what the ticket's report facts are made of as it is now and project the
        facts ``facts_of`` makes of it (``project_ticket``, at the version read): one
        transaction where the adapter has them. False for an unknown ticket or unchanged
        counters."""
        ...

    async def project_ticket(
        self, ticket_id: UUID, facts: TicketFacts | None, *, version: int
    ) -> bool:
        """Make the counters hold ``facts`` (read from the ticket at ``version``) for this
        ticket (None: the ticket counts nowhere): its old facts' contributions are taken out
        and the new ones put in, in one atomic step. Projecting the facts already held, or
        facts of an older version than those held (a replica that read the ticket before
        another's change), changes nothing and returns False, so an event handled twice
        counts once."""
        ...

    async def report_rows(
        self,
        series: str,
        dim: str,
        first_hour: int,
        end_hour: int,
        levels: Sequence[str] | None,
        *,
        shift: int = 0,
        width: int = 1,
    ) -> list[CountRow]:
        """The counters of a series and dimension in ``[first_hour, end_hour)`` (only of
        ``levels`` when given, else those under ``EVERY_LEVEL``) summed over the levels and
        over the hours of each group ``(hour + shift) // width`` (a local day or week,
        ``ReportRange.segments``): one row per group, value and extra, its ``hour`` the
        group's first (``level`` empty), none where the sum is zero. The store does the
        summing, so a report moves one row per period and value, however many hours and
        levels it covers."""
        ...

    async def report_hours(
        self, series: str, dim: str, hours: Sequence[int], levels: Sequence[str] | None
    ) -> list[CountRow]:
        """The counters of exactly these hours, summed over the levels (as ``report_rows``)
        and over the hours of each UTC day (``hour`` the day's first): the edges a local day
        takes from or gives to its UTC day (``DailyPlan``)."""
        ...

    async def report_totals_before(
        self, series: str, dim: str, before_hour: int, levels: Sequence[str] | None
    ) -> list[CountRow]:
        """The counters before ``before_hour`` summed per value and level (``hour`` None);
        only of ``levels`` when given, else those under ``EVERY_LEVEL``."""
        ...


def facts_to_doc(facts: TicketFacts) -> dict[str, Any]:
    return {
        "level": facts.level,
        "status": facts.status,
        "priority": facts.priority,
        "channel": facts.channel,
        "account": facts.account,
        "agent": facts.agent,
        "author": facts.author,
        "opened_at": facts.opened_at.isoformat(),
        "first_response_seconds": facts.first_response_seconds,
        "resolution_seconds": facts.resolution_seconds,
        "done_at": facts.done_at.isoformat() if facts.done_at else None,
        "quarters": facts.quarters,
    }


def facts_from_doc(doc: dict[str, Any] | None) -> TicketFacts | None:
    if not doc:
        return None
    done = doc.get("done_at")
    return TicketFacts(
        level=doc["level"],
        status=doc["status"],
        priority=doc["priority"],
        channel=doc["channel"],
        account=doc["account"],
        agent=doc["agent"],
        author=doc["author"],
        opened_at=datetime.fromisoformat(doc["opened_at"]),
        first_response_seconds=doc.get("first_response_seconds"),
        resolution_seconds=doc.get("resolution_seconds"),
        done_at=datetime.fromisoformat(done) if done else None,
        # Kept before quarter-hour counters existed: their counters have none to take out.
        quarters=bool(doc.get("quarters", False)),
    )


class _TicketReads(Protocol):
    async def get_ticket(self, ticket_id: UUID) -> Ticket | None: ...

    async def interactions_of(self, ticket_id: UUID) -> list[StoredInteraction]: ...

    async def history_of(self, ticket_id: UUID) -> list[HistoryEntry]: ...

    async def get_entry(self, kind: Any, key: str) -> dict[str, Any] | None: ...


async def source_of(store: _TicketReads, ticket_id: UUID) -> ReportSource | None:
    """A ticket's ``ReportSource`` from a store's whole-record reads, for an adapter without
    a narrower read (MongoDB)."""
    ticket = await store.get_ticket(ticket_id)
    if ticket is None:
        return None
    marks = [mark_of(s) for s in await store.interactions_of(ticket_id)]
    history = await store.history_of(ticket_id) if reads_history(ticket) else []
    level = await store.get_entry("level", ticket.level) if ticket.level else None
    name = (level or {}).get("calendar")
    calendar = await store.get_entry("calendar", name) if name else None
    return ReportSource(ticket, marks, history, calendar)
