from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from uuid import UUID

from ingestor.store.accounts_port import Delivery
from ingestor.store.accounts_sqlite import SCHEMA as ACCOUNTS_SCHEMA
from ingestor.store.accounts_sqlite import (
    SqliteAccounts,
    keep_delivery_in,
    note_events_in,
    remember_threads_in,
)
from ingestor.store.polls_sqlite import SCHEMA as POLLS_SCHEMA
from ingestor.store.polls_sqlite import SqlitePolls
from ingestor.store.received_sqlite import MESSAGE_COLUMNS, message
from ingestor.store.received_sqlite import SCHEMA as RECEIVED_SCHEMA
from ingestor.store.received_sqlite import insert as insert_received
from ingestor.store.received_sqlite import upgrade as upgrade_received
from ingestor.store.replies_sqlite import SCHEMA as REPLIES_SCHEMA
from ingestor.store.replies_sqlite import SqliteReplies
from servicekit.clock import Clock, epoch_seconds, system_clock
from servicekit.outbox import Backlog
from servicekit.publishing import OutgoingMessage
from servicekit.sqlite import SqliteDatabase


def _insert(
    connection: sqlite3.Connection, received: Sequence[tuple[str, OutgoingMessage]], now: float
) -> list[OutgoingMessage]:
    """Keep each new message under its key; the ones that were new."""
    return [m for key, m in received if insert_received(connection, key, m, now)]


class SqliteIngestStore(SqliteAccounts, SqlitePolls, SqliteReplies):
    backend = "sqlite"

    def __init__(self, path: Path, *, clock: Clock = system_clock) -> None:
        self._db = SqliteDatabase(
            path, RECEIVED_SCHEMA + ACCOUNTS_SCHEMA + POLLS_SCHEMA + REPLIES_SCHEMA
        )
        self._clock = clock

    async def open(self) -> None:
        await self._db.open()
        await self._db.write(upgrade_received)

    def _now_seconds(self) -> float:
        return epoch_seconds(self._clock)

    async def ping(self) -> None:
        await self._db.ping()

    async def close(self) -> None:
        await self._db.close()

    async def accept(
        self, received: Sequence[tuple[str, OutgoingMessage]]
    ) -> list[OutgoingMessage]:
        now = epoch_seconds(self._clock)

        return await self._db.write(lambda connection: _insert(connection, received, now))

    async def accept_delivery(
        self,
        received: Sequence[tuple[str, OutgoingMessage]],
        *,
        delivery: Delivery | None,
        threads: dict[str, str],
        touched: Sequence[str],
        at: datetime,
    ) -> list[OutgoingMessage]:
        now = epoch_seconds(self._clock)

        def write(connection: sqlite3.Connection) -> list[OutgoingMessage]:
            # One transaction, one trip to the writer thread: a webhook's answer waits on it.
            remember_threads_in(connection, threads, at)
            accepted = _insert(connection, received, now)
            if delivery is not None:
                counted = replace(
                    delivery, accepted=len(accepted), duplicates=len(received) - len(accepted)
                )
                keep_delivery_in(connection, counted)
            note_events_in(connection, touched, at)
            return accepted

        return await self._db.write(write)

    async def claim_unpublished(
        self, *, older_than_seconds: float, lease_seconds: float, limit: int
    ) -> Sequence[OutgoingMessage]:
        now = epoch_seconds(self._clock)

        def claim(connection: sqlite3.Connection) -> list[OutgoingMessage]:
            rows = connection.execute(
                "UPDATE received SET claimed_until = ? WHERE dedup_key IN ("
                " SELECT dedup_key FROM received WHERE published_at IS NULL"
                " AND accepted_at < ? AND claimed_until < ? ORDER BY accepted_at LIMIT ?)"
                f" RETURNING {MESSAGE_COLUMNS}",
                (now + lease_seconds, now - older_than_seconds, now, limit),
            ).fetchall()
            return [message(row) for row in rows]

        return await self._db.write(claim)

    async def mark_published(self, ids: Sequence[UUID]) -> None:
        now = epoch_seconds(self._clock)

        def mark(connection: sqlite3.Connection) -> None:
            # Only the key is needed from now on: the body (most of the row) is dropped.
            connection.executemany(
                "UPDATE received SET published_at = ?, body = X'' WHERE event_id = ?",
                [(now, str(i)) for i in ids],
            )

        # In the next write transaction (claims, the backlog and the pending keys see it): a
        # row left unmarked by a crash is published again by the relay, and ticketing takes
        # it as the redelivery it is (an interaction already stored is left alone).
        self._db.write_later(mark)

    async def outbox_backlog(self) -> Backlog:
        await self._db.settle_later()

        def count(connection: sqlite3.Connection) -> tuple[int, float | None]:
            # On the partial index of unpublished rows: published keys are never scanned.
            row = connection.execute(
                "SELECT count(*), min(accepted_at) FROM received WHERE published_at IS NULL"
            ).fetchone()
            return row[0], row[1]

        events, oldest = await self._db.read(count)
        return Backlog.since(events, oldest, self._clock())

    async def unpublished_keys(self, keys: Sequence[str]) -> set[str]:
        await self._db.settle_later()
        unique = list(dict.fromkeys(keys))

        def select(connection: sqlite3.Connection) -> set[str]:
            found: set[str] = set()
            # In slices: SQLite limits the number of parameters of one statement.
            for start in range(0, len(unique), 500):
                part = unique[start : start + 500]
                rows = connection.execute(
                    "SELECT dedup_key FROM received WHERE published_at IS NULL"
                    f" AND dedup_key IN ({','.join('?' * len(part))})",
                    part,
                ).fetchall()
                found.update(row["dedup_key"] for row in rows)
            return found

        return await self._db.read(select) if unique else set()

    async def body_of(self, dedup_key: str) -> bytes | None:
        await self._db.settle_later()

        def select(connection: sqlite3.Connection) -> bytes | None:
            row = connection.execute(
                "SELECT body FROM received WHERE dedup_key = ? AND published_at IS NULL",
                (dedup_key,),
            ).fetchone()
            return None if row is None else bytes(row["body"])

        return await self._db.read(select)

    async def forget_published(self, *, before: datetime) -> int:
        def forget(connection: sqlite3.Connection) -> int:
            return connection.execute(
                "DELETE FROM received WHERE published_at < ?", (before.timestamp(),)
            ).rowcount

        return await self._db.write(forget)
