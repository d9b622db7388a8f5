"""Idle tickets, sub-tickets and merges on SQLite (mixed into SqliteTicketStore)."""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from contracts.base import Event
from contracts.tickets import HistoryEntry
from servicekit.sqlite import SqliteDatabase
from ticketing.domain import assignment
from ticketing.domain.tickets import Ticket
from ticketing.store.codec import iso
from ticketing.store.directory_sqlite import open_ticket_counts_in
from ticketing.store.port import StaleTicket

NOT_REMOVED = "COALESCE(json_extract(extra, '$.removed'), 0) = 0"
"""SQL condition for tickets still on the desk."""


class SqliteLifecycle:
    _db: SqliteDatabase
    _write_tags: Any
    _append: Any

    async def idle_tickets(self, level: str, idle_since: datetime, limit: int) -> list[Ticket]:
        from ticketing.store.sqlite import _ticket  # the row codec lives with the table

        def select(connection: sqlite3.Connection) -> list[Ticket]:
            rows = connection.execute(
                "SELECT * FROM tickets WHERE level = ? AND status != 'closed'"
                " AND updated_at < ? ORDER BY updated_at LIMIT ?",
                (level, iso(idle_since), limit),
            )
            return [_ticket(r) for r in rows]

        return await self._db.read(select)

    async def children_of(self, ticket_id: UUID) -> list[Ticket]:
        from ticketing.store.sqlite import _ticket

        def select(connection: sqlite3.Connection) -> list[Ticket]:
            rows = connection.execute(
                "SELECT * FROM tickets WHERE json_extract(extra, '$.parent_id') = ?"
                " ORDER BY opened_at, id",
                (str(ticket_id),),
            )
            return [_ticket(r) for r in rows]

        return await self._db.read(select)

    async def merge_tickets(
        self,
        source: Ticket,
        target: Ticket,
        *,
        expected_versions: tuple[int, int],
        history: Sequence[HistoryEntry],
        events: Sequence[Event],
    ) -> tuple[Ticket, Ticket]:
        from ticketing.store.sqlite import _UPDATE_TICKET, _ticket_row

        closed = dataclasses.replace(source, version=expected_versions[0] + 1)

        def merge(connection: sqlite3.Connection) -> tuple[Ticket, Ticket]:
            row = _ticket_row(closed)
            if (
                connection.execute(
                    _UPDATE_TICKET, [*row[1:], row[0], expected_versions[0]]
                ).rowcount
                != 1
            ):
                raise StaleTicket(str(source.id))
            connection.execute(
                "UPDATE interactions SET ticket_id = ? WHERE ticket_id = ?",
                (str(target.id), str(source.id)),
            )
            count = connection.execute(
                "SELECT COUNT(*) FROM interactions WHERE ticket_id = ?", (str(target.id),)
            ).fetchone()[0]
            reopened = dataclasses.replace(
                target, version=expected_versions[1] + 1, interaction_count=count
            )
            row = _ticket_row(reopened)
            if (
                connection.execute(
                    _UPDATE_TICKET, [*row[1:], row[0], expected_versions[1]]
                ).rowcount
                != 1
            ):
                raise StaleTicket(str(target.id))
            self._write_tags(connection, closed)
            self._write_tags(connection, reopened)
            self._append(connection, history, events)
            return closed, reopened

        return await self._db.write(merge)

    async def update_assigning(
        self,
        *,
        expected_version: int,
        assign_among: Sequence[str],
        finish: Callable[[str], tuple[Ticket, Sequence[HistoryEntry], Sequence[Event]]],
    ) -> Ticket:
        from ticketing.store.sqlite import _UPDATE_TICKET, _ticket_row

        def update(connection: sqlite3.Connection) -> Ticket:
            loads = open_ticket_counts_in(connection, assign_among)
            chosen = assignment.most_available(loads, assign_among)
            assert chosen is not None, "update_assigning needs agents to choose from"
            ticket, history, events = finish(chosen)
            stored = dataclasses.replace(ticket, version=expected_version + 1)
            row = _ticket_row(stored)
            if (
                connection.execute(_UPDATE_TICKET, [*row[1:], row[0], expected_version]).rowcount
                != 1
            ):
                raise StaleTicket(str(stored.id))
            self._write_tags(connection, stored)
            self._append(connection, history, events)
            return stored

        return await self._db.write(update)
