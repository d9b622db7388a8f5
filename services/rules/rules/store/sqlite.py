from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from uuid import UUID, uuid4

from contracts.events import DigestItem
from contracts.interaction import Interaction
from contracts.rules import RuleChange, RuleDefinition, RuleRead
from rules.store.port import DigestEntry, DigestWindow, LoggedInteraction, instant
from servicekit.clock import Clock, system_clock
from servicekit.sqlite import SqliteDatabase

SCHEMA = """
CREATE TABLE IF NOT EXISTS author_groups (identity TEXT PRIMARY KEY, groups TEXT, at TEXT);
CREATE TABLE IF NOT EXISTS rules (
    id TEXT PRIMARY KEY,
    position INTEGER NOT NULL,
    version INTEGER NOT NULL,
    definition TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS rules_position ON rules (position);
CREATE TABLE IF NOT EXISTS revision (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    value INTEGER NOT NULL
);
INSERT OR IGNORE INTO revision (id, value) VALUES (1, 0);
CREATE TABLE IF NOT EXISTS rule_changes (
    rule_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    action TEXT NOT NULL,
    actor TEXT NOT NULL,
    at TEXT NOT NULL,
    before TEXT,
    after TEXT,
    PRIMARY KEY (rule_id, version, action)
);
CREATE TABLE IF NOT EXISTS interaction_log (
    key TEXT PRIMARY KEY,
    occurred_at TEXT NOT NULL,
    received_at TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS interaction_log_occurred ON interaction_log (occurred_at, key);
CREATE INDEX IF NOT EXISTS interaction_log_received ON interaction_log (received_at);
CREATE TABLE IF NOT EXISTS digest_windows (
    rule_id TEXT NOT NULL,
    window_start TEXT NOT NULL,
    window_end TEXT NOT NULL,
    rule_name TEXT NOT NULL,
    emails TEXT NOT NULL,
    claimed_until TEXT,
    sent_at TEXT,
    PRIMARY KEY (rule_id, window_start)
);
CREATE INDEX IF NOT EXISTS digest_windows_due ON digest_windows (sent_at, window_end);
CREATE TABLE IF NOT EXISTS digest_items (
    rule_id TEXT NOT NULL,
    window_start TEXT NOT NULL,
    key TEXT NOT NULL,
    occurred_at TEXT NOT NULL,
    item TEXT NOT NULL,
    PRIMARY KEY (rule_id, window_start, key)
);
"""


def _rule(row: sqlite3.Row) -> RuleRead:
    definition = RuleDefinition.model_validate_json(row["definition"])
    return RuleRead(
        **definition.model_dump(),
        id=UUID(row["id"]),
        version=row["version"],
        created_at=datetime.fromisoformat(row["created_at"]),
        updated_at=datetime.fromisoformat(row["updated_at"]),
    )


def _bump(connection: sqlite3.Connection) -> None:
    connection.execute("UPDATE revision SET value = value + 1 WHERE id = 1")


def _audit(
    connection: sqlite3.Connection,
    *,
    rule_id: str,
    version: int,
    action: str,
    actor: str,
    at: str,
    before: str | None,
    after: str | None,
) -> None:
    connection.execute(
        "INSERT INTO rule_changes (rule_id, version, action, actor, at, before, after)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (rule_id, version, action, actor, at, before, after),
    )


def _change(row: sqlite3.Row) -> RuleChange:
    return RuleChange(
        rule_id=UUID(row["rule_id"]),
        version=row["version"],
        action=row["action"],
        actor=row["actor"],
        at=datetime.fromisoformat(row["at"]),
        before=RuleDefinition.model_validate_json(row["before"]) if row["before"] else None,
        after=RuleDefinition.model_validate_json(row["after"]) if row["after"] else None,
    )


class SqliteRuleStore:
    backend = "sqlite"

    def __init__(self, path: Path, *, clock: Clock = system_clock) -> None:
        self._clock = clock
        self._db = SqliteDatabase(path, SCHEMA)

    async def open(self) -> None:
        await self._db.open()

    async def ping(self) -> None:
        await self._db.ping()

    async def close(self) -> None:
        await self._db.close()

    async def author_groups(self, identity: str) -> list[str]:
        query = "SELECT groups FROM author_groups WHERE identity = ?"
        row = await self._db.read(lambda c: c.execute(query, (identity,)).fetchone())
        return list(json.loads(row[0])) if row else []

    async def keep_author_groups(self, identity: str, groups: list[str], *, at: datetime) -> None:
        await self._db.write(
            lambda c: c.execute(
                "INSERT INTO author_groups (identity, groups, at) VALUES (?, ?, ?)"
                " ON CONFLICT (identity) DO UPDATE SET groups = excluded.groups, at = excluded.at"
                " WHERE excluded.at >= author_groups.at",
                (identity, json.dumps(groups), instant(at)),
            )
        )

    async def revision(self) -> int:
        return await self._db.read(
            lambda c: c.execute("SELECT value FROM revision WHERE id = 1").fetchone()[0]
        )

    async def list_rules(self) -> list[RuleRead]:
        return await self._db.read(
            lambda c: [_rule(r) for r in c.execute("SELECT * FROM rules ORDER BY position, id")]
        )

    async def get_rule(self, rule_id: UUID) -> RuleRead | None:
        def select(connection: sqlite3.Connection) -> RuleRead | None:
            row = connection.execute("SELECT * FROM rules WHERE id = ?", (str(rule_id),)).fetchone()
            return _rule(row) if row else None

        return await self._db.read(select)

    async def create_rule(self, definition: RuleDefinition, *, actor: str = "system") -> RuleRead:
        now = self._clock().isoformat()

        def insert(connection: sqlite3.Connection) -> RuleRead:
            rule_id = str(uuid4())
            connection.execute(
                "INSERT INTO rules (id, position, version, definition, created_at, updated_at)"
                " VALUES (?, (SELECT COALESCE(MAX(position), 0) + 1 FROM rules), 1, ?, ?, ?)",
                (rule_id, definition.model_dump_json(), now, now),
            )
            _audit(
                connection,
                rule_id=rule_id,
                version=1,
                action="created",
                actor=actor,
                at=now,
                before=None,
                after=definition.model_dump_json(),
            )
            _bump(connection)
            return _rule(
                connection.execute("SELECT * FROM rules WHERE id = ?", (rule_id,)).fetchone()
            )

        return await self._db.write(insert)

    async def replace_rule(
        self, rule_id: UUID, definition: RuleDefinition, *, actor: str = "system"
    ) -> RuleRead | None:
        now = self._clock().isoformat()

        def update(connection: sqlite3.Connection) -> RuleRead | None:
            before = connection.execute(
                "SELECT definition FROM rules WHERE id = ?", (str(rule_id),)
            ).fetchone()
            if before is None:
                return None
            row = connection.execute(
                "UPDATE rules SET definition = ?, version = version + 1, updated_at = ?"
                " WHERE id = ? RETURNING *",
                (definition.model_dump_json(), now, str(rule_id)),
            ).fetchone()
            _audit(
                connection,
                rule_id=str(rule_id),
                version=row["version"],
                action="replaced",
                actor=actor,
                at=now,
                before=before["definition"],
                after=row["definition"],
            )
            _bump(connection)
            return _rule(row)

        return await self._db.write(update)

    async def delete_rule(self, rule_id: UUID, *, actor: str = "system") -> bool:
        now = self._clock().isoformat()

        def delete(connection: sqlite3.Connection) -> bool:
            row = connection.execute(
                "DELETE FROM rules WHERE id = ? RETURNING version, definition", (str(rule_id),)
            ).fetchone()
            if row is None:
                return False
            _audit(
                connection,
                rule_id=str(rule_id),
                version=row["version"],
                action="deleted",
                actor=actor,
                at=now,
                before=row["definition"],
                after=None,
            )
            _bump(connection)
            return True

        return await self._db.write(delete)

    async def history(self, rule_id: UUID) -> list[RuleChange]:
        return await self._db.read(
            lambda c: [
                _change(r)
                for r in c.execute(
                    "SELECT * FROM rule_changes WHERE rule_id = ? ORDER BY rowid",
                    (str(rule_id),),
                )
            ]
        )

    async def log_interaction(
        self, entry: LoggedInteraction, digests: Sequence[DigestEntry] = ()
    ) -> None:
        row = (
            entry.interaction.key,
            instant(entry.interaction.occurred_at),
            instant(entry.received_at),
            entry.body(),
        )

        def insert(connection: sqlite3.Connection) -> None:
            connection.execute(
                "INSERT OR IGNORE INTO interaction_log (key, occurred_at, received_at, body)"
                " VALUES (?, ?, ?, ?)",
                row,
            )
            for digest in digests:
                _add_to_window(connection, digest)

        if not digests:
            # Only the backtests' sample: it rides along in a later transaction with the next
            # ones (one commit for many on a normal day, where each interaction paid its own),
            # and a crash loses at most the last moment of the sample.
            self._db.write_later(insert)
            return
        # A digest's item must be kept before the message is acknowledged: through group
        # commit, the consumer's concurrent messages share one transaction.
        await self._db.write(insert)

    async def logged_between(
        self, since: datetime, until: datetime, *, after: tuple[str, str] | None, limit: int
    ) -> list[LoggedInteraction]:
        low, low_key = after or (instant(since), "")
        await self._db.settle_later()  # what this process logged a moment ago is read too
        rows = await self._db.read(
            lambda c: c.execute(
                "SELECT received_at, body FROM interaction_log"
                " WHERE (occurred_at > ? OR (occurred_at = ? AND key > ?))"
                " AND occurred_at >= ? AND occurred_at < ?"
                " ORDER BY occurred_at, key LIMIT ?",
                (low, low, low_key, instant(since), instant(until), limit),
            ).fetchall()
        )
        return [
            LoggedInteraction(
                interaction=Interaction.model_validate_json(row["body"]),
                received_at=datetime.fromisoformat(row["received_at"]),
            )
            for row in rows
        ]

    async def prune_log(self, received_before: datetime) -> int:
        cutoff = instant(received_before)

        def delete(connection: sqlite3.Connection) -> int:
            connection.execute(
                "DELETE FROM digest_items WHERE (rule_id, window_start) IN (SELECT rule_id,"
                " window_start FROM digest_windows WHERE sent_at IS NOT NULL AND window_end < ?)",
                (cutoff,),
            )
            connection.execute(
                "DELETE FROM digest_windows WHERE sent_at IS NOT NULL AND window_end < ?",
                (cutoff,),
            )
            return connection.execute(
                "DELETE FROM interaction_log WHERE received_at < ?", (cutoff,)
            ).rowcount

        return await self._db.write(delete)

    async def claim_closed_windows(
        self, closed_by: datetime, *, now: datetime, lease_seconds: float
    ) -> list[DigestWindow]:
        until = instant(now + timedelta(seconds=lease_seconds))

        def claim(connection: sqlite3.Connection) -> list[DigestWindow]:
            rows = connection.execute(
                "UPDATE digest_windows SET claimed_until = ? WHERE sent_at IS NULL"
                " AND window_end <= ? AND (claimed_until IS NULL OR claimed_until < ?)"
                " RETURNING *",
                (until, instant(closed_by), instant(now)),
            ).fetchall()
            return [_window(r) for r in rows]

        return await self._db.write(claim)

    async def digest_items(
        self, rule_id: UUID, start: datetime, *, limit: int
    ) -> tuple[list[DigestItem], int]:
        where = (str(rule_id), instant(start))

        def select(connection: sqlite3.Connection) -> tuple[list[DigestItem], int]:
            rows = connection.execute(
                "SELECT item FROM digest_items WHERE rule_id = ? AND window_start = ?"
                " ORDER BY occurred_at, key LIMIT ?",
                (*where, limit),
            ).fetchall()
            total = connection.execute(
                "SELECT COUNT(*) FROM digest_items WHERE rule_id = ? AND window_start = ?", where
            ).fetchone()[0]
            return [DigestItem.model_validate_json(r["item"]) for r in rows], int(total)

        return await self._db.read(select)

    async def mark_digest_sent(self, rule_id: UUID, start: datetime, *, at: datetime) -> None:
        await self._db.write(
            lambda c: c.execute(
                "UPDATE digest_windows SET sent_at = ? WHERE rule_id = ? AND window_start = ?",
                (instant(at), str(rule_id), instant(start)),
            )
        )


def _add_to_window(connection: sqlite3.Connection, digest: DigestEntry) -> None:
    window = digest.window
    start = instant(window.start)
    connection.execute(
        "INSERT INTO digest_windows (rule_id, window_start, window_end, rule_name, emails)"
        " VALUES (?, ?, ?, ?, ?) ON CONFLICT (rule_id, window_start) DO UPDATE SET"
        " rule_name = excluded.rule_name, emails = excluded.emails",
        (
            str(window.rule_id),
            start,
            instant(window.end),
            window.rule_name,
            json.dumps(window.emails),
        ),
    )
    connection.execute(
        "INSERT OR IGNORE INTO digest_items (rule_id, window_start, key, occurred_at, item)"
        " VALUES (?, ?, ?, ?, ?)",
        (
            str(window.rule_id),
            start,
            digest.item.interaction_key,
            instant(digest.item.occurred_at),
            digest.item.model_dump_json(),
        ),
    )


def _window(row: sqlite3.Row) -> DigestWindow:
    return DigestWindow(
        rule_id=UUID(row["rule_id"]),
        rule_name=row["rule_name"],
        emails=tuple(json.loads(row["emails"])),
        start=datetime.fromisoformat(row["window_start"]),
        end=datetime.fromisoformat(row["window_end"]),
    )
