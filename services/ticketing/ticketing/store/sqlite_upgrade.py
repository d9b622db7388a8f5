"""Bring a ticketing SQLite file written by an earlier version up to the current schema.
``CREATE TABLE IF NOT EXISTS`` leaves an existing table as it was, so columns added later
are added here; replicas starting together may race, and the loser finds the column there."""

from __future__ import annotations

import sqlite3

ADDED_COLUMNS = {"tickets": {"extra": "TEXT NOT NULL DEFAULT '{}'"}}


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
