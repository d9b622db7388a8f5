"""SQLite half of ReplyStore, mixed into SqliteIngestStore."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import datetime

from ingestor.store.received_sqlite import insert as insert_received
from ingestor.store.replies_port import ReplyClaim, outcome_key
from servicekit.publishing import OutgoingMessage
from servicekit.sqlite import SqliteDatabase

SCHEMA = """
CREATE TABLE IF NOT EXISTS replies (
    reply_id TEXT PRIMARY KEY,
    claimed_at REAL NOT NULL,
    network_key TEXT
);
CREATE INDEX IF NOT EXISTS replies_network ON replies (network_key)
    WHERE network_key IS NOT NULL;
"""


def _settled(connection: sqlite3.Connection, reply_id: str) -> bool:
    row = connection.execute(
        "SELECT 1 FROM received WHERE dedup_key = ?", (outcome_key(reply_id),)
    ).fetchone()
    return row is not None


class SqliteReplies:
    _db: SqliteDatabase

    async def claim_reply(self, reply_id: str, at: datetime) -> ReplyClaim:
        def claim(connection: sqlite3.Connection) -> ReplyClaim:
            cursor = connection.execute(
                "INSERT INTO replies (reply_id, claimed_at) VALUES (?, ?)"
                " ON CONFLICT (reply_id) DO NOTHING",
                (reply_id, at.timestamp()),
            )
            if cursor.rowcount:
                return ReplyClaim(new=True, settled=False)
            return ReplyClaim(new=False, settled=_settled(connection, reply_id))

        return await self._db.write(claim)

    async def settle_reply(
        self, reply_id: str, network_key: str | None, outcome: OutgoingMessage
    ) -> list[OutgoingMessage]:
        def settle(connection: sqlite3.Connection) -> list[OutgoingMessage]:
            # One transaction: the outcome and the echo key are recorded together.
            if not insert_received(connection, outcome_key(reply_id), outcome, self._now_seconds()):
                return []
            if network_key is not None:
                connection.execute(
                    "UPDATE replies SET network_key = ? WHERE reply_id = ?",
                    (network_key, reply_id),
                )
            return [outcome]

        return await self._db.write(settle)

    async def our_replies(self, network_keys: Sequence[str]) -> set[str]:
        keys = list(dict.fromkeys(network_keys))

        def select(connection: sqlite3.Connection) -> set[str]:
            found: set[str] = set()
            for start in range(0, len(keys), 500):
                part = keys[start : start + 500]
                rows = connection.execute(
                    "SELECT network_key FROM replies"
                    f" WHERE network_key IN ({','.join('?' * len(part))})",
                    part,
                ).fetchall()
                found.update(row["network_key"] for row in rows)
            return found

        return await self._db.read(select) if keys else set()

    def _now_seconds(self) -> float:
        raise NotImplementedError
