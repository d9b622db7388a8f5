"""Ticket reads on SQLite: plain functions over a connection."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from uuid import UUID

from contracts.tickets import (
    COUNT_LIMIT,
    HistoryEntry,
    TicketQuery,
    TicketRead,
    page_cursor,
    read_cursor,
)
from ticketing.domain.access import Visibility
from ticketing.domain.tickets import Ticket
from ticketing.store.codec import doc_from_row, iso, ticket_from_row, ticket_reads_from_docs
from ticketing.store.port import Listing
from ticketing.store.sqlite import people
from ticketing.store.sqlite.schema import LIST_ORDER, NOT_REMOVED


def one(connection: sqlite3.Connection, where: str, *params: object) -> Ticket | None:
    row = connection.execute(f"SELECT * FROM tickets WHERE {where}", params).fetchone()
    return ticket_from_row(row) if row else None


def latest(connection: sqlite3.Connection, thread_key: str) -> Ticket | None:
    return one(connection, "thread_key = ? ORDER BY opened_at DESC LIMIT 1", thread_key)


def list_tickets(
    connection: sqlite3.Connection, query: TicketQuery, visible: Visibility | None
) -> Listing[Ticket]:
    rows, total, next_cursor = _page(connection, query, visible)
    return Listing(
        [ticket_from_row(r) for r in rows],
        min(total, COUNT_LIMIT),
        total <= COUNT_LIMIT,
        next_cursor,
    )


def ticket_page(
    connection: sqlite3.Connection, query: TicketQuery, visible: Visibility | None
) -> Listing[TicketRead]:
    rows, total, next_cursor = _page(connection, query, visible)
    return Listing(
        ticket_reads_from_docs([doc_from_row(r) for r in rows]),
        min(total, COUNT_LIMIT),
        total <= COUNT_LIMIT,
        next_cursor,
    )


def _page(
    connection: sqlite3.Connection, query: TicketQuery, visible: Visibility | None
) -> tuple[list[sqlite3.Row], int, str | None]:
    """Filters on indexed columns only; the page is read in index order after the cursor
    (or the offset of ``page``), one row more than asked to know whether another follows;
    the total is counted up to COUNT_LIMIT."""
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
    if query.group:
        clause, group_params = people.tickets_of_groups(query.group)
        clauses.append(clause)
        params.extend(group_params)
    where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
    total = connection.execute(
        f"SELECT COUNT(*) FROM (SELECT 1 FROM tickets {where} LIMIT ?)",
        [*params, COUNT_LIMIT + 1],
    ).fetchone()[0]
    offset = (query.page - 1) * query.page_size
    if query.cursor is not None:
        updated_at, after_id = read_cursor(query.cursor)
        # The redundant ``updated_at <= ?`` is what lets the index seek to the position.
        clauses.append("updated_at <= ? AND (updated_at < ? OR id > ?)")
        params.extend([updated_at, updated_at, after_id])
        where, offset = f"WHERE {' AND '.join(clauses)}", 0
    rows = connection.execute(
        f"SELECT * FROM tickets {where} ORDER BY {LIST_ORDER} LIMIT ? OFFSET ?",
        [*params, query.page_size + 1, offset],
    ).fetchall()
    more, rows = len(rows) > query.page_size, rows[: query.page_size]
    return rows, total, page_cursor(rows[-1]["updated_at"], rows[-1]["id"]) if more else None


def idle(
    connection: sqlite3.Connection, level: str, idle_since: datetime, limit: int
) -> list[Ticket]:
    rows = connection.execute(
        "SELECT * FROM tickets WHERE level = ? AND status != 'closed'"
        " AND updated_at < ? ORDER BY updated_at LIMIT ?",
        (level, iso(idle_since), limit),
    )
    return [ticket_from_row(r) for r in rows]


def children(connection: sqlite3.Connection, ticket_id: UUID) -> list[Ticket]:
    rows = connection.execute(
        "SELECT * FROM tickets WHERE parent_id = ? ORDER BY opened_at, id",
        (str(ticket_id),),
    )
    return [ticket_from_row(r) for r in rows]


def history_of(connection: sqlite3.Connection, ticket_id: UUID) -> list[HistoryEntry]:
    rows = connection.execute(
        "SELECT body FROM history WHERE ticket_id = ? ORDER BY seq", (str(ticket_id),)
    ).fetchall()
    return [HistoryEntry.model_validate_json(r["body"]) for r in rows]
