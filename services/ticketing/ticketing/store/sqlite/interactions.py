"""Stored interactions on SQLite: recording, finding and tagging them."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from uuid import UUID

from contracts.rules import TriageDecision
from contracts.tickets import COUNT_LIMIT, InteractionQuery, StoredInteraction
from ticketing.domain.access import Visibility
from ticketing.domain.tickets import merge_tags
from ticketing.store.codec import (
    decision_body,
    decision_from_body,
    interaction_body,
    interaction_from_body,
    iso,
)
from ticketing.store.port import Collected, Listing
from ticketing.store.sqlite import search

FILTERED = ("channel", "kind", "account", "author")
"""Query fields that are columns of their own (copied from the body when recorded)."""

MIN_INDEXED_TEXT = 3
"""Trigrams: a shorter ``text`` cannot use the index and is looked for in every text."""


def _stored(row: sqlite3.Row) -> StoredInteraction:
    return interaction_from_body(row["body"], row["ticket_id"])


def record(
    connection: sqlite3.Connection,
    stored: StoredInteraction,
    thread_key: str,
    decision: TriageDecision | None = None,
    ticket_id: UUID | None = None,
) -> StoredInteraction:
    """Store the interaction unless its (channel, external id) is known; the stored one.
    A new one is stored on ``ticket_id`` when given (a write that places it on a ticket it
    knows: one INSERT instead of an INSERT and the UPDATE that attaches it)."""
    interaction = stored.interaction
    inserted = connection.execute(
        "INSERT INTO interactions (id, dedup_key, ticket_id, thread_key, occurred_at,"
        " received_at, body, channel, kind, account, author, decision, direction)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (dedup_key) DO NOTHING",
        (
            str(stored.id),
            interaction.key,
            str(ticket_id) if ticket_id is not None else None,
            thread_key,
            iso(interaction.occurred_at),
            iso(stored.received_at),
            stored.model_dump_json(),
            interaction.channel.value,
            interaction.kind.value,
            interaction.account,
            interaction.author.id,
            decision_body(decision),
            interaction.direction.value,
        ),
    ).rowcount
    if inserted:
        search.queue_interaction(connection, stored.id, interaction.text)
        if ticket_id is not None:
            return stored.model_copy(update={"ticket_id": ticket_id})
        return stored  # new: nothing to read back
    row = connection.execute(
        "SELECT ticket_id, body FROM interactions WHERE dedup_key = ?",
        (stored.interaction.key,),
    ).fetchone()
    return _stored(row)


def by_key(connection: sqlite3.Connection, key: str) -> StoredInteraction | None:
    row = connection.execute(
        "SELECT ticket_id, body FROM interactions WHERE dedup_key = ?", (key,)
    ).fetchone()
    return _stored(row) if row is not None else None


def collect(connection: sqlite3.Connection, ticket_id: UUID, thread_key: str) -> list[Collected]:
    """Attach every unticketed interaction of the conversation to the ticket; oldest first,
    each with its kept decision."""
    rows = connection.execute(
        "UPDATE interactions SET ticket_id = ? WHERE ticket_id IS NULL AND thread_key = ?"
        " RETURNING ticket_id, body, decision",
        (str(ticket_id), thread_key),
    ).fetchall()
    collected = [Collected(_stored(r), decision_from_body(r["decision"])) for r in rows]
    return sorted(collected, key=lambda c: (c.stored.interaction.occurred_at, str(c.stored.id)))


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
    connection: sqlite3.Connection, query: InteractionQuery, visible: Visibility | None = None
) -> Listing[StoredInteraction]:
    clauses: list[str] = []
    params: list[object] = []
    if visible is not None:
        levels = ", ".join("?" for _ in visible.levels) or "NULL"
        accounts = ", ".join("?" for _ in visible.accounts) or "NULL"
        clauses.append(
            "(interactions.ticket_id IN (SELECT id FROM tickets WHERE assignee = ?"
            f" OR level IN ({levels}))"
            f" OR (interactions.ticket_id IS NULL AND account IN ({accounts})))"
        )
        params.extend([visible.agent, *visible.levels, *visible.accounts])
    source = "interactions"
    for name in FILTERED:
        values = [str(v) for v in getattr(query, name)]
        if values:
            clauses.append(f"{name} IN ({', '.join('?' for _ in values)})")
            params.extend(values)
    if query.text and len(query.text) >= MIN_INDEXED_TEXT:
        # The matches drive the join (CROSS JOIN keeps that order): the cost follows the
        # number of matches, not of interactions.
        source = "interaction_text CROSS JOIN interactions ON interactions.id = interaction_text.id"
        clauses.append("interaction_text MATCH ?")
        params.append('"' + query.text.replace('"', '""') + '"')
    elif query.text:
        # instr over lower(): LIKE would treat the agent's % and _ as wildcards.
        clauses.append(
            "interactions.id IN (SELECT id FROM interaction_text WHERE instr(lower(text), ?) > 0)"
        )
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
    total = connection.execute(
        f"SELECT COUNT(*) FROM (SELECT 1 FROM {source} {where} LIMIT ?)",
        [*params, COUNT_LIMIT + 1],
    ).fetchone()[0]
    rows = connection.execute(
        f"SELECT ticket_id, body FROM {source} {where}"
        " ORDER BY occurred_at DESC, interactions.id DESC LIMIT ? OFFSET ?",
        [*params, query.page_size, (query.page - 1) * query.page_size],
    ).fetchall()
    return Listing([_stored(r) for r in rows], min(total, COUNT_LIMIT), total <= COUNT_LIMIT)


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


def change(
    connection: sqlite3.Connection,
    key: str,
    apply: Callable[[StoredInteraction], StoredInteraction | None],
) -> tuple[StoredInteraction, StoredInteraction | None] | None:
    row = connection.execute(
        "SELECT ticket_id, body FROM interactions WHERE dedup_key = ?", (key,)
    ).fetchone()
    if row is None:
        return None
    before = _stored(row)
    after = apply(before)
    if after is not None:
        search.write_pending(connection)  # this interaction's text may still be queued
        connection.execute(
            "UPDATE interactions SET body = ? WHERE dedup_key = ?", (interaction_body(after), key)
        )
        connection.execute(
            "UPDATE interaction_text SET text = ? WHERE id = ?",
            (after.interaction.text, str(after.id)),
        )
        # A removal on the network takes the interaction out of search (it stays stored).
        searchable = "" if after.removed_at is not None else after.interaction.text
        search.index_interaction(connection, after.id, searchable)
    return before, after
