"""Full-text search on SQLite: an FTS5 index (schema.SEARCH_INDEX) over tickets' titles and
interactions' texts, written in the same transaction as what it indexes, and read ranked
by bm25 with titles weighing ``search.TITLE_WEIGHT`` times a text."""

from __future__ import annotations

import sqlite3
from uuid import UUID

from ticketing.domain import search
from ticketing.domain.access import Visibility
from ticketing.domain.tickets import Ticket
from ticketing.store.port import Match

PENDING = """
CREATE TEMP TABLE IF NOT EXISTS pending_text (
    id TEXT NOT NULL,
    doc INTEGER NOT NULL,
    text TEXT NOT NULL
);
"""
"""New interactions' texts waiting for the end of their write transaction, when
``write_pending`` indexes them all in one statement per index. FTS5 writes what it holds in
memory to a new segment at every savepoint, and every write of a group runs in one: an
interaction indexed inside its own write cost a segment in each index (and the merges that
follow), about 60 µs, most of it for the trigrams. A table of this connection's own (TEMP),
so a write rolled back to its savepoint takes its rows with it."""


def _doc(connection: sqlite3.Connection, kind: str, ref: str) -> tuple[int, str]:
    row = connection.execute(
        "INSERT INTO search_docs (kind, ref) VALUES (?, ?)"
        " ON CONFLICT (kind, ref) DO UPDATE SET kind = kind RETURNING doc, text",
        (kind, ref),
    ).fetchone()
    return int(row[0]), str(row[1])


def index_ticket(connection: sqlite3.Connection, ticket: Ticket) -> None:
    """Index the title, unless it is the one indexed already (most changes keep it)."""
    doc, indexed = _doc(connection, "ticket", str(ticket.id))
    if indexed == ticket.title:
        return
    connection.execute("UPDATE search_docs SET text = ? WHERE doc = ?", (ticket.title, doc))
    connection.execute(
        "INSERT OR REPLACE INTO search_text (rowid, title, body) VALUES (?, ?, '')",
        (doc, ticket.title),
    )


_QUEUED: set[int] = set()
"""``id()`` of the connections that may have texts in ``pending_text``: most transactions
queue none, and skip the query that would find the table empty. A hint only: texts taken
back with their savepoint leave the mark, and the statements then index nothing."""


def queue_interaction(connection: sqlite3.Connection, interaction_id: UUID, text: str) -> None:
    """Index a new interaction's text (for ``?text=`` and search) when its transaction ends;
    a write reading or changing those indexes calls ``write_pending`` first. The interaction
    was just stored (its id is new, and interactions are never deleted), so it has no
    document yet: a plain INSERT, whose row number the pending text takes."""
    connection.execute(
        "INSERT INTO search_docs (kind, ref) VALUES ('interaction', ?)", (str(interaction_id),)
    )
    connection.execute(
        "INSERT INTO pending_text (id, doc, text) VALUES (?, last_insert_rowid(), ?)",
        (str(interaction_id), text),
    )
    _QUEUED.add(id(connection))


def write_pending(connection: sqlite3.Connection) -> None:
    """Index the queued texts, in the order queued (the store runs it before each commit)."""
    if id(connection) not in _QUEUED:
        return
    _QUEUED.discard(id(connection))
    connection.execute(
        "INSERT INTO interaction_text (id, text) SELECT id, text FROM pending_text ORDER BY rowid"
    )
    connection.execute(
        "INSERT OR REPLACE INTO search_text (rowid, title, body)"
        " SELECT doc, '', text FROM pending_text ORDER BY rowid"
    )
    connection.execute("DELETE FROM pending_text")


def index_interaction(connection: sqlite3.Connection, interaction_id: UUID, text: str) -> None:
    """Index again an interaction indexed before (after ``write_pending``)."""
    doc, _ = _doc(connection, "interaction", str(interaction_id))
    connection.execute(
        "INSERT OR REPLACE INTO search_text (rowid, title, body) VALUES (?, '', ?)", (doc, text)
    )


def fill(connection: sqlite3.Connection) -> None:
    """Index what a file written before the search index holds (run once, when the index
    is created by the upgrade)."""
    connection.execute(
        "INSERT OR IGNORE INTO search_docs (kind, ref, text)"
        " SELECT 'ticket', id, title FROM tickets"
    )
    connection.execute(
        "INSERT OR IGNORE INTO search_docs (kind, ref) SELECT 'interaction', id FROM interactions"
    )
    connection.execute(
        "INSERT INTO search_text (rowid, title, body) SELECT doc, text, '' FROM search_docs"
        " WHERE kind = 'ticket'"
    )
    connection.execute(
        "INSERT INTO search_text (rowid, title, body)"
        " SELECT doc, '', json_extract(body, '$.interaction.text')"
        " FROM search_docs JOIN interactions ON interactions.id = search_docs.ref"
        " WHERE search_docs.kind = 'interaction'"
    )


def find(
    connection: sqlite3.Connection, query: str, visible: Visibility | None, limit: int
) -> list[Match]:
    """The best ``limit`` matches on the desk (not removed tickets, their interactions, and
    interactions no ticket holds yet), of those ``visible`` allows."""
    clauses = ["search_text MATCH ?", "(tickets.id IS NULL OR tickets.removed = 0)"]
    params: list[object] = [search.match_expression(query)]
    if visible is not None:
        levels = ", ".join("?" for _ in visible.levels) or "NULL"
        accounts = ", ".join("?" for _ in visible.accounts) or "NULL"
        clauses.append(
            f"(tickets.assignee = ? OR tickets.level IN ({levels})"
            f" OR (tickets.id IS NULL AND interactions.account IN ({accounts})))"
        )
        params.extend([visible.agent, *visible.levels, *visible.accounts])
    rows = connection.execute(
        "SELECT search_docs.kind, search_docs.ref, tickets.id AS ticket_id, tickets.protocol,"
        " search_text.title, search_text.body,"
        f" -bm25(search_text, {search.TITLE_WEIGHT}, 1.0) AS score"
        " FROM search_text JOIN search_docs ON search_docs.doc = search_text.rowid"
        " LEFT JOIN interactions ON search_docs.kind = 'interaction'"
        " AND interactions.id = search_docs.ref"
        " LEFT JOIN tickets ON tickets.id = CASE search_docs.kind WHEN 'ticket'"
        " THEN search_docs.ref ELSE interactions.ticket_id END"
        f" WHERE {' AND '.join(clauses)} ORDER BY bm25(search_text, {search.TITLE_WEIGHT}, 1.0)"
        " LIMIT ?",
        [*params, limit],
    ).fetchall()
    return [
        Match(
            r["kind"],
            r["ref"],
            r["ticket_id"],
            r["protocol"],
            r["title"] if r["kind"] == "ticket" else r["body"],
            float(r["score"]),
        )
        for r in rows
    ]
