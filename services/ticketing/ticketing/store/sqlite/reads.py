"""Ticket reads on SQLite: plain functions over a connection."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from uuid import UUID

from contracts.tickets import (
    COUNT_LIMIT,
    HistoryEntry,
    TicketQuery,
    page_cursor,
    read_cursor,
)
from ticketing.domain.access import Visibility
from ticketing.domain.tickets import Ticket
from ticketing.store.codec import (
    doc_from_row,
    iso,
    ticket_from_row,
    ticket_reads_from_docs,
    track_from_doc,
)
from ticketing.store.port import DeskPage, Listing
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
) -> DeskPage:
    rows, total, next_cursor = _page(connection, query, visible)
    docs = [doc_from_row(r) for r in rows]
    listing = Listing(
        ticket_reads_from_docs(docs), min(total, COUNT_LIMIT), total <= COUNT_LIMIT, next_cursor
    )
    return DeskPage(listing, [track_from_doc(doc) for doc in docs])


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
    by_due = _sla_filters(query, clauses, params)
    order, key = (SLA_ORDER, "sla_due_at") if by_due else (LIST_ORDER, "updated_at")
    where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
    total = connection.execute(
        f"SELECT COUNT(*) FROM (SELECT 1 FROM tickets {where} LIMIT ?)",
        [*params, COUNT_LIMIT + 1],
    ).fetchone()[0]
    offset = (query.page - 1) * query.page_size
    if query.cursor is not None:
        position, after_id = read_cursor(query.cursor)
        if by_due:
            clauses.append("sla_due_at >= ? AND (sla_due_at > ? OR id > ?)")
        else:
            # The redundant ``updated_at <= ?`` is what lets the index seek to the position.
            clauses.append("updated_at <= ? AND (updated_at < ? OR id > ?)")
        params.extend([position, position, after_id])
        where, offset = f"WHERE {' AND '.join(clauses)}", 0
    rows = connection.execute(
        f"SELECT * FROM tickets {where} ORDER BY {order} LIMIT ? OFFSET ?",
        [*params, query.page_size + 1, offset],
    ).fetchall()
    more, rows = len(rows) > query.page_size, rows[: query.page_size]
    return rows, total, page_cursor(rows[-1][key], rows[-1]["id"]) if more else None


SLA_ORDER = "sla_due_at, id"


def _sla_filters(query: TicketQuery, clauses: list[str], params: list[str]) -> bool:
    """The SLA filters and sort (issue 12) over the scanner's last reading; True when the
    page is sorted by due time (only tickets with a running clock have one)."""
    bands = ["overdue"] if query.overdue else query.sla_band
    if query.overdue and query.sla_band and "overdue" not in query.sla_band:
        bands = ["none"]
    if bands:
        clauses.append(f"sla_band IN ({', '.join('?' for _ in bands)})")
        params.extend(bands)
    if query.sort == "sla_due":
        clauses.append("sla_due_at IS NOT NULL")
        return True
    return False


def sla_due(connection: sqlite3.Connection, now: datetime, limit: int) -> list[Ticket]:
    """The tickets whose next SLA reading has come, soonest first (the index on sla_next_at;
    tickets not due are never read)."""
    rows = connection.execute(
        "SELECT * FROM tickets WHERE sla_next_at IS NOT NULL AND sla_next_at <= ?"
        " ORDER BY sla_next_at LIMIT ?",
        (iso(now), limit),
    )
    return [ticket_from_row(r) for r in rows]


def sla_counts(connection: sqlite3.Connection, level: str) -> dict[str, int]:
    rows = connection.execute(
        f"SELECT sla_band, COUNT(*) FROM tickets WHERE level = ? AND {NOT_REMOVED}"
        " AND sla_band IS NOT NULL GROUP BY sla_band",
        (level,),
    )
    return {band: count for band, count in rows}


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


def touch_sla(connection: sqlite3.Connection, levels: list[str], at: datetime) -> int:
    """Ask the scanner to read again, at ``at``, every unclosed ticket of ``levels`` (their
    calendar or policy changed). The version moves, so a write prepared before this one is
    redone over it instead of putting back the old reading."""
    if not levels:
        return 0
    marks = ", ".join("?" for _ in levels)
    cursor = connection.execute(
        f"UPDATE tickets SET sla_next_at = ?, version = version + 1 WHERE level IN ({marks})"
        " AND status != 'closed' AND removed = 0",
        (iso(at), *levels),
    )
    return cursor.rowcount
