from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID, uuid4

from contracts.rules import RuleDefinition, RuleRead
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

    async def create_rule(self, definition: RuleDefinition) -> RuleRead:
        now = datetime.now(UTC).isoformat()

        def insert(connection: sqlite3.Connection) -> RuleRead:
            rule_id = str(uuid4())
            connection.execute(
                "INSERT INTO rules (id, position, version, definition, created_at, updated_at)"
                " VALUES (?, (SELECT COALESCE(MAX(position), 0) + 1 FROM rules), 1, ?, ?, ?)",
                (rule_id, definition.model_dump_json(), now, now),
            )
            _bump(connection)
            return _rule(
                connection.execute("SELECT * FROM rules WHERE id = ?", (rule_id,)).fetchone()
            )

        return await self._db.write(insert)

    async def replace_rule(self, rule_id: UUID, definition: RuleDefinition) -> RuleRead | None:
        now = datetime.now(UTC).isoformat()

        def update(connection: sqlite3.Connection) -> RuleRead | None:
            row = connection.execute(
                "UPDATE rules SET definition = ?, version = version + 1, updated_at = ?"
                " WHERE id = ? RETURNING *",
                (definition.model_dump_json(), now, str(rule_id)),
            ).fetchone()
            if row is None:
                return None
            _bump(connection)
            return _rule(row)

        return await self._db.write(update)

    async def delete_rule(self, rule_id: UUID) -> bool:
        def delete(connection: sqlite3.Connection) -> bool:
            deleted = connection.execute("DELETE FROM rules WHERE id = ?", (str(rule_id),)).rowcount
            if deleted:
                _bump(connection)
            return bool(deleted)

        return await self._db.write(delete)
