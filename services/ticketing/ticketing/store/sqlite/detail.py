"""A ticket's detail page on SQLite: the ticket, its interactions, its authors' groups and
its sub-tickets in one call on the database's thread, in one snapshot."""

from __future__ import annotations

import sqlite3
from uuid import UUID

from pydantic_core import from_json

from ticketing.domain.persons import identity_key
from ticketing.store.codec import (
    doc_from_row,
    merged_groups,
    ticket_from_doc,
    ticket_reads_from_docs,
)
from ticketing.store.detail_interactions import interactions_of_detail
from ticketing.store.port import StoredDetail


def detail(connection: sqlite3.Connection, ref: UUID | str) -> StoredDetail | None:
    # One read transaction: another process's write cannot land between the statements.
    connection.execute("BEGIN")
    try:
        return _read(connection, ref)
    finally:
        connection.execute("COMMIT")


def _read(connection: sqlite3.Connection, ref: UUID | str) -> StoredDetail | None:
    where = "id = ?" if isinstance(ref, UUID) else "protocol = ?"
    row = connection.execute(f"SELECT * FROM tickets WHERE {where}", (str(ref),)).fetchone()
    if row is None:
        return None
    doc = doc_from_row(row)
    rows = connection.execute(
        "SELECT body, channel, author FROM interactions WHERE ticket_id = ?"
        " ORDER BY occurred_at, id",
        (doc["id"],),
    ).fetchall()
    # Each author's key once: a ticket's interactions come from a few authors.
    keys = {pair: identity_key(*pair) for pair in {(r[1], r[2]) for r in rows}}
    bodies = [(r[0], keys[r[1], r[2]]) for r in rows]
    children = [
        doc_from_row(r)
        for r in connection.execute(
            "SELECT * FROM tickets WHERE parent_id = ? ORDER BY opened_at, id", (doc["id"],)
        )
    ]
    read, *child_reads = ticket_reads_from_docs([doc, *children])
    groups = _groups(connection, {k for _, k in bodies})
    interactions = interactions_of_detail(bodies, doc["id"], groups)
    return StoredDetail(
        ticket_from_doc(doc), read, interactions.models, child_reads, interactions.json
    )


def _groups(connection: sqlite3.Connection, keys: set[str]) -> dict[str, list[str]]:
    """Every author's groups in two look-ups (IN over the authors), reading only the groups
    out of the stored JSON."""
    if not keys:
        return {}
    wanted = sorted(keys)
    marks = ", ".join("?" for _ in wanted)
    people = connection.execute(
        "SELECT i.key, json_extract(p.body, '$.groups') FROM person_identities i"
        f" JOIN people p ON p.id = i.person_id WHERE i.key IN ({marks})",
        wanted,
    )
    kept = connection.execute(
        "SELECT key, json_extract(body, '$.groups') FROM directory"
        f" WHERE kind = 'author' AND key IN ({marks})",
        wanted,
    )
    return merged_groups(_lists(people), _lists(kept))


def _lists(rows: sqlite3.Cursor) -> dict[str, list[str]]:
    return {key: from_json(groups) for key, groups in rows if groups}
