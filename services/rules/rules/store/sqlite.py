from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID, uuid4

from contracts.interaction import Interaction
from contracts.rules import RuleChange, RuleDefinition, RuleRead
from rules.store.port import LoggedInteraction, instant
from servicekit.sqlite import SqliteDatabase

SCHEMA = """
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

    def __init__(self, path: Path) -> None:
        self._db = SqliteDatabase(path, SCHEMA)

    async def open(self) -> None:
        await self._db.open()

    async def close(self) -> None:
        await self._db.close()

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
        now = datetime.now(UTC).isoformat()

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
        now = datetime.now(UTC).isoformat()

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
        now = datetime.now(UTC).isoformat()

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

    async def log_interaction(self, entry: LoggedInteraction) -> None:
        row = (
            entry.interaction.key,
            instant(entry.interaction.occurred_at),
            instant(entry.received_at),
            entry.interaction.model_dump_json(),
        )
        # Through group commit: the consumer's concurrent messages share one transaction.
        await self._db.write(
            lambda c: c.execute(
                "INSERT OR IGNORE INTO interaction_log (key, occurred_at, received_at, body)"
                " VALUES (?, ?, ?, ?)",
                row,
            )
        )

    async def logged_between(
        self, since: datetime, until: datetime, *, after: tuple[str, str] | None, limit: int
    ) -> list[LoggedInteraction]:
        low, low_key = after or (instant(since), "")
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
        return await self._db.write(
            lambda c: (
                c.execute("DELETE FROM interaction_log WHERE received_at < ?", (cutoff,)).rowcount
            )
        )
