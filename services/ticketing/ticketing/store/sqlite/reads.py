"""Ticket reads on SQLite: plain functions over a connection."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from contracts.tickets import COUNT_LIMIT, HistoryEntry, TicketFilters, TicketQuery, TicketRead
from ticketing.domain.access import Visibility
from ticketing.domain.tickets import Ticket
from ticketing.store import paging
from ticketing.store.codec import doc_from_row, iso, ticket_from_row, ticket_reads_from_docs
from ticketing.store.port import Listing
from ticketing.store.sqlite import filters


def one(connection: sqlite3.Connection, where: str, *params: object) -> Ticket | None:
    row = connection.execute(f"SELECT * FROM tickets WHERE {where}", params).fetchone()
    return ticket_from_row(row) if row else None


def latest(connection: sqlite3.Connection, thread_key: str) -> Ticket | None:
    return one(connection, "thread_key = ? ORDER BY opened_at DESC LIMIT 1", thread_key)


def list_tickets(
    connection: sqlite3.Connection,
    query: TicketQuery,
    visible: Visibility | None,
    priorities: Sequence[str] = (),
) -> Listing[Ticket]:
    rows, total, next_cursor = _page(connection, query, visible, priorities)
    return Listing(
        [ticket_from_row(r) for r in rows],
        min(total, COUNT_LIMIT),
        total <= COUNT_LIMIT,
        next_cursor,
    )


def ticket_page(
    connection: sqlite3.Connection,
    query: TicketQuery,
    visible: Visibility | None,
    priorities: Sequence[str] = (),
) -> Listing[TicketRead]:
    rows, total, next_cursor = _page(connection, query, visible, priorities)
    return Listing(
        ticket_reads_from_docs([doc_from_row(r) for r in rows]),
        min(total, COUNT_LIMIT),
        total <= COUNT_LIMIT,
        next_cursor,
    )


def count(
    connection: sqlite3.Connection, query: TicketFilters, visible: Visibility | None
) -> tuple[int, bool]:
    """How many tickets the filters select, up to COUNT_LIMIT (and whether exactly)."""
    clauses, params = filters.where(query, visible)
    total = _count(connection, clauses, params)
    return min(total, COUNT_LIMIT), total <= COUNT_LIMIT


def _count(connection: sqlite3.Connection, clauses: list[str], params: list[object]) -> int:
    where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
    return int(
        connection.execute(
            f"SELECT COUNT(*) FROM (SELECT 1 FROM tickets {where} LIMIT ?)",
            [*params, COUNT_LIMIT + 1],
        ).fetchone()[0]
    )


def _page(
    connection: sqlite3.Connection,
    query: TicketQuery,
    visible: Visibility | None,
    priorities: Sequence[str],
) -> tuple[list[sqlite3.Row], int, str | None]:
    """Filters on indexed columns only (see ``filters``); the page is read in index order
    after the cursor (or the offset of ``page``), one row more than asked to know whether
    another follows; the total is counted up to COUNT_LIMIT. The priority sort reads one
    priority after the other, each in activity order (``paging.steps``)."""
    clauses, params = filters.where(query, visible)
    total = _count(connection, clauses, params)
    column = paging.SORT_FIELD[query.sort]
    descending = query.order == "desc"
    order = f"{column} DESC, id" if descending else f"{column}, id DESC"
    offset = 0 if query.cursor is not None else (query.page - 1) * query.page_size
    wanted = query.page_size + 1
    rows: list[sqlite3.Row] = []
    walks = paging.steps(query, priorities)
    for step in walks:
        where, values = list(clauses), list(params)
        if step.priority is not None:
            where.append("priority = ?")
            values.append(step.priority)
        if step.after is not None:
            # The redundant ``<=`` (``>=``) is what lets the index seek to the position.
            if descending:
                where.append(f"{column} <= ? AND ({column} < ? OR id > ?)")
            else:
                where.append(f"{column} >= ? AND ({column} > ? OR id < ?)")
            values.extend([step.after.value, step.after.value, step.after.ticket_id])
        sql_where = f"WHERE {' AND '.join(where)}" if where else ""
        # One walk skips ``page``'s offset in SQL; the priority walks count it off here.
        skip_here = offset if len(walks) == 1 else 0
        found = connection.execute(
            f"SELECT * FROM tickets {sql_where} ORDER BY {order} LIMIT ? OFFSET ?",
            [*values, wanted - len(rows) + offset - skip_here, skip_here],
        ).fetchall()
        skipped = min(offset - skip_here, len(found))
        rows.extend(found[skipped:])
        offset -= skip_here + skipped
        if len(rows) >= wanted:
            break
    more, rows = len(rows) > query.page_size, rows[: query.page_size]
    last = rows[-1] if more else None
    return rows, total, paging.next_cursor(query, dict(last), last["id"]) if last else None


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
