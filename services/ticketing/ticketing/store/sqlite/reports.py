"""Report facts and counters on SQLite: a ticket's move from its old facts to its new ones
is one write transaction, so the counters always equal the sum of the facts held."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Sequence
from uuid import UUID

from ticketing.domain import reports
from ticketing.domain.report_facts import InteractionMark
from ticketing.domain.reports import CountRow, TicketFacts
from ticketing.store.codec import parse_iso
from ticketing.store.reports import ReportSource, facts_from_doc, facts_to_doc, reads_history
from ticketing.store.sqlite import directory
from ticketing.store.sqlite import reads as ticket_reads

SCHEMA = """
CREATE TABLE IF NOT EXISTS report_facts (
    ticket_id TEXT PRIMARY KEY,
    version INTEGER NOT NULL,
    facts TEXT
);
CREATE TABLE IF NOT EXISTS report_counts (
    series TEXT NOT NULL,
    dim TEXT NOT NULL,
    hour INTEGER NOT NULL,
    value TEXT NOT NULL,
    level TEXT NOT NULL,
    extra TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (series, dim, hour, value, extra, level)
) WITHOUT ROWID;
"""


MARKS = (
    "SELECT occurred_at, direction, channel, author,"
    " body ->> '$.delivery.state', body ->> '$.delivery.sent_at'"
    " FROM interactions WHERE ticket_id = ? AND direction = 'outbound'"
    " UNION ALL SELECT * FROM (SELECT occurred_at, direction, channel, author, NULL, NULL"
    " FROM interactions WHERE ticket_id = ? AND direction IS NOT 'outbound'"
    " ORDER BY occurred_at, id LIMIT 1)"
)
"""Outbound interactions (the first response) and the earliest inbound one (the customer),
through the (ticket_id, occurred_at, id) index; ``occurred_at`` is fixed-width UTC text."""


def source(connection: sqlite3.Connection, ticket_id: UUID) -> ReportSource | None:
    """One read: the ticket, the marks the facts read from their interactions' own columns
    (the outbound ones, with their delivery from their JSON, and the earliest inbound one:
    a busy conversation's other messages are not read at all), its history if done, its
    calendar."""
    ticket = ticket_reads.one(connection, "id = ?", str(ticket_id))
    if ticket is None:
        return None
    rows = connection.execute(MARKS, (str(ticket_id), str(ticket_id)))
    marks = [
        InteractionMark(
            parse_iso(at),
            direction or "inbound",
            channel,
            author,
            state,
            parse_iso(sent_at) if sent_at else None,
        )
        for at, direction, channel, author, state, sent_at in rows
    ]
    history = ticket_reads.history_of(connection, ticket_id) if reads_history(ticket) else []
    level = directory.get(connection, "level", ticket.level) if ticket.level else None
    name = (level or {}).get("calendar")
    calendar = directory.get(connection, "calendar", name) if name else None
    return ReportSource(ticket, marks, history, calendar)


def project_from_source(
    connection: sqlite3.Connection,
    ticket_id: UUID,
    facts_of: Callable[[ReportSource], TicketFacts | None],
) -> bool:
    """Read and project in one write transaction: one trip to the database thread per event
    instead of a read's and a write's."""
    read = source(connection, ticket_id)
    if read is None:
        return False
    return project(connection, ticket_id, facts_of(read), read.ticket.version)


def project(
    connection: sqlite3.Connection, ticket_id: UUID, facts: TicketFacts | None, version: int
) -> bool:
    row = connection.execute(
        "SELECT version, facts FROM report_facts WHERE ticket_id = ?", (str(ticket_id),)
    ).fetchone()
    if row is not None and row[0] > version:
        return False
    before = facts_from_doc(json.loads(row[1])) if row and row[1] else None
    if row is not None and before == facts:
        # Most events change nothing a report counts: only the version moves (so an older
        # reading arriving late is still refused), the facts and counters stay as they are.
        if row[0] < version:
            connection.execute(
                "UPDATE report_facts SET version = ? WHERE ticket_id = ?",
                (version, str(ticket_id)),
            )
        return False
    delta = reports.difference(before, facts)
    if delta:
        connection.executemany(
            "INSERT INTO report_counts (series, dim, hour, value, level, extra, n) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (series, dim, hour, value, extra, level) DO UPDATE SET n = n + excluded.n",
            [(c.series, c.dim, c.hour, c.value, c.level, c.extra, n) for c, n in delta.items()],
        )
    connection.execute(
        "INSERT INTO report_facts (ticket_id, version, facts) VALUES (?, ?, ?) "
        "ON CONFLICT (ticket_id) DO UPDATE SET version = excluded.version, facts = excluded.facts",
        (str(ticket_id), version, json.dumps(facts_to_doc(facts)) if facts else None),
    )
    return bool(delta)


def _levels(levels: Sequence[str] | None) -> tuple[str, list[str]]:
    if levels is None:
        return " AND level = ?", [reports.EVERY_LEVEL]
    return f" AND level IN ({', '.join('?' for _ in levels)})", list(levels)


def rows(
    connection: sqlite3.Connection,
    series: str,
    dim: str,
    first_hour: int,
    end_hour: int,
    levels: Sequence[str] | None,
    shift: int,
    width: int,
) -> list[CountRow]:
    where, params = _levels(levels)
    found = connection.execute(
        "SELECT (hour + ?) / ? AS grouped, value, extra, SUM(n) FROM report_counts "
        f"WHERE series = ? AND dim = ? AND hour >= ? AND hour < ?{where} "
        "GROUP BY grouped, value, extra HAVING SUM(n) != 0",
        [shift, width, series, dim, first_hour, end_hour, *params],
    )
    return [
        CountRow(grouped * width - shift, value, "", extra, n) for grouped, value, extra, n in found
    ]


def hours(
    connection: sqlite3.Connection,
    series: str,
    dim: str,
    wanted: Sequence[int],
    levels: Sequence[str] | None,
) -> list[CountRow]:
    where, params = _levels(levels)
    found = connection.execute(
        "SELECT hour / 24 * 24 AS day, value, extra, SUM(n) FROM report_counts "
        f"WHERE series = ? AND dim = ? AND hour IN ({', '.join('?' for _ in wanted)}){where} "
        "GROUP BY day, value, extra HAVING SUM(n) != 0",
        [series, dim, *wanted, *params],
    )
    return [CountRow(day, value, "", extra, n) for day, value, extra, n in found]


def totals_before(
    connection: sqlite3.Connection,
    series: str,
    dim: str,
    before_hour: int,
    levels: Sequence[str] | None,
) -> list[CountRow]:
    where, params = _levels(levels)
    found = connection.execute(
        "SELECT value, level, SUM(n) FROM report_counts "
        f"WHERE series = ? AND dim = ? AND hour < ?{where} GROUP BY value, level",
        [series, dim, before_hour, *params],
    )
    return [CountRow(None, value, level, "", n) for value, level, n in found if n]
