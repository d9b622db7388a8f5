"""Bring a ticketing SQLite file written by an earlier version up to the current schema.
``CREATE TABLE IF NOT EXISTS`` leaves an existing table as it was, so columns added later
are added here; replicas starting together may race, and the loser finds the column there."""

from __future__ import annotations

import sqlite3

from ticketing.store.sqlite.schema import NOT_REMOVED

ADDED_COLUMNS = {"tickets": {"extra": "TEXT NOT NULL DEFAULT '{}'"}}

INDEXES_ON_ADDED_COLUMNS = (
    # The desk lists tickets not removed, newest activity first. Without this partial index
    # every list and its count evaluated json_extract on every ticket ever opened (4 ms per
    # page at 3,000 tickets, growing with the table); with it both read only the index.
    "CREATE INDEX IF NOT EXISTS tickets_on_desk ON tickets (updated_at DESC, id)"
    f" WHERE {NOT_REMOVED}",
)


def upgrade(connection: sqlite3.Connection) -> None:
    for table, columns in ADDED_COLUMNS.items():
        present = {row[1] for row in connection.execute(f"PRAGMA table_info({table})")}
        for name, definition in columns.items():
            if name in present:
                continue
            try:
                connection.execute(f"ALTER TABLE {table} ADD COLUMN {name} {definition}")
            except sqlite3.OperationalError as exc:
                if "duplicate column" not in str(exc):
                    raise
    for statement in INDEXES_ON_ADDED_COLUMNS:
        connection.execute(statement)
