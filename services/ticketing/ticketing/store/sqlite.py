from __future__ import annotations

import dataclasses
import json
import sqlite3
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from uuid import UUID

from contracts.base import Event
from contracts.tickets import HistoryEntry, StoredInteraction, TicketQuery
from servicekit.publishing import OutgoingMessage
from servicekit.sqlite import SqliteDatabase
from ticketing.domain import assignment
from ticketing.domain.access import Visibility
from ticketing.domain.tickets import Ticket
from ticketing.store import sqlite_upgrade
from ticketing.store.codec import iso, protocol_number, ticket_from_doc, ticket_to_doc
from ticketing.store.directory_sqlite import (
    DIRECTORY_SCHEMA,
    SqliteDirectory,
    open_ticket_counts_in,
)
from ticketing.store.interactions_sqlite import SqliteInteractions
from ticketing.store.lifecycle_sqlite import NOT_REMOVED, SqliteLifecycle
from ticketing.store.port import InteractionTaken, StaleTicket, ThreadAlreadyActive

SCHEMA = """
CREATE TABLE IF NOT EXISTS tickets (
    id TEXT PRIMARY KEY,
    protocol TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    status TEXT NOT NULL,
    priority TEXT NOT NULL,
    level TEXT,
    assignee TEXT,
    tags TEXT NOT NULL,
    channel TEXT NOT NULL,
    account TEXT NOT NULL,
    thread_key TEXT NOT NULL,
    active_thread_key TEXT UNIQUE,
    opened_by TEXT NOT NULL,
    opened_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    previous_ticket_id TEXT,
    interaction_count INTEGER NOT NULL,
    change_count INTEGER NOT NULL,
    version INTEGER NOT NULL,
    extra TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX IF NOT EXISTS tickets_thread ON tickets (thread_key, opened_at);
CREATE INDEX IF NOT EXISTS tickets_status ON tickets (status, updated_at);
CREATE INDEX IF NOT EXISTS tickets_updated ON tickets (updated_at);
CREATE TABLE IF NOT EXISTS ticket_tags (
    ticket_id TEXT NOT NULL REFERENCES tickets (id),
    tag TEXT NOT NULL,  -- casefolded, as merge_tags compares them (NOCASE is ASCII-only)
    PRIMARY KEY (ticket_id, tag)
);
CREATE INDEX IF NOT EXISTS ticket_tags_tag ON ticket_tags (tag);
CREATE TABLE IF NOT EXISTS interactions (
    id TEXT PRIMARY KEY,
    dedup_key TEXT NOT NULL UNIQUE,
    ticket_id TEXT REFERENCES tickets (id),
    thread_key TEXT NOT NULL,
    occurred_at TEXT NOT NULL,
    received_at TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS interactions_ticket ON interactions (ticket_id, occurred_at);
CREATE INDEX IF NOT EXISTS interactions_unticketed ON interactions (thread_key)
    WHERE ticket_id IS NULL;
CREATE TABLE IF NOT EXISTS history (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    ticket_id TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS history_ticket ON history (ticket_id, seq);
CREATE TABLE IF NOT EXISTS counters (
    name TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS outbox (
    event_id TEXT PRIMARY KEY,
    routing_key TEXT NOT NULL,
    body BLOB NOT NULL,
    correlation_id TEXT,
    created_at REAL NOT NULL,
    claimed_until REAL NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS outbox_created ON outbox (created_at);
"""

TICKET_COLUMNS = (
    "id",
    "protocol",
    "title",
    "status",
    "priority",
    "level",
    "assignee",
    "tags",
    "channel",
    "account",
    "thread_key",
    "active_thread_key",
    "opened_by",
    "opened_at",
    "updated_at",
    "previous_ticket_id",
    "interaction_count",
    "change_count",
    "version",
    "extra",
)
_INSERT_TICKET = (
    f"INSERT INTO tickets ({', '.join(TICKET_COLUMNS)}) "
    f"VALUES ({', '.join('?' for _ in TICKET_COLUMNS)})"
)
_UPDATE_TICKET = (
    "UPDATE tickets SET "
    + ", ".join(f"{c} = ?" for c in TICKET_COLUMNS if c != "id")
    + " WHERE id = ? AND version = ?"
)


def _ticket_row(ticket: Ticket) -> list[object]:
    doc = ticket_to_doc(ticket)
    doc["tags"] = json.dumps(doc["tags"])
    doc["extra"] = json.dumps(doc["extra"])
    return [doc[c] for c in TICKET_COLUMNS]


def _ticket(row: sqlite3.Row) -> Ticket:
    doc = dict(row)
    doc["tags"] = json.loads(doc["tags"])
    doc["extra"] = json.loads(doc["extra"])
    return ticket_from_doc(doc)


def _assigned(connection: sqlite3.Connection, ticket: Ticket, among: Sequence[str]) -> Ticket:
    if ticket.assignee is not None or not among:
        return ticket
    loads = open_ticket_counts_in(connection, among)
    return dataclasses.replace(ticket, assignee=assignment.most_available(loads, among))


def _stored_interaction(row: sqlite3.Row) -> StoredInteraction:
    return StoredInteraction.model_validate_json(row["body"]).model_copy(
        update={"ticket_id": UUID(row["ticket_id"]) if row["ticket_id"] else None}
    )


class SqliteTicketStore(SqliteDirectory, SqliteInteractions, SqliteLifecycle):
    backend = "sqlite"

    def __init__(self, path: Path) -> None:
        self._db = SqliteDatabase(path, SCHEMA + DIRECTORY_SCHEMA)

    async def open(self) -> None:
        await self._db.open()
        await self._db.write(sqlite_upgrade.upgrade)

    async def close(self) -> None:
        await self._db.close()

    async def record_interaction(
        self, stored: StoredInteraction, *, thread_key: str
    ) -> StoredInteraction:
        def upsert(connection: sqlite3.Connection) -> StoredInteraction:
            inserted = connection.execute(
                "INSERT INTO interactions (id, dedup_key, ticket_id, thread_key, occurred_at,"
                " received_at, body) VALUES (?, ?, NULL, ?, ?, ?, ?)"
                " ON CONFLICT (dedup_key) DO NOTHING",
                (
                    str(stored.id),
                    stored.interaction.key,
                    thread_key,
                    iso(stored.interaction.occurred_at),
                    iso(stored.received_at),
                    stored.model_dump_json(),
                ),
            ).rowcount
            if inserted:
                return stored  # new: nothing to read back
            row = connection.execute(
                "SELECT ticket_id, body FROM interactions WHERE dedup_key = ?",
                (stored.interaction.key,),
            ).fetchone()
            return _stored_interaction(row)

        return await self._db.write(upsert)

    async def active_ticket(self, thread_key: str) -> Ticket | None:
        return await self._one("SELECT * FROM tickets WHERE active_thread_key = ?", thread_key)

    async def latest_ticket(self, thread_key: str) -> Ticket | None:
        return await self._one(
            "SELECT * FROM tickets WHERE thread_key = ? ORDER BY opened_at DESC LIMIT 1",
            thread_key,
        )

    async def get_ticket(self, ticket_id: UUID) -> Ticket | None:
        return await self._one("SELECT * FROM tickets WHERE id = ?", str(ticket_id))

    async def get_ticket_by_protocol(self, protocol: str) -> Ticket | None:
        return await self._one("SELECT * FROM tickets WHERE protocol = ?", protocol)

    async def _one(self, sql: str, *params: object) -> Ticket | None:
        def select(connection: sqlite3.Connection) -> Ticket | None:
            row = connection.execute(sql, params).fetchone()
            return _ticket(row) if row else None

        return await self._db.read(select)

    async def create_ticket(
        self,
        unassigned: Ticket,
        *,
        year: int,
        interaction_id: UUID | None,
        history: Callable[[Ticket], Sequence[HistoryEntry]],
        announce: Callable[[Ticket], Sequence[Event]],
        assign_among: Sequence[str] = (),
    ) -> Ticket:
        def create(connection: sqlite3.Connection) -> Ticket:
            ticket = _assigned(connection, unassigned, assign_among)
            if connection.execute(
                "SELECT 1 FROM tickets WHERE active_thread_key = ?", (ticket.thread_key,)
            ).fetchone():
                raise ThreadAlreadyActive(ticket.thread_key)
            # Inside the write transaction, so numbers are unique and gap-free across processes.
            sequence = connection.execute(
                "INSERT INTO counters (name, value) VALUES (?, 1) ON CONFLICT (name)"
                " DO UPDATE SET value = value + 1 RETURNING value",
                (f"protocol:{year}",),
            ).fetchone()[0]
            connection.execute(
                _INSERT_TICKET,
                _ticket_row(
                    dataclasses.replace(ticket, protocol=protocol_number(year, sequence), version=1)
                ),
            )
            attached = {
                row[0]
                for row in connection.execute(
                    "UPDATE interactions SET ticket_id = ? WHERE ticket_id IS NULL"
                    " AND thread_key = ? RETURNING id",
                    (str(ticket.id), ticket.thread_key),
                )
            }
            if interaction_id is not None and str(interaction_id) not in attached:
                raise InteractionTaken(str(interaction_id))
            numbered = dataclasses.replace(
                ticket,
                protocol=protocol_number(year, sequence),
                version=1,
                interaction_count=len(attached),
            )
            connection.execute(_UPDATE_TICKET, [*_ticket_row(numbered)[1:], str(ticket.id), 1])
            self._write_tags(connection, numbered)
            self._append(connection, history(numbered), announce(numbered))
            return numbered

        return await self._db.write(create)

    async def update_ticket(
        self,
        ticket: Ticket,
        *,
        expected_version: int,
        interaction_id: UUID | None,
        history: Sequence[HistoryEntry],
        events: Sequence[Event],
    ) -> Ticket:
        stored = dataclasses.replace(ticket, version=expected_version + 1)

        def update(connection: sqlite3.Connection) -> Ticket:
            row = _ticket_row(stored)
            cursor = connection.execute(_UPDATE_TICKET, [*row[1:], row[0], expected_version])
            if cursor.rowcount != 1:
                raise StaleTicket(str(ticket.id))
            self._write_tags(connection, stored)
            if (
                interaction_id is not None
                and not connection.execute(
                    "UPDATE interactions SET ticket_id = ? WHERE id = ? AND ticket_id IS NULL",
                    (str(stored.id), str(interaction_id)),
                ).rowcount
            ):
                raise InteractionTaken(str(interaction_id))
            self._append(connection, history, events)
            return stored

        try:
            return await self._db.write(update)
        except sqlite3.IntegrityError as exc:
            if "active_thread_key" not in str(exc):
                raise
            # Reopening a ticket while another became active for the same conversation.
            raise ThreadAlreadyActive(ticket.thread_key) from exc

    @staticmethod
    def _write_tags(connection: sqlite3.Connection, ticket: Ticket) -> None:
        connection.execute("DELETE FROM ticket_tags WHERE ticket_id = ?", (str(ticket.id),))
        connection.executemany(
            "INSERT OR IGNORE INTO ticket_tags (ticket_id, tag) VALUES (?, ?)",
            [(str(ticket.id), tag.casefold()) for tag in ticket.tags],
        )

    @staticmethod
    def _append(
        connection: sqlite3.Connection, history: Sequence[HistoryEntry], events: Sequence[Event]
    ) -> None:
        connection.executemany(
            "INSERT INTO history (id, ticket_id, body) VALUES (?, ?, ?)",
            [(str(h.id), str(h.ticket_id), h.model_dump_json()) for h in history],
        )
        now = time.time()
        connection.executemany(
            "INSERT INTO outbox (event_id, routing_key, body, correlation_id, created_at)"
            " VALUES (?, ?, ?, ?, ?)",
            [
                (
                    str(e.id),
                    e.routing_key,
                    e.model_dump_json().encode(),
                    str(e.correlation_id) if e.correlation_id else None,
                    now,
                )
                for e in events
            ],
        )

    async def list_tickets(
        self, query: TicketQuery, *, visible: Visibility | None = None
    ) -> tuple[list[Ticket], int]:
        clauses, params = ([] if query.include_removed else [NOT_REMOVED]), []
        if visible is not None:
            levels = ", ".join("?" for _ in visible.levels) or "NULL"
            clauses.append(f"(assignee = ? OR level IN ({levels}))")
            params.extend([visible.agent, *visible.levels])
        for column, values in (
            ("status", query.status),
            ("priority", query.priority),
            ("level", query.level),
            ("channel", [c.value for c in query.channel]),
            ("assignee", query.assignee),
        ):
            if values:
                clauses.append(f"{column} IN ({', '.join('?' for _ in values)})")
                params.extend(values)
        if query.tag:
            clauses.append(
                "id IN (SELECT ticket_id FROM ticket_tags WHERE tag IN "
                f"({', '.join('?' for _ in query.tag)}))"
            )
            params.extend(tag.casefold() for tag in query.tag)
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        offset = (query.page - 1) * query.page_size

        def select(connection: sqlite3.Connection) -> tuple[list[Ticket], int]:
            total = connection.execute(f"SELECT COUNT(*) FROM tickets {where}", params).fetchone()[
                0
            ]
            rows = connection.execute(
                f"SELECT * FROM tickets {where} ORDER BY updated_at DESC, id LIMIT ? OFFSET ?",
                [*params, query.page_size, offset],
            ).fetchall()
            return [_ticket(r) for r in rows], total

        return await self._db.read(select)

    async def interactions_of(self, ticket_id: UUID) -> list[StoredInteraction]:
        def select(connection: sqlite3.Connection) -> list[StoredInteraction]:
            rows = connection.execute(
                "SELECT ticket_id, body FROM interactions WHERE ticket_id = ?"
                " ORDER BY occurred_at, id",
                (str(ticket_id),),
            ).fetchall()
            return [_stored_interaction(r) for r in rows]

        return await self._db.read(select)

    async def history_of(self, ticket_id: UUID) -> list[HistoryEntry]:
        def select(connection: sqlite3.Connection) -> list[HistoryEntry]:
            rows = connection.execute(
                "SELECT body FROM history WHERE ticket_id = ? ORDER BY seq", (str(ticket_id),)
            ).fetchall()
            return [HistoryEntry.model_validate_json(r["body"]) for r in rows]

        return await self._db.read(select)

    async def claim_unpublished(
        self, *, older_than_seconds: float, lease_seconds: float, limit: int
    ) -> Sequence[OutgoingMessage]:
        now = time.time()

        def claim(connection: sqlite3.Connection) -> list[OutgoingMessage]:
            rows = connection.execute(
                "UPDATE outbox SET claimed_until = ? WHERE event_id IN ("
                " SELECT event_id FROM outbox WHERE created_at < ? AND claimed_until < ?"
                " ORDER BY created_at LIMIT ?) RETURNING event_id, routing_key, body,"
                " correlation_id",
                (now + lease_seconds, now - older_than_seconds, now, limit),
            ).fetchall()
            return [
                OutgoingMessage.stored(
                    r["event_id"], r["routing_key"], r["body"], r["correlation_id"]
                )
                for r in rows
            ]

        return await self._db.write(claim)

    async def mark_published(self, ids: Sequence[UUID]) -> None:
        def delete(connection: sqlite3.Connection) -> None:
            connection.executemany(
                "DELETE FROM outbox WHERE event_id = ?", [(str(i),) for i in ids]
            )

        await self._db.write(delete)
