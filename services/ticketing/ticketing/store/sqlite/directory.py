"""Directory entries and agents' loads on SQLite: plain functions over a connection."""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Sequence
from typing import Any

from servicekit.clock import Clock, epoch_seconds
from servicekit.sqlite import SqliteDatabase
from ticketing.domain.assignment import FINISHED_STATUSES
from ticketing.store.directory import PIN_SECONDS, Entries, Entry, Gets, Kind, LevelDeletion

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


def open_tickets_on_level_in(connection: sqlite3.Connection, level: str) -> int:
    """Tickets on the desk still needing work on ``level``; the (level, ...) indexes
    find them without reading the whole desk."""
    row = connection.execute(
        f"SELECT COUNT(*) FROM tickets WHERE level = ? AND status NOT IN ({_FINISHED})"
        " AND removed = 0",
        (level,),
    ).fetchone()
    return int(row[0])


_AGENTS_ON_LEVEL = (
    "SELECT a.key FROM directory AS a WHERE a.kind = 'agent'"
    " AND EXISTS (SELECT 1 FROM json_each(a.body, '$.levels') AS l WHERE l.value = ?)"
)
"""The agents that have a level among theirs (the directory's agents are few: a scan)."""


def delete_level_in(connection: sqlite3.Connection, level: str, now: float) -> LevelDeletion:
    """One DELETE guarded by the absence of agents naming the level, of open tickets on it
    (found through the (level, ...) indexes) and of live pins, in one write transaction:
    writers take turns (BEGIN IMMEDIATE), so a ticket or an agent put on the level commits
    either before (and keeps it) or after (and finds it gone when it pins it)."""
    cursor = connection.execute(
        "DELETE FROM directory WHERE kind = 'level' AND key = ?"
        f" AND NOT EXISTS ({_AGENTS_ON_LEVEL})"
        " AND NOT EXISTS (SELECT 1 FROM tickets WHERE level = ?"
        f" AND status NOT IN ({_FINISHED}) AND removed = 0)"
        " AND NOT EXISTS (SELECT 1 FROM level_pins WHERE level = ? AND until > ?)",
        (level, level, level, level, now),
    )
    if cursor.rowcount == 1:
        connection.execute("DELETE FROM level_pins WHERE level = ?", (level,))  # ran out
        return LevelDeletion("deleted")
    if get(connection, "level", level) is None:
        return LevelDeletion("missing")
    agents = [row[0] for row in connection.execute(_AGENTS_ON_LEVEL + " ORDER BY a.key", (level,))]
    if agents:
        return LevelDeletion("agents", agents=tuple(agents))
    waiting = open_tickets_on_level_in(connection, level)
    return LevelDeletion("open", waiting) if waiting else LevelDeletion("busy")


def pin_level_in(connection: sqlite3.Connection, level: str, now: float) -> str | None:
    """A pin on an existing level, written in the same statement that finds the level; the
    level's pins of crashed holders that ran out are cleared on the way."""
    connection.execute("DELETE FROM level_pins WHERE level = ? AND until <= ?", (level, now))
    pin = uuid.uuid4().hex
    cursor = connection.execute(
        "INSERT INTO level_pins (pin, level, until) SELECT ?, ?, ?"
        " WHERE EXISTS (SELECT 1 FROM directory WHERE kind = 'level' AND key = ?)",
        (pin, level, now + PIN_SECONDS, level),
    )
    return pin if cursor.rowcount == 1 else None


def create(connection: sqlite3.Connection, kind: Kind, key: str, body: dict[str, Any]) -> bool:
    cursor = connection.execute(
        "INSERT INTO directory (kind, key, body, revision) VALUES (?, ?, ?, 1)"
        " ON CONFLICT (kind, key) DO NOTHING",
        (kind, key, json.dumps(body)),
    )
    return cursor.rowcount == 1


def replace(
    connection: sqlite3.Connection,
    kind: Kind,
    key: str,
    body: dict[str, Any],
    expected_revision: int | None,
) -> int | None:
    """One statement compares the revision and writes, inside the caller's transaction."""
    matching = "" if expected_revision is None else " AND revision = ?"
    row = connection.execute(
        "UPDATE directory SET body = ?, revision = revision + 1"
        f" WHERE kind = ? AND key = ?{matching} RETURNING revision",
        (json.dumps(body), kind, key, *(() if expected_revision is None else (expected_revision,))),
    ).fetchone()
    return int(row[0]) if row else None


def get(connection: sqlite3.Connection, kind: Kind, key: str) -> dict[str, Any] | None:
    row = connection.execute(
        "SELECT body FROM directory WHERE kind = ? AND key = ?", (kind, key)
    ).fetchone()
    return json.loads(row[0]) if row else None


def read(connection: sqlite3.Connection, kind: Kind, key: str) -> Entry | None:
    row = connection.execute(
        "SELECT body, revision FROM directory WHERE kind = ? AND key = ?", (kind, key)
    ).fetchone()
    return Entry(json.loads(row[0]), int(row[1])) if row else None


def read_every(connection: sqlite3.Connection, kind: Kind) -> list[Entry]:
    rows = connection.execute(
        "SELECT body, revision FROM directory WHERE kind = ? ORDER BY key", (kind,)
    )
    return [Entry(json.loads(row[0]), int(row[1])) for row in rows]


def keyed(connection: sqlite3.Connection, kind: Kind) -> dict[str, Entry]:
    rows = connection.execute(
        "SELECT key, body, revision FROM directory WHERE kind = ? ORDER BY key", (kind,)
    )
    return {row[0]: Entry(json.loads(row[1]), int(row[2])) for row in rows}


def several(connection: sqlite3.Connection, gets: Gets, kinds: Sequence[Kind]) -> Entries:
    """``DirectoryStore.read_directory`` in one read."""
    return (
        [get(connection, kind, key) for kind, key in gets],
        {kind: keyed(connection, kind) for kind in kinds},
    )


def every(connection: sqlite3.Connection, kind: Kind) -> list[dict[str, Any]]:
    rows = connection.execute("SELECT body FROM directory WHERE kind = ? ORDER BY key", (kind,))
    return [json.loads(row[0]) for row in rows]


def delete(connection: sqlite3.Connection, kind: Kind, key: str) -> bool:
    cursor = connection.execute("DELETE FROM directory WHERE kind = ? AND key = ?", (kind, key))
    return cursor.rowcount == 1


class DirectoryEntries:
    """The directory part of the SQLite ticket store: each method one statement (or read)
    over the functions above, in its own transaction."""

    _db: SqliteDatabase
    _clock: Clock

    async def create_entry(self, kind: Kind, key: str, body: dict[str, Any]) -> bool:
        return await self._db.write(lambda c: create(c, kind, key, body))

    async def replace_entry(
        self, kind: Kind, key: str, body: dict[str, Any], *, expected_revision: int | None = None
    ) -> int | None:
        return await self._db.write(lambda c: replace(c, kind, key, body, expected_revision))

    async def get_entry(self, kind: Kind, key: str) -> dict[str, Any] | None:
        return await self._db.read(lambda c: get(c, kind, key))

    async def read_entry(self, kind: Kind, key: str) -> Entry | None:
        return await self._db.read(lambda c: read(c, kind, key))

    async def read_entries(self, kind: Kind) -> list[Entry]:
        return await self._db.read(lambda c: read_every(c, kind))

    async def list_entries(self, kind: Kind) -> list[dict[str, Any]]:
        return await self._db.read(lambda c: every(c, kind))

    async def read_directory(self, gets: Gets, kinds: Sequence[Kind]) -> Entries:
        return await self._db.read(lambda c: several(c, gets, kinds))

    async def delete_entry(self, kind: Kind, key: str) -> bool:
        return await self._db.write(lambda c: delete(c, kind, key))

    async def open_ticket_counts(self, agents: Sequence[str]) -> dict[str, int]:
        return await self._db.read(lambda c: open_ticket_counts_in(c, agents))

    async def delete_level(self, level: str) -> LevelDeletion:
        now = epoch_seconds(self._clock)
        return await self._db.write(lambda c: delete_level_in(c, level, now))

    async def pin_level(self, level: str) -> str | None:
        now = epoch_seconds(self._clock)
        return await self._db.write(lambda c: pin_level_in(c, level, now))

    async def unpin_level(self, level: str, pin: str) -> None:
        await self._db.write(lambda c: c.execute("DELETE FROM level_pins WHERE pin = ?", (pin,)))
