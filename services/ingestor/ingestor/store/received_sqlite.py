"""The ``received`` table on SQLite: the de-duplication log that is also the outbox. Accepted
interactions and reply outcomes are written here by the same statement, so a row has one
shape whoever writes it (the trace context included, for a row the relay publishes late)."""

from __future__ import annotations

import sqlite3

from servicekit.publishing import OutgoingMessage
from servicekit.sqlite import add_missing_columns

SCHEMA = """
CREATE TABLE IF NOT EXISTS received (
    dedup_key TEXT PRIMARY KEY,
    event_id TEXT NOT NULL UNIQUE,
    routing_key TEXT NOT NULL,
    body BLOB NOT NULL,
    correlation_id TEXT,
    accepted_at REAL NOT NULL,
    published_at REAL,
    claimed_until REAL NOT NULL DEFAULT 0,
    traceparent TEXT,
    tracestate TEXT
);
CREATE INDEX IF NOT EXISTS received_unpublished ON received (accepted_at)
    WHERE published_at IS NULL;
CREATE INDEX IF NOT EXISTS received_published ON received (published_at)
    WHERE published_at IS NOT NULL;
"""

MESSAGE_COLUMNS = "event_id, routing_key, body, correlation_id, traceparent, tracestate"
"""What a claim returns of a row: an ``OutgoingMessage`` (``message``)."""


def upgrade(connection: sqlite3.Connection) -> None:
    """Files from before the trace context was kept gain its columns; their rows relay
    without one (a new trace, as before)."""
    add_missing_columns(connection, "received", {"traceparent": "TEXT", "tracestate": "TEXT"})


def insert(connection: sqlite3.Connection, key: str, message: OutgoingMessage, now: float) -> bool:
    """Keep ``message`` under ``key`` unless that key is already kept; whether it was new."""
    cursor = connection.execute(
        f"INSERT INTO received (dedup_key, {MESSAGE_COLUMNS}, accepted_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (dedup_key) DO NOTHING",
        (key, *message.row_fields(), now),
    )
    return bool(cursor.rowcount)


def message(row: sqlite3.Row) -> OutgoingMessage:
    return OutgoingMessage.stored(
        row["event_id"],
        row["routing_key"],
        row["body"],
        row["correlation_id"],
        row["traceparent"],
        row["tracestate"],
    )
