"""Ticket reads on SQLite: plain functions over a connection."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from contracts.tickets import (
    COUNT_LIMIT,
    HistoryEntry,
    TicketFilters,
    TicketQuery,
    TicketRead,
    page_cursor,
    read_cursor,
)
from ticketing.domain.access import Visibility
from ticketing.domain.tickets import Ticket
from ticketing.store import paging
from ticketing.store.codec import (
    doc_from_row,
    iso,
    parse_iso,
    ticket_from_row,
    ticket_reads_from_docs,
)
from ticketing.store.port import Clocks, Listing
from ticketing.store.sqlite import filters
from ticketing.store.sqlite.read_rows import ReadRows
from ticketing.store.sqlite.schema import NOT_REMOVED


def one(
    connection: sqlite3.Connection, where: str, *params: object, keep: ReadRows | None = None
) -> Ticket | None:
    row = connection.execute(f"SELECT * FROM tickets WHERE {where}", params).fetchone()
    if keep is not None:
        keep.keep(row)
    return ticket_from_row(row) if row else None


def latest(connection: sqlite3.Connection, thread_key: str) -> Ticket | None:
    return one(connection, "thread_key = ? ORDER BY opened_at DESC LIMIT 1", thread_key)


def list_tickets(
    connection: sqlite3.Connection,
    query: TicketQuery,
    visible: Visibility | None,
    priorities: Sequence[str] = (),
) -> Listing[Ticket]:
    rows, total, next_cursor = page(connection, query, visible, priorities)
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
    clocks: Clocks | None = None,
) -> Listing[TicketRead]:
    rows, total, next_cursor = page(connection, query, visible, priorities)
    docs = [doc_from_row(r) for r in rows]
    listing = Listing(
        ticket_reads_from_docs(docs, clocks),
        min(total, COUNT_LIMIT),
        total <= COUNT_LIMIT,
        next_cursor,
    )
    return listing


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


def page(
    connection: sqlite3.Connection,
    query: TicketQuery,
    visible: Visibility | None,
    priorities: Sequence[str],
    columns: str = "*",
) -> tuple[list[sqlite3.Row], int, str | None]:
    """``columns`` of the page's rows (with the cursor's: see ``list_rows.LISTED``). Filters on
    indexed columns only (see ``filters``); the page is read in index order
    after the cursor (or the offset of ``page``), one row more than asked to know whether
    another follows; the total is counted up to COUNT_LIMIT. The priority sort reads one
    priority after the other, each in activity order (``paging.steps``); the SLA sort reads
    the tickets with a running clock, least time left first (``_by_due``)."""
    clauses, params = filters.where(query, visible)
    if query.sort == "sla_due":
        clauses.append("sla_due_at IS NOT NULL")
    total = _count(connection, clauses, params)
    if query.sort == "sla_due":
        return _by_due(connection, query, clauses, params, total, columns)
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
            f"SELECT {columns} FROM tickets {sql_where} ORDER BY {order} LIMIT ? OFFSET ?",
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


def _by_due(
    connection: sqlite3.Connection,
    query: TicketQuery,
    clauses: list[str],
    params: list[object],
    total: int,
    columns: str,
) -> tuple[list[sqlite3.Row], int, str | None]:
    """The SLA sort (issue 12) over the scanner's last reading: only tickets with a running
    clock have a due time; least time left first (``order=desc``, the most pressing first
    as elsewhere) or most time left first (``asc``: the index read backwards), after the
    cursor."""
    clauses, params = list(clauses), list(params)
    offset = (query.page - 1) * query.page_size
    backwards = query.order == "asc"
    if query.cursor is not None:
        position, after_id = read_cursor(query.cursor)
        if backwards:
            clauses.append("sla_due_at <= ? AND (sla_due_at < ? OR id < ?)")
        else:
            clauses.append("sla_due_at >= ? AND (sla_due_at > ? OR id > ?)")
        params.extend([position, position, after_id])
        offset = 0
    rows = connection.execute(
        f"SELECT {columns} FROM tickets WHERE {' AND '.join(clauses)}"
        f" ORDER BY {SLA_ORDER_BACKWARDS if backwards else SLA_ORDER} LIMIT ? OFFSET ?",
        [*params, query.page_size + 1, offset],
    ).fetchall()
    more, rows = len(rows) > query.page_size, rows[: query.page_size]
    return rows, total, page_cursor(rows[-1]["sla_due_at"], rows[-1]["id"]) if more else None


SLA_ORDER = "sla_due_at, id"
SLA_ORDER_BACKWARDS = "sla_due_at DESC, id DESC"


def sla_due(connection: sqlite3.Connection, now: datetime, limit: int) -> list[Ticket]:
    """The tickets whose next SLA reading has come, soonest first (the index on sla_next_at;
    tickets not due are never read)."""
    rows = connection.execute(
        "SELECT * FROM tickets WHERE sla_next_at IS NOT NULL AND sla_next_at <= ?"
        " ORDER BY sla_next_at LIMIT ?",
        (iso(now), limit),
    )
    return [ticket_from_row(r) for r in rows]


def open_bands(
    connection: sqlite3.Connection, since: datetime, until: datetime, levels: Sequence[str] | None
) -> list[tuple[datetime, str, str]]:
    where = [NOT_REMOVED, "status NOT IN ('resolved', 'closed')", "opened_at >= ?", "opened_at < ?"]
    params: list[object] = [iso(since), iso(until)]
    if levels is not None:
        where.append(f"level IN ({', '.join('?' for _ in levels)})")
        params.extend(levels)
    rows = connection.execute(
        f"SELECT opened_at, sla_band, level FROM tickets WHERE {' AND '.join(where)}", params
    ).fetchall()
    return [(parse_iso(r[0]), r[1] or "", r[2] or "") for r in rows]


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
