"""Directory entries and agents' loads on SQLite (mixed into SqliteTicketStore)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from typing import Any

from servicekit.sqlite import SqliteDatabase
from ticketing.domain.assignment import FINISHED_STATUSES
from ticketing.store.directory import Kind

DIRECTORY_SCHEMA = """
CREATE TABLE IF NOT EXISTS directory (
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (kind, key)
);
CREATE INDEX IF NOT EXISTS tickets_assignee ON tickets (assignee, status);
"""

_FINISHED = ", ".join(f"'{s}'" for s in sorted(FINISHED_STATUSES))


def open_ticket_counts_in(connection: sqlite3.Connection, agents: Sequence[str]) -> dict[str, int]:
    """Loads read inside the caller's transaction, so a choice made from them is not
    invalidated by a concurrent writer (BEGIN IMMEDIATE serialises writers)."""
    counts = dict.fromkeys(agents, 0)
    if not agents:
        return counts
    rows = connection.execute(
        f"SELECT assignee, COUNT(*) FROM tickets WHERE assignee IN"
        f" ({', '.join('?' for _ in agents)}) AND status NOT IN ({_FINISHED})"
        " GROUP BY assignee",
        list(agents),
    )
    counts.update({row[0]: row[1] for row in rows})
    return counts


class SqliteDirectory:
    _db: SqliteDatabase

    async def create_entry(self, kind: Kind, key: str, body: dict[str, Any]) -> bool:
        def insert(connection: sqlite3.Connection) -> bool:
            cursor = connection.execute(
                "INSERT INTO directory (kind, key, body) VALUES (?, ?, ?)"
                " ON CONFLICT (kind, key) DO NOTHING",
                (kind, key, json.dumps(body)),
            )
            return cursor.rowcount == 1

        return await self._db.write(insert)

    async def replace_entry(self, kind: Kind, key: str, body: dict[str, Any]) -> bool:
        def update(connection: sqlite3.Connection) -> bool:
            cursor = connection.execute(
                "UPDATE directory SET body = ? WHERE kind = ? AND key = ?",
                (json.dumps(body), kind, key),
            )
            return cursor.rowcount == 1

        return await self._db.write(update)

    async def get_entry(self, kind: Kind, key: str) -> dict[str, Any] | None:
        def select(connection: sqlite3.Connection) -> dict[str, Any] | None:
            row = connection.execute(
                "SELECT body FROM directory WHERE kind = ? AND key = ?", (kind, key)
            ).fetchone()
            return json.loads(row[0]) if row else None

        return await self._db.read(select)

    async def list_entries(self, kind: Kind) -> list[dict[str, Any]]:
        def select(connection: sqlite3.Connection) -> list[dict[str, Any]]:
            rows = connection.execute(
                "SELECT body FROM directory WHERE kind = ? ORDER BY key", (kind,)
            )
            return [json.loads(row[0]) for row in rows]

        return await self._db.read(select)

    async def delete_entry(self, kind: Kind, key: str) -> bool:
        def delete(connection: sqlite3.Connection) -> bool:
            cursor = connection.execute(
                "DELETE FROM directory WHERE kind = ? AND key = ?", (kind, key)
            )
            return cursor.rowcount == 1

        return await self._db.write(delete)

    async def open_ticket_counts(self, agents: Sequence[str]) -> dict[str, int]:
        return await self._db.read(lambda connection: open_ticket_counts_in(connection, agents))
