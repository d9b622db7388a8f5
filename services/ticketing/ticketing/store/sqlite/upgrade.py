"""Bring a ticketing SQLite file written by an earlier version up to the current schema, in
the write transaction that opens the store (replicas starting together take turns).
``CREATE TABLE IF NOT EXISTS`` leaves an existing table as it was, so columns added later
are added here and filled from what the rows already hold; the indexes over them follow."""

from __future__ import annotations

import sqlite3

from ticketing.store.codec import doc_from_row, list_row
from ticketing.store.sqlite import search
from ticketing.store.sqlite.schema import (
    INDEXES_ON_ADDED_COLUMNS,
    LISTED_REVISION,
    SEARCH_DOCS,
    SEARCH_INDEX,
    TEXT_INDEX,
)

ADDED_COLUMNS = {
    "tickets": {
        "extra": ("TEXT NOT NULL DEFAULT '{}'", None),
        # Filtered on: out of ``extra`` into columns of their own, so indexes can serve them.
        "removed": (
            "INTEGER NOT NULL DEFAULT 0",
            "COALESCE(json_extract(extra, '$.removed'), 0)",
        ),
        "parent_id": ("TEXT", "json_extract(extra, '$.parent_id')"),
        # The SLA scan's last reading (issue 12): unclosed tickets from before it are due for
        # their first reading at once (their status past starts at their current status).
        "sla_next_at": ("TEXT", "CASE WHEN status != 'closed' THEN updated_at END"),
        "sla_due_at": ("TEXT", None),
        "sla_band": ("TEXT", None),
        # The list's row ready to send (codec.list_row): rows from before it are listed
        # through the slow path and get theirs on their next write (page_json.row_of).
        "list_row": ("TEXT", None),
        # The SLA scan's reading ready to splice (sla.Track.listed): rows from before it
        # get their clocks worked out from ``extra`` until the scan reads them again.
        "sla_listed": ("TEXT", None),
        # Every row gets a revision (``schema.LISTED_REVISION``), whatever it holds.
        "listed_rev": ("INTEGER", "random()"),
    },
    "interactions": {
        **{
            column: ("TEXT", f"json_extract(body, '{path}')")
            for column, path in (
                ("channel", "$.interaction.channel"),
                ("kind", "$.interaction.kind"),
                ("account", "$.interaction.account"),
                ("author", "$.interaction.author.id"),
                # The report projection reads only the outbound interactions and the first
                # inbound one of a ticket, without parsing the rest.
                ("direction", "$.interaction.direction"),
            )
        },
        # The rules' decision, applied by the ticket that collects the interaction; rows
        # written before it was kept have none.
        "decision": ("TEXT", None),
    },
    # The trace context of the change an event announces (issue 9): rows kept before it
    # have none and relay in a new trace.
    "outbox": {"traceparent": ("TEXT", None), "tracestate": ("TEXT", None)},
    # Directory entries' revisions (administrators' saves refused over newer ones): entries
    # from before them are at revision 0 until their next replacement.
    "directory": {"revision": ("INTEGER NOT NULL DEFAULT 0", None)},
}
"""table -> column -> (definition, how to fill it in rows written before it existed)."""

OBSOLETE_INDEXES = {
    # The desk's partial index over json_extract(extra, '$.removed'): replaced by one over
    # the ``removed`` column under the same name.
    "tickets_on_desk": "json_extract",
    # (ticket_id, occurred_at): replaced by interactions_by_ticket_id, which ends in the id.
    "interactions_ticket": "",
    # (status, updated_at) and (updated_at): the desk indexes and tickets_idle serve what
    # they served; every index is one more write on each ticket change.
    "tickets_status": "",
    "tickets_updated": "",
}


def _first(path: str) -> str:
    return (
        f"(SELECT json_extract(body, '$.interaction.{path}') FROM interactions"
        " WHERE ticket_id = tickets.id ORDER BY occurred_at, id LIMIT 1)"
    )


ORIGIN_OF_OLDER_TICKETS = (
    "UPDATE tickets SET extra = json_set(extra,"
    f" '$.kind', {_first('kind')}, '$.scope', {_first('visibility')},"
    f" '$.direction', {_first('direction')}), list_row = NULL"
    " WHERE json_extract(extra, '$.kind') IS NULL AND parent_id IS NULL"
)
"""Kind, scope and direction of the interaction that opened each ticket written before
tickets kept them (its earliest interaction), so the list's filters find those too."""


def upgrade(connection: sqlite3.Connection) -> None:
    for table, columns in ADDED_COLUMNS.items():
        present = {row[1] for row in connection.execute(f"PRAGMA table_info({table})")}
        for name, (definition, backfill) in columns.items():
            if name in present:
                continue
            connection.execute(f"ALTER TABLE {table} ADD COLUMN {name} {definition}")
            if backfill is not None:
                connection.execute(f"UPDATE {table} SET {name} = {backfill}")
    for name, marker in OBSOLETE_INDEXES.items():
        row = connection.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?", (name,)
        ).fetchone()
        if row is not None and marker in row[0]:
            connection.execute(f"DROP INDEX {name}")
    for statement in (*INDEXES_ON_ADDED_COLUMNS, *LISTED_REVISION):
        connection.execute(statement)
    had_text = connection.execute(
        "SELECT 1 FROM sqlite_master WHERE name = 'interaction_text'"
    ).fetchone()
    connection.execute(TEXT_INDEX)
    if not had_text:
        connection.execute(
            "INSERT INTO interaction_text (id, text)"
            " SELECT id, json_extract(body, '$.interaction.text') FROM interactions"
        )
    had_search = connection.execute(
        "SELECT 1 FROM sqlite_master WHERE name = 'search_text'"
    ).fetchone()
    connection.execute(SEARCH_DOCS)
    connection.execute(SEARCH_INDEX)
    if not had_search:
        # Both came with the list's filters on the opening interaction (issue 13).
        search.fill(connection)
        connection.execute(ORIGIN_OF_OLDER_TICKETS)
    fill_list_rows(connection)


def fill_list_rows(connection: sqlite3.Connection) -> None:
    """The list's row of every ticket without one (written before rows were kept, or
    changed by a step above): once, at the first open after the upgrade. A step that
    changes what a ticket lists must set its ``list_row`` to NULL to have it written again."""
    rows = connection.execute("SELECT * FROM tickets WHERE list_row IS NULL").fetchall()
    connection.executemany(
        "UPDATE tickets SET list_row = ? WHERE id = ?",
        [(list_row(doc_from_row(r)), r["id"]) for r in rows],
    )
