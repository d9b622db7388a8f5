"""Directory entries and agents' loads on SQLite: plain functions over a connection."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from typing import Any

from ticketing.domain.assignment import FINISHED_STATUSES
from ticketing.store.directory import Entries, Gets, Kind

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


def create(connection: sqlite3.Connection, kind: Kind, key: str, body: dict[str, Any]) -> bool:
    cursor = connection.execute(
        "INSERT INTO directory (kind, key, body) VALUES (?, ?, ?)"
        " ON CONFLICT (kind, key) DO NOTHING",
        (kind, key, json.dumps(body)),
    )
    return cursor.rowcount == 1


def replace(connection: sqlite3.Connection, kind: Kind, key: str, body: dict[str, Any]) -> bool:
    cursor = connection.execute(
        "UPDATE directory SET body = ? WHERE kind = ? AND key = ?",
        (json.dumps(body), kind, key),
    )
    return cursor.rowcount == 1


def get(connection: sqlite3.Connection, kind: Kind, key: str) -> dict[str, Any] | None:
    row = connection.execute(
        "SELECT body FROM directory WHERE kind = ? AND key = ?", (kind, key)
    ).fetchone()
    return json.loads(row[0]) if row else None


def keyed(connection: sqlite3.Connection, kind: Kind) -> dict[str, dict[str, Any]]:
    rows = connection.execute(
        "SELECT key, body FROM directory WHERE kind = ? ORDER BY key", (kind,)
    )
    return {row[0]: json.loads(row[1]) for row in rows}


def several(connection: sqlite3.Connection, gets: Gets, kinds: Sequence[Kind]) -> Entries:
    """``DirectoryStore.read_entries`` in one read."""
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
