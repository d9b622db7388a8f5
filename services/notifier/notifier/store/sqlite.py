from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from uuid import UUID

from notifier.store.port import Claim
from servicekit.sqlite import SqliteDatabase

SCHEMA = """
CREATE TABLE IF NOT EXISTS deliveries (
    event_id TEXT NOT NULL,
    recipient TEXT NOT NULL,
    state TEXT NOT NULL,
    claimed_until REAL NOT NULL,
    updated_at REAL NOT NULL,
    PRIMARY KEY (event_id, recipient)
);
"""


class SqliteMailLog:
    backend = "sqlite"

    def __init__(self, path: Path) -> None:
        self._db = SqliteDatabase(path, SCHEMA)

    async def open(self) -> None:
        await self._db.open()

    async def close(self) -> None:
        await self._db.close()

    async def claim(self, event_id: UUID, recipient: str, *, lease_seconds: float) -> Claim:
        now = time.time()

        def claim(connection: sqlite3.Connection) -> Claim:
            row = connection.execute(
                "SELECT state, claimed_until FROM deliveries WHERE event_id = ? AND recipient = ?",
                (str(event_id), recipient),
            ).fetchone()
            if row is not None and row["state"] != "sending":
                return Claim.DONE
            if row is not None and row["claimed_until"] > now:
                return Claim.BUSY
            connection.execute(
                "INSERT INTO deliveries (event_id, recipient, state, claimed_until, updated_at)"
                " VALUES (?, ?, 'sending', ?, ?) ON CONFLICT (event_id, recipient) DO UPDATE"
                " SET claimed_until = excluded.claimed_until, updated_at = excluded.updated_at",
                (str(event_id), recipient, now + lease_seconds, now),
            )
            return Claim.GRANTED

        return await self._db.write(claim)

    async def finish(self, event_id: UUID, recipient: str, *, outcome: str) -> None:
        await self._set(
            event_id,
            recipient,
            "UPDATE deliveries SET state = ?, updated_at = ? WHERE event_id = ? AND recipient = ?",
            outcome,
        )

    async def release(self, event_id: UUID, recipient: str) -> None:
        await self._set(
            event_id,
            recipient,
            "UPDATE deliveries SET claimed_until = 0,"
            " updated_at = ? WHERE event_id = ? AND recipient = ?",
        )

    async def _set(self, event_id: UUID, recipient: str, sql: str, *first: object) -> None:
        params = (*first, time.time(), str(event_id), recipient)
        await self._db.write(lambda connection: connection.execute(sql, params))
