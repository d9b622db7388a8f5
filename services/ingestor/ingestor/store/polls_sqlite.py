"""SQLite half of PollStore, mixed into SqliteIngestStore."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from typing import Any

from contracts.accounts import HealthState
from servicekit.clock import Clock, epoch_seconds
from servicekit.publishing import OutgoingMessage
from servicekit.sqlite import SqliteDatabase

SCHEMA = """
CREATE TABLE IF NOT EXISTS polls (
    account_id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    lease_until REAL NOT NULL,
    next_poll_at REAL NOT NULL DEFAULT 0,
    cursor TEXT NOT NULL DEFAULT '{}'
);
"""


class SqlitePolls:
    _db: SqliteDatabase
    _clock: Clock

    async def claim_poll(
        self, account_id: str, owner: str, *, now: datetime, lease_until: datetime
    ) -> dict[str, Any] | None:
        def claim(connection: sqlite3.Connection) -> dict[str, Any] | None:
            # One statement: two replicas claiming at once cannot both win.
            row = connection.execute(
                "INSERT INTO polls (account_id, owner, lease_until) VALUES (?, ?, ?)"
                " ON CONFLICT (account_id) DO UPDATE SET owner = excluded.owner,"
                " lease_until = excluded.lease_until"
                " WHERE (polls.lease_until <= ? OR polls.owner = excluded.owner)"
                " AND polls.next_poll_at <= ?"
                " RETURNING cursor",
                (account_id, owner, lease_until.timestamp(), now.timestamp(), now.timestamp()),
            ).fetchone()
            return None if row is None else dict(json.loads(row["cursor"]))

        return await self._db.write(claim)

    async def finish_poll(
        self, account_id: str, owner: str, *, cursor: dict[str, Any], next_poll_at: datetime
    ) -> bool:
        def finish(connection: sqlite3.Connection) -> bool:
            return bool(
                connection.execute(
                    "UPDATE polls SET cursor = ?, next_poll_at = ?, lease_until = 0"
                    " WHERE account_id = ? AND owner = ?",
                    (json.dumps(cursor), next_poll_at.timestamp(), account_id, owner),
                ).rowcount
            )

        return await self._db.write(finish)

    async def poll_cursor(self, account_id: str) -> dict[str, Any] | None:
        def select(connection: sqlite3.Connection) -> dict[str, Any] | None:
            row = connection.execute(
                "SELECT cursor FROM polls WHERE account_id = ?", (account_id,)
            ).fetchone()
            return None if row is None else dict(json.loads(row["cursor"]))

        return await self._db.read(select)

    async def set_health(
        self,
        account_id: str,
        *,
        state: HealthState,
        last_error: str | None,
        consecutive_failures: int,
        last_poll_at: datetime | None = None,
        changed_at: datetime | None = None,
        event: tuple[str, OutgoingMessage] | None = None,
    ) -> list[OutgoingMessage]:
        def write(connection: sqlite3.Connection) -> list[OutgoingMessage]:
            new: list[OutgoingMessage] = []
            if event is not None:
                key, message = event
                inserted = connection.execute(
                    "INSERT INTO received (dedup_key, event_id, routing_key, body,"
                    " correlation_id, accepted_at) VALUES (?, ?, ?, ?, ?, ?)"
                    " ON CONFLICT (dedup_key) DO NOTHING",
                    (
                        key,
                        str(message.id),
                        message.routing_key,
                        message.body,
                        str(message.correlation_id) if message.correlation_id else None,
                        epoch_seconds(self._clock),
                    ),
                ).rowcount
                new = [message] if inserted else []
            connection.execute(
                "UPDATE accounts SET data = json_set(data, '$.health.state', ?,"
                " '$.health.last_error', ?, '$.health.consecutive_failures', ?,"
                " '$.health.last_poll_at',"
                " coalesce(?, json_extract(data, '$.health.last_poll_at')),"
                " '$.health.changed_at',"
                " coalesce(?, json_extract(data, '$.health.changed_at')))"
                " WHERE id = ?",
                (
                    state.value,
                    last_error,
                    consecutive_failures,
                    last_poll_at.isoformat() if last_poll_at else None,
                    changed_at.isoformat() if changed_at else None,
                    account_id,
                ),
            )
            return new

        return await self._db.write(write)
