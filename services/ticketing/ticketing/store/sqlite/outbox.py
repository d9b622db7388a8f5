"""The outbox on SQLite: events written with their change, leased to one relay at a time."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from uuid import UUID

from servicekit.publishing import OutgoingMessage


def claim(
    connection: sqlite3.Connection,
    *,
    now: float,
    older_than_seconds: float,
    lease_seconds: float,
    limit: int,
) -> list[OutgoingMessage]:
    # ``<=``: an event written (or leased until) at this very instant counts as due, as on
    # MongoDB; with a clock that stands still (tests) that is what "older than 0 s" means.
    rows = connection.execute(
        "UPDATE outbox SET claimed_until = ? WHERE event_id IN ("
        " SELECT event_id FROM outbox WHERE created_at <= ? AND claimed_until <= ?"
        " ORDER BY created_at LIMIT ?) RETURNING event_id, routing_key, body,"
        " correlation_id, traceparent, tracestate",
        (now + lease_seconds, now - older_than_seconds, now, limit),
    ).fetchall()
    return [
        OutgoingMessage.stored(
            r["event_id"],
            r["routing_key"],
            r["body"],
            r["correlation_id"],
            r["traceparent"],
            r["tracestate"],
        )
        for r in rows
    ]


def backlog(connection: sqlite3.Connection) -> tuple[int, float | None]:
    """Published rows are deleted: the table is the backlog (``created_at`` is indexed)."""
    row = connection.execute("SELECT count(*), min(created_at) FROM outbox").fetchone()
    return row[0], row[1]


def mark_published(connection: sqlite3.Connection, ids: Sequence[UUID]) -> None:
    connection.executemany("DELETE FROM outbox WHERE event_id = ?", [(str(i),) for i in ids])
