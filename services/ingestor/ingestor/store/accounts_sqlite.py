"""SQLite half of AccountStore, mixed into SqliteIngestStore (one file per service)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime

from contracts.accounts import AccountRead
from ingestor.store.accounts_port import AccountTaken, Delivery, MailCursor, StoredAccount
from servicekit.sqlite import SqliteDatabase

SCHEMA = """
CREATE TABLE IF NOT EXISTS accounts (
    id TEXT PRIMARY KEY,
    channel TEXT NOT NULL,
    network_id TEXT NOT NULL,
    data TEXT NOT NULL,
    credentials BLOB,
    UNIQUE (channel, network_id)
);
CREATE TABLE IF NOT EXISTS deliveries (
    id TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    received_at REAL NOT NULL,
    body BLOB NOT NULL,
    accepted INTEGER NOT NULL,
    duplicates INTEGER NOT NULL,
    set_aside TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS deliveries_received ON deliveries (received_at);
CREATE TABLE IF NOT EXISTS threads (
    key TEXT PRIMARY KEY,
    thread TEXT NOT NULL,
    at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS threads_at ON threads (at);
CREATE TABLE IF NOT EXISTS mail_cursors (
    account_id TEXT PRIMARY KEY,
    uidvalidity INTEGER NOT NULL,
    uid INTEGER NOT NULL
);
"""


def note_events_in(
    connection: sqlite3.Connection, account_ids: Sequence[str], at: datetime
) -> None:
    connection.executemany(
        "UPDATE accounts SET data = json_set(data, '$.health.last_event_at', ?) WHERE id = ?",
        [(at.isoformat(), i) for i in account_ids],
    )


def keep_delivery_in(connection: sqlite3.Connection, d: Delivery) -> None:
    connection.execute(
        "INSERT INTO deliveries VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            d.id,
            d.source,
            d.received_at.timestamp(),
            d.body,
            d.accepted,
            d.duplicates,
            json.dumps(d.set_aside),
        ),
    )


def remember_threads_in(
    connection: sqlite3.Connection, threads: dict[str, str], at: datetime
) -> None:
    connection.executemany(
        "INSERT INTO threads VALUES (?, ?, ?) ON CONFLICT (key)"
        " DO UPDATE SET thread = excluded.thread, at = excluded.at",
        [(key, thread, at.timestamp()) for key, thread in threads.items()],
    )


def _stored(row: sqlite3.Row) -> StoredAccount:
    return StoredAccount(
        AccountRead.model_validate_json(row["data"]),
        None if row["credentials"] is None else bytes(row["credentials"]),
    )


class SqliteAccounts:
    _db: SqliteDatabase

    async def create_account(self, stored: StoredAccount) -> None:
        a = stored.account

        def insert(connection: sqlite3.Connection) -> None:
            try:
                connection.execute(
                    "INSERT INTO accounts (id, channel, network_id, data, credentials)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (a.id, a.channel.value, a.network_id, a.model_dump_json(), stored.credentials),
                )
            except sqlite3.IntegrityError as exc:
                raise AccountTaken(str(exc)) from exc

        await self._db.write(insert)

    async def account(self, account_id: str) -> StoredAccount | None:
        def select(connection: sqlite3.Connection) -> StoredAccount | None:
            row = connection.execute(
                "SELECT * FROM accounts WHERE id = ?", (account_id,)
            ).fetchone()
            return None if row is None else _stored(row)

        return await self._db.read(select)

    async def accounts(self) -> list[StoredAccount]:
        def select(connection: sqlite3.Connection) -> list[StoredAccount]:
            return [_stored(r) for r in connection.execute("SELECT * FROM accounts ORDER BY id")]

        return await self._db.read(select)

    async def replace_account(
        self, stored: StoredAccount, *, expected_revision: int | None = None
    ) -> bool:
        a = stored.account
        at_revision = (
            ""
            if expected_revision is None
            else " AND COALESCE(json_extract(data, '$.revision'), 0) = ?"
        )

        def update(connection: sqlite3.Connection) -> bool:
            try:
                return bool(
                    connection.execute(
                        # The stored health stays: a poll may have written it since the
                        # account was read, and health is not the administrator's to save.
                        "UPDATE accounts SET channel = ?, network_id = ?, data = json_set(?,"
                        " '$.health', json(coalesce(json_extract(data, '$.health'), ?))),"
                        f" credentials = ? WHERE id = ?{at_revision}",
                        (
                            a.channel.value,
                            a.network_id,
                            a.model_dump_json(),
                            a.health.model_dump_json(),
                            stored.credentials,
                            a.id,
                            *(() if expected_revision is None else (expected_revision,)),
                        ),
                    ).rowcount
                )
            except sqlite3.IntegrityError as exc:
                raise AccountTaken(str(exc)) from exc

        return await self._db.write(update)

    async def delete_account(self, account_id: str) -> bool:
        def delete(connection: sqlite3.Connection) -> bool:
            return bool(
                connection.execute("DELETE FROM accounts WHERE id = ?", (account_id,)).rowcount
            )

        return await self._db.write(delete)

    async def accounts_by_network(
        self, channels: Sequence[str], network_ids: Sequence[str]
    ) -> list[StoredAccount]:
        if not channels or not network_ids:
            return []

        def select(connection: sqlite3.Connection) -> list[StoredAccount]:
            marks_c, marks_n = ",".join("?" * len(channels)), ",".join("?" * len(network_ids))
            rows = connection.execute(
                f"SELECT * FROM accounts WHERE channel IN ({marks_c})"
                f" AND network_id IN ({marks_n})",
                (*channels, *network_ids),
            )
            return [_stored(r) for r in rows]

        return await self._db.read(select)

    async def note_events(self, account_ids: Sequence[str], at: datetime) -> None:
        await self._db.write(lambda connection: note_events_in(connection, account_ids, at))

    async def keep_delivery(self, delivery: Delivery) -> None:
        await self._db.write(lambda connection: keep_delivery_in(connection, delivery))

    async def delivery_summary(self) -> dict[str, int]:
        def count(connection: sqlite3.Connection) -> dict[str, int]:
            summary = {"deliveries": 0, "unknown_account": 0, "unnormalisable": 0}
            summary["deliveries"] = connection.execute(
                "SELECT count(*) FROM deliveries"
            ).fetchone()[0]
            for reason, n in connection.execute(
                "SELECT json_extract(value, '$.reason'), count(*)"
                " FROM deliveries, json_each(deliveries.set_aside) GROUP BY 1"
            ):
                summary[reason] = n
            return summary

        return await self._db.read(count)

    async def forget_deliveries(self, *, before: datetime) -> int:
        def forget(connection: sqlite3.Connection) -> int:
            return connection.execute(
                "DELETE FROM deliveries WHERE received_at < ?", (before.timestamp(),)
            ).rowcount

        return await self._db.write(forget)

    async def deliveries_between(
        self, sources: Sequence[str], since: datetime, until: datetime
    ) -> list[Delivery]:
        if not sources:
            return []

        def select(connection: sqlite3.Connection) -> list[Delivery]:
            rows = connection.execute(
                f"SELECT * FROM deliveries WHERE source IN ({','.join('?' * len(sources))})"
                " AND received_at >= ? AND received_at < ? ORDER BY received_at",
                (*sources, since.timestamp(), until.timestamp()),
            )
            return [
                Delivery(
                    id=r["id"],
                    source=r["source"],
                    received_at=datetime.fromtimestamp(r["received_at"], UTC),
                    body=bytes(r["body"]),
                    accepted=r["accepted"],
                    duplicates=r["duplicates"],
                    set_aside=json.loads(r["set_aside"]),
                )
                for r in rows
            ]

        return await self._db.read(select)

    async def mail_cursor(self, account_id: str) -> MailCursor | None:
        def select(connection: sqlite3.Connection) -> MailCursor | None:
            row = connection.execute(
                "SELECT uidvalidity, uid FROM mail_cursors WHERE account_id = ?", (account_id,)
            ).fetchone()
            return None if row is None else MailCursor(row["uidvalidity"], row["uid"])

        return await self._db.read(select)

    async def save_mail_cursor(self, account_id: str, cursor: MailCursor) -> None:
        def upsert(connection: sqlite3.Connection) -> None:
            connection.execute(
                "INSERT INTO mail_cursors VALUES (?, ?, ?) ON CONFLICT (account_id)"
                " DO UPDATE SET uidvalidity = excluded.uidvalidity, uid = excluded.uid",
                (account_id, cursor.uidvalidity, cursor.uid),
            )

        await self._db.write(upsert)

    async def threads_of(self, keys: Sequence[str]) -> dict[str, str]:
        if not keys:
            return {}

        def select(connection: sqlite3.Connection) -> dict[str, str]:
            marks = ",".join("?" * len(keys))
            rows = connection.execute(
                f"SELECT key, thread FROM threads WHERE key IN ({marks})", tuple(keys)
            )
            return {r["key"]: r["thread"] for r in rows}

        return await self._db.read(select)

    async def remember_threads(self, threads: dict[str, str], at: datetime) -> None:
        if not threads:
            return

        await self._db.write(lambda connection: remember_threads_in(connection, threads, at))

    async def forget_threads(self, *, before: datetime) -> int:
        def forget(connection: sqlite3.Connection) -> int:
            return connection.execute(
                "DELETE FROM threads WHERE at < ?", (before.timestamp(),)
            ).rowcount

        return await self._db.write(forget)
