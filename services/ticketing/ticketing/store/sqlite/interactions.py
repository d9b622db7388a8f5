"""Stored interactions on SQLite: recording, finding and tagging them."""

from __future__ import annotations

import sqlite3
from uuid import UUID

from contracts.tickets import InteractionQuery, StoredInteraction
from ticketing.domain.tickets import merge_tags
from ticketing.store.codec import interaction_body, interaction_from_body, iso

_FIELDS = {
    "channel": "$.interaction.channel",
    "kind": "$.interaction.kind",
    "account": "$.interaction.account",
    "author": "$.interaction.author.id",
}


def _stored(row: sqlite3.Row) -> StoredInteraction:
    return interaction_from_body(row["body"], row["ticket_id"])


def record(
    connection: sqlite3.Connection, stored: StoredInteraction, thread_key: str
) -> StoredInteraction:
    """Store the interaction unless its (channel, external id) is known; the stored one."""
    inserted = connection.execute(
        "INSERT INTO interactions (id, dedup_key, ticket_id, thread_key, occurred_at,"
        " received_at, body) VALUES (?, ?, NULL, ?, ?, ?, ?)"
        " ON CONFLICT (dedup_key) DO NOTHING",
        (
            str(stored.id),
            stored.interaction.key,
            thread_key,
            iso(stored.interaction.occurred_at),
            iso(stored.received_at),
            stored.model_dump_json(),
        ),
    ).rowcount
    if inserted:
        return stored  # new: nothing to read back
    row = connection.execute(
        "SELECT ticket_id, body FROM interactions WHERE dedup_key = ?",
        (stored.interaction.key,),
    ).fetchone()
    return _stored(row)


def of_ticket(connection: sqlite3.Connection, ticket_id: UUID) -> list[StoredInteraction]:
    rows = connection.execute(
        "SELECT ticket_id, body FROM interactions WHERE ticket_id = ? ORDER BY occurred_at, id",
        (str(ticket_id),),
    ).fetchall()
    return [_stored(r) for r in rows]


def get(connection: sqlite3.Connection, interaction_id: UUID) -> StoredInteraction | None:
    row = connection.execute(
        "SELECT ticket_id, body FROM interactions WHERE id = ?", (str(interaction_id),)
    ).fetchone()
    return _stored(row) if row else None


def find(
    connection: sqlite3.Connection, query: InteractionQuery
) -> tuple[list[StoredInteraction], int]:
    clauses: list[str] = []
    params: list[object] = []
    for name, path in _FIELDS.items():
        values = [str(v) for v in getattr(query, name)]
        if values:
            clauses.append(f"json_extract(body, '{path}') IN ({', '.join('?' for _ in values)})")
            params.extend(values)
    if query.text:
        # instr over lower(): LIKE would treat the agent's % and _ as wildcards.
        clauses.append("instr(lower(json_extract(body, '$.interaction.text')), ?) > 0")
        params.append(query.text.lower())
    if query.has_ticket is not None:
        clauses.append(f"ticket_id IS {'NOT ' if query.has_ticket else ''}NULL")
    if query.occurred_from is not None:
        clauses.append("occurred_at >= ?")
        params.append(iso(query.occurred_from))
    if query.occurred_to is not None:
        clauses.append("occurred_at < ?")
        params.append(iso(query.occurred_to))
    where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
    total = connection.execute(f"SELECT COUNT(*) FROM interactions {where}", params).fetchone()[0]
    rows = connection.execute(
        f"SELECT ticket_id, body FROM interactions {where}"
        " ORDER BY occurred_at DESC, id LIMIT ? OFFSET ?",
        [*params, query.page_size, (query.page - 1) * query.page_size],
    ).fetchall()
    return [_stored(r) for r in rows], total


def tag(
    connection: sqlite3.Connection, interaction_id: UUID, tags: list[str]
) -> StoredInteraction | None:
    stored = get(connection, interaction_id)
    if stored is None:
        return None
    tagged = stored.model_copy(update={"tags": list(merge_tags(tuple(stored.tags), tags))})
    connection.execute(
        "UPDATE interactions SET body = ? WHERE id = ?",
        (interaction_body(tagged), str(interaction_id)),
    )
    return tagged
