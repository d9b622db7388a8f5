from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID

from notifier.store.port import Answered, Claim, OpinionRequest, StoredSettings
from servicekit.clock import Clock, epoch_seconds, system_clock
from servicekit.outbox import Backlog
from servicekit.publishing import OutgoingMessage
from servicekit.sqlite import SqliteDatabase, add_missing_columns

SCHEMA = """
CREATE TABLE IF NOT EXISTS deliveries (
    event_id TEXT NOT NULL,
    recipient TEXT NOT NULL,
    state TEXT NOT NULL,
    claimed_until REAL NOT NULL,
    updated_at REAL NOT NULL,
    owner TEXT,
    PRIMARY KEY (event_id, recipient)
);
CREATE TABLE IF NOT EXISTS notification_settings (
    user_id TEXT PRIMARY KEY,
    language TEXT,
    alerts TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS opinion_requests (
    request_id TEXT PRIMARY KEY,
    ticket_id TEXT NOT NULL,
    email TEXT NOT NULL,
    expires_at REAL NOT NULL,
    shared TEXT NOT NULL,
    answered_at REAL,
    -- the OpinionReceivedV1 that announces the answer, kept until RabbitMQ confirmed it
    event_id TEXT,
    routing_key TEXT,
    body BLOB,
    correlation_id TEXT,
    traceparent TEXT,
    tracestate TEXT,
    published INTEGER NOT NULL DEFAULT 0,
    claimed_until REAL NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS opinion_requests_unpublished
    ON opinion_requests (answered_at) WHERE answered_at IS NOT NULL AND published = 0;
"""


SENDING = "sending"


def _add_columns(connection: sqlite3.Connection) -> None:
    """Files written before claims had owners gain the column; their old claims have none,
    so they can only be taken over once their lease ran out. Likewise the answers' trace
    context: an answer kept before it has none, and relays in a new trace."""
    add_missing_columns(connection, "deliveries", {"owner": "TEXT"})
    add_missing_columns(
        connection, "opinion_requests", {"traceparent": "TEXT", "tracestate": "TEXT"}
    )


class SqliteNotifierStore:
    backend = "sqlite"

    def __init__(self, path: Path, *, clock: Clock = system_clock) -> None:
        self._db = SqliteDatabase(path, SCHEMA)
        self._clock = clock

    async def open(self) -> None:
        await self._db.open()
        await self._db.write(_add_columns)

    async def ping(self) -> None:
        await self._db.ping()

    async def close(self) -> None:
        await self._db.close()

    async def claim(
        self, event_id: UUID, recipient: str, *, owner: str, lease_seconds: float
    ) -> Claim:
        now = epoch_seconds(self._clock)

        def claim(connection: sqlite3.Connection) -> Claim:
            row = connection.execute(
                "SELECT state, claimed_until FROM deliveries WHERE event_id = ? AND recipient = ?",
                (str(event_id), recipient),
            ).fetchone()
            if row is not None and row["state"] != SENDING:
                return Claim.DONE
            if row is not None and row["claimed_until"] > now:
                return Claim.BUSY
            # New, released, or left by an owner whose lease ran out: this owner takes it.
            connection.execute(
                "INSERT INTO deliveries (event_id, recipient, state, claimed_until, updated_at,"
                " owner) VALUES (?, ?, 'sending', ?, ?, ?) ON CONFLICT (event_id, recipient)"
                " DO UPDATE SET claimed_until = excluded.claimed_until,"
                " updated_at = excluded.updated_at, owner = excluded.owner",
                (str(event_id), recipient, now + lease_seconds, now, owner),
            )
            return Claim.GRANTED

        return await self._db.write(claim)

    async def renew(
        self, event_id: UUID, recipient: str, *, owner: str, lease_seconds: float
    ) -> bool:
        now = epoch_seconds(self._clock)
        params = (now + lease_seconds, now, str(event_id), recipient, owner)

        def renew(connection: sqlite3.Connection) -> bool:
            cursor = connection.execute(
                "UPDATE deliveries SET claimed_until = ?, updated_at = ? WHERE event_id = ?"
                " AND recipient = ? AND owner = ? AND state = 'sending'",
                params,
            )
            return cursor.rowcount == 1

        return await self._db.write(renew)

    async def finish(self, event_id: UUID, recipient: str, *, outcome: str) -> None:
        # Whoever sent it, the mail went out: recorded even if the sender's lease had run out.
        params = (outcome, epoch_seconds(self._clock), str(event_id), recipient)
        await self._db.write(
            lambda connection: connection.execute(
                "UPDATE deliveries SET state = ?, updated_at = ?"
                " WHERE event_id = ? AND recipient = ? AND state = 'sending'",
                params,
            )
        )

    async def release(self, event_id: UUID, recipient: str, *, owner: str) -> None:
        params = (epoch_seconds(self._clock), str(event_id), recipient, owner)
        await self._db.write(
            lambda connection: connection.execute(
                "UPDATE deliveries SET claimed_until = 0, owner = NULL, updated_at = ?"
                " WHERE event_id = ? AND recipient = ? AND owner = ? AND state = 'sending'",
                params,
            )
        )

    async def outcome(self, event_id: UUID, recipient: str) -> str | None:
        row = await self._db.read(
            lambda connection: connection.execute(
                "SELECT state FROM deliveries WHERE event_id = ? AND recipient = ?",
                (str(event_id), recipient),
            ).fetchone()
        )
        return None if row is None or row["state"] == SENDING else str(row["state"])

    async def get_settings(self, user_id: str) -> StoredSettings | None:
        return (await self.settings_of([user_id])).get(user_id)

    async def settings_of(self, user_ids: Sequence[str]) -> dict[str, StoredSettings]:
        ids = list(dict.fromkeys(user_ids))
        if not ids:
            return {}

        def read(connection: sqlite3.Connection) -> list[sqlite3.Row]:
            marks = ",".join("?" * len(ids))
            return connection.execute(
                f"SELECT * FROM notification_settings WHERE user_id IN ({marks})", ids
            ).fetchall()

        return {
            r["user_id"]: StoredSettings(r["user_id"], r["language"], json.loads(r["alerts"]))
            for r in await self._db.read(read)
        }

    async def put_settings(self, settings: StoredSettings) -> None:
        params = (settings.user_id, settings.language, json.dumps(settings.alerts))
        await self._db.write(
            lambda connection: connection.execute(
                "INSERT INTO notification_settings (user_id, language, alerts) VALUES (?, ?, ?)"
                " ON CONFLICT (user_id) DO UPDATE SET language = excluded.language,"
                " alerts = excluded.alerts",
                params,
            )
        )

    async def save_opinion_request(self, request: OpinionRequest) -> OpinionRequest:
        params = (
            str(request.request_id),
            str(request.ticket_id),
            request.email,
            request.expires_at.timestamp(),
            json.dumps(request.shared),
        )

        def save(connection: sqlite3.Connection) -> None:
            connection.execute(
                "INSERT INTO opinion_requests (request_id, ticket_id, email, expires_at, shared)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT (request_id) DO NOTHING",
                params,
            )

        await self._db.write(save)
        stored = await self.get_opinion_request(request.request_id)
        assert stored is not None  # just written, never deleted
        return stored

    async def get_opinion_request(self, request_id: UUID) -> OpinionRequest | None:
        row = await self._db.read(
            lambda connection: connection.execute(
                "SELECT * FROM opinion_requests WHERE request_id = ?", (str(request_id),)
            ).fetchone()
        )
        if row is None:
            return None
        return OpinionRequest(
            request_id=UUID(row["request_id"]),
            ticket_id=UUID(row["ticket_id"]),
            email=row["email"],
            expires_at=datetime.fromtimestamp(row["expires_at"], UTC),
            shared=json.loads(row["shared"]),
            answered_at=(
                datetime.fromtimestamp(row["answered_at"], UTC) if row["answered_at"] else None
            ),
        )

    async def answer_opinion_request(
        self, request_id: UUID, *, answered_at: datetime, announce: OutgoingMessage
    ) -> Answered:
        params = (answered_at.timestamp(), *announce.row_fields(), str(request_id))

        def answer(connection: sqlite3.Connection) -> Answered:
            # Compare-and-set: only a request still unanswered takes the answer.
            cursor = connection.execute(
                "UPDATE opinion_requests SET answered_at = ?, event_id = ?, routing_key = ?,"
                " body = ?, correlation_id = ?, traceparent = ?, tracestate = ?"
                " WHERE request_id = ? AND answered_at IS NULL",
                params,
            )
            if cursor.rowcount == 1:
                return Answered.NOW
            exists = connection.execute(
                "SELECT 1 FROM opinion_requests WHERE request_id = ?", (str(request_id),)
            ).fetchone()
            return Answered.BEFORE if exists else Answered.MISSING

        return await self._db.write(answer)

    async def claim_unpublished(
        self, *, older_than_seconds: float, lease_seconds: float, limit: int
    ) -> Sequence[OutgoingMessage]:
        now = epoch_seconds(self._clock)

        def claim(connection: sqlite3.Connection) -> list[OutgoingMessage]:
            rows = connection.execute(
                "UPDATE opinion_requests SET claimed_until = ? WHERE request_id IN ("
                " SELECT request_id FROM opinion_requests WHERE answered_at IS NOT NULL"
                " AND published = 0 AND answered_at < ? AND claimed_until < ?"
                " ORDER BY answered_at LIMIT ?)"
                " RETURNING event_id, routing_key, body, correlation_id, traceparent,"
                " tracestate",
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

        return await self._db.write(claim)

    async def mark_published(self, ids: Sequence[UUID]) -> None:
        def mark(connection: sqlite3.Connection) -> None:
            connection.executemany(
                "UPDATE opinion_requests SET published = 1 WHERE event_id = ?",
                [(str(i),) for i in ids],
            )

        await self._db.write(mark)

    async def outbox_backlog(self) -> Backlog:
        def count(connection: sqlite3.Connection) -> tuple[int, float | None]:
            # The same condition as the partial index opinion_requests_unpublished.
            row = connection.execute(
                "SELECT count(*), min(answered_at) FROM opinion_requests"
                " WHERE answered_at IS NOT NULL AND published = 0"
            ).fetchone()
            return row[0], row[1]

        events, oldest = await self._db.read(count)
        return Backlog.since(events, oldest, self._clock())
