"""Report facts projected by the write that changes the ticket, and the reports part of the
SQLite ticket store.

Every ticket event reaches the outbox through ``writes.append``, which queues the ticket
(and the event's id) in a table of this connection's own; before the write transaction
commits, ``WriteProjection.before_commit`` projects each queued ticket once, as the whole
group of writes leaves it (``reports.project_from_source``). The ticket's counters then
commit with the change: the event the ticket's own consumer (``ticketing.reports``) gets
back later needs no second delivery's trip to the database, second read and second commit.
Once the transaction committed, the ids of the events it projected are kept in memory
(``projected``); the consumer skips those and projects the rest as before (events of
replicas that do not project on write, MongoDB's)."""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable, Iterable, Sequence
from uuid import UUID

from contracts.base import Event
from contracts.events import TicketChangedV1, TicketOpenedV1
from servicekit.bounded import BoundedDict
from servicekit.sqlite import SqliteDatabase
from ticketing.domain.reports import CountRow, TicketFacts
from ticketing.store.reports import ReportSource
from ticketing.store.sqlite import reports

log = logging.getLogger(__name__)

FactsOf = Callable[[ReportSource], TicketFacts | None]

PENDING = """
CREATE TEMP TABLE IF NOT EXISTS pending_reports (
    ticket_id TEXT NOT NULL,
    event_id TEXT NOT NULL
);
"""
"""Tickets whose events this transaction wrote to the outbox, waiting for its end. A TEMP
table (this connection's own), so a write rolled back to its savepoint, or a transaction
rolled back whole, takes its rows with it."""

KEPT = 10_000
"""Event ids remembered as projected at most; full, the whole lot is dropped (the consumer
then projects those events again, which changes nothing)."""

_TICKET_EVENTS = (TicketOpenedV1, TicketChangedV1)


def queue(connection: sqlite3.Connection, events: Iterable[Event]) -> None:
    """Queue the tickets of the ticket events among ``events`` (what ``ticketing.reports``
    consumes) for projection before the transaction commits."""
    rows = [(str(e.ticket.id), str(e.id)) for e in events if isinstance(e, _TICKET_EVENTS)]
    if rows:
        connection.executemany(
            "INSERT INTO pending_reports (ticket_id, event_id) VALUES (?, ?)", rows
        )


class WriteProjection:
    """Projects the queued tickets before each commit (with ``facts_of``; None: the queue is
    only emptied, and the consumer projects every event), and remembers the events that
    transaction covered once it committed. Both hooks run on the database's thread;
    ``projected`` on the event loop's."""

    def __init__(self, facts_of: FactsOf | None) -> None:
        self._facts_of = facts_of
        self._staged: list[str] = []
        self._projected: BoundedDict[str, None] = BoundedDict(KEPT)
        self._lock = threading.Lock()

    def before_commit(self, connection: sqlite3.Connection) -> None:
        self._staged = []
        if connection.execute("SELECT 1 FROM pending_reports LIMIT 1").fetchone() is None:
            return
        queued: dict[str, list[str]] = {}
        for ticket_id, event_id in connection.execute(
            "SELECT ticket_id, event_id FROM pending_reports ORDER BY rowid"
        ):
            queued.setdefault(ticket_id, []).append(event_id)
        connection.execute("DELETE FROM pending_reports")
        if self._facts_of is None:
            return
        for ticket_id, event_ids in queued.items():
            # In a savepoint of its own: facts that fail to be made leave that ticket to the
            # consumer (as before) instead of failing every write of the group.
            connection.execute("SAVEPOINT project")
            try:
                reports.project_from_source(connection, UUID(ticket_id), self._facts_of)
            except Exception:
                connection.execute("ROLLBACK TO project")
                log.exception("projecting ticket %s on write failed", ticket_id)
            else:
                self._staged.extend(event_ids)
            connection.execute("RELEASE project")

    def after_commit(self) -> None:
        staged, self._staged = self._staged, []
        if not staged:
            return
        with self._lock:
            self._projected.put_all(dict.fromkeys(staged))

    def projected(self, event_id: UUID) -> bool:
        """Whether this process projected, in the transaction that wrote it, the event's
        ticket at the event's state or later."""
        with self._lock:
            return str(event_id) in self._projected


class ReportEntries:
    """The reports part of the SQLite ticket store: each method one transaction (or read)
    over ``reports``."""

    _db: SqliteDatabase
    _projection: WriteProjection

    def projected_on_write(self, event_id: UUID) -> bool:
        return self._projection.projected(event_id)

    async def project_report(self, ticket_id: UUID, facts_of: FactsOf) -> bool:
        return await self._db.write(lambda c: reports.project_from_source(c, ticket_id, facts_of))

    async def project_ticket(
        self, ticket_id: UUID, facts: TicketFacts | None, *, version: int
    ) -> bool:
        return await self._db.write(lambda c: reports.project(c, ticket_id, facts, version))

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
        return await self._db.read(
            lambda c: reports.rows(c, series, dim, first_hour, end_hour, levels, shift, width)
        )

    async def report_hours(
        self, series: str, dim: str, hours: Sequence[int], levels: Sequence[str] | None
    ) -> list[CountRow]:
        return await self._db.read(lambda c: reports.hours(c, series, dim, hours, levels))

    async def report_totals_before(
        self, series: str, dim: str, before_hour: int, levels: Sequence[str] | None
    ) -> list[CountRow]:
        return await self._db.read(
            lambda c: reports.totals_before(c, series, dim, before_hour, levels)
        )
