"""Ticket writes on SQLite: plain functions over the connection of one write transaction, so
a ticket, its tags, its history and its events are committed together."""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import Callable, Sequence
from uuid import UUID

from contracts.base import Event
from contracts.rules import TriageDecision
from contracts.tickets import HistoryEntry, StoredInteraction
from servicekit.publishing import OutgoingMessage
from ticketing.domain import assignment
from ticketing.domain.persons import PersonRecord
from ticketing.domain.tickets import Ticket
from ticketing.store.codec import protocol_number, ticket_to_doc, ticket_to_row
from ticketing.store.port import (
    AlreadyRecorded,
    ApplyCollected,
    InteractionTaken,
    Recording,
    StaleTicket,
    ThreadAlreadyActive,
)
from ticketing.store.sqlite import interactions, people, report_writes, search
from ticketing.store.sqlite.directory import open_ticket_counts_in
from ticketing.store.sqlite.schema import INSERT_TICKET, TICKET_COLUMNS

Finish = Callable[[str], tuple[Ticket, Sequence[HistoryEntry], Sequence[Event]]]


def row_of(ticket: Ticket) -> list[object]:
    doc = ticket_to_row(ticket)
    return [doc[c] for c in TICKET_COLUMNS]


def replace(
    connection: sqlite3.Connection,
    ticket: Ticket,
    expected_version: int,
    read: Sequence[object] | None = None,
) -> None:
    """Write the ticket over the stored one if that is still at ``expected_version``.

    Only the columns that changed are set: SQLite rewrites the entries of every index over a
    column an UPDATE sets, changed or not, and the tickets table has some twenty (most
    changes, such as an interaction added, move a handful of columns). Tags and the title's
    search entry are rewritten only when they changed, for the same reason. ``read``: the
    row as the caller read it at ``expected_version`` (read_rows), compared with instead of
    reading the stored row again."""
    changed = _set_changed(connection, ticket, expected_version, read)
    if _TAGS in changed:
        write_tags(connection, ticket)
    if _TITLE in changed:
        search.index_ticket(connection, ticket)


def _set_changed(
    connection: sqlite3.Connection,
    ticket: Ticket,
    expected_version: int,
    read: Sequence[object] | None = None,
) -> list[int]:
    """Set the ticket's columns that differ from the stored row at ``expected_version``;
    their positions in TICKET_COLUMNS."""
    row = row_of(ticket)
    stored = read
    if stored is None:
        stored = connection.execute(SELECT_VERSIONED, (row[0], expected_version)).fetchone()
        if stored is None:
            raise StaleTicket(str(ticket.id))
    changed = [i for i in range(1, len(TICKET_COLUMNS)) if stored[i] != row[i]]
    # With nothing to set no UPDATE checks the version, and the row read earlier may be stale.
    unchecked = read is not None and not changed
    if (
        unchecked
        and connection.execute(VERSION_HELD, (row[0], expected_version)).fetchone() is None
    ):
        raise StaleTicket(str(ticket.id))
    if changed:
        assignments = ", ".join(f"{TICKET_COLUMNS[i]} = ?" for i in changed)
        # The row read earlier is the stored one only while the version is the same (every
        # write raises it), so the UPDATE checks that.
        if not connection.execute(
            f"UPDATE tickets SET {assignments} WHERE id = ? AND version = ?",
            [*(row[i] for i in changed), row[0], expected_version],
        ).rowcount:
            raise StaleTicket(str(ticket.id))
    return changed


SELECT_VERSIONED = f"SELECT {', '.join(TICKET_COLUMNS)} FROM tickets WHERE id = ? AND version = ?"
VERSION_HELD = "SELECT 1 FROM tickets WHERE id = ? AND version = ?"
_TAGS, _TITLE = TICKET_COLUMNS.index("tags"), TICKET_COLUMNS.index("title")


def write_tags(connection: sqlite3.Connection, ticket: Ticket) -> None:
    connection.execute("DELETE FROM ticket_tags WHERE ticket_id = ?", (str(ticket.id),))
    connection.executemany(
        "INSERT OR IGNORE INTO ticket_tags (ticket_id, tag) VALUES (?, ?)",
        [(str(ticket.id), tag.casefold()) for tag in ticket.tags],
    )


def append(
    connection: sqlite3.Connection,
    history: Sequence[HistoryEntry],
    events: Sequence[Event],
    now: float,
) -> None:
    """The change's history entries, and its events into the outbox stamped ``now``."""
    connection.executemany(
        "INSERT INTO history (id, ticket_id, body) VALUES (?, ?, ?)",
        [(str(h.id), str(h.ticket_id), h.model_dump_json()) for h in history],
    )
    # In the writer's trace context (servicekit.sqlite runs this in it): the relay publishes
    # a late event in that context, so it continues the trace of the change.
    connection.executemany(
        "INSERT INTO outbox (event_id, routing_key, body, correlation_id, traceparent,"
        " tracestate, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [(*OutgoingMessage.of(e).row_fields(), now) for e in events],
    )
    # Every ticket event is written here: its ticket's report facts are projected before
    # this transaction commits (report_writes).
    report_writes.queue(connection, events)


def write_people(
    connection: sqlite3.Connection,
    save: Sequence[PersonRecord],
    delete: Sequence[PersonRecord],
    events: Sequence[Event],
    now: float,
) -> list[PersonRecord]:
    """``people.write`` with the events that announce it into the outbox stamped ``now``,
    in the same transaction."""
    saved = people.write(connection, save, delete)
    append(connection, (), events, now)
    return saved


def record_first(
    connection: sqlite3.Connection, recording: Recording | None, on: UUID | None = None
) -> None:
    """Store the new interaction a ticket write places, and its author's person when first
    seen, in the same transaction (already on ticket ``on`` when given)."""
    if recording is None:
        return
    stored = record(
        connection,
        recording.stored,
        recording.thread_key,
        recording.decision,
        recording.author,
        ticket_id=on,
    )
    if stored.id != recording.stored.id:
        raise AlreadyRecorded(recording.stored.interaction.key)


def record(
    connection: sqlite3.Connection,
    stored: StoredInteraction,
    thread_key: str,
    decision: TriageDecision | None,
    author: PersonRecord | None,
    ticket_id: UUID | None = None,
) -> StoredInteraction:
    """``interactions.record``, making ``author`` first (``people.make_new``): an author
    first seen costs no transaction of its own."""
    people.make_new(connection, author)
    return interactions.record(connection, stored, thread_key, decision, ticket_id=ticket_id)


def _assigned(connection: sqlite3.Connection, ticket: Ticket, among: Sequence[str]) -> Ticket:
    if ticket.assignee is not None or not among:
        return ticket
    loads = open_ticket_counts_in(connection, among)
    return dataclasses.replace(ticket, assignee=assignment.most_available(loads, among))


def create(
    connection: sqlite3.Connection,
    unassigned: Ticket,
    *,
    year: int,
    interaction_id: UUID | None,
    history: Callable[[Ticket], Sequence[HistoryEntry]],
    announce: Callable[[Ticket], Sequence[Event]],
    assign_among: Sequence[str],
    now: float,
    apply_collected: ApplyCollected | None = None,
    recording: Recording | None = None,
) -> Ticket:
    record_first(connection, recording)
    ticket = _assigned(connection, unassigned, assign_among)
    if connection.execute(
        "SELECT 1 FROM tickets WHERE active_thread_key = ?", (ticket.thread_key,)
    ).fetchone():
        raise ThreadAlreadyActive(ticket.thread_key)
    # Inside the write transaction, so numbers are unique and gap-free across processes.
    sequence = connection.execute(
        "INSERT INTO counters (name, value) VALUES (?, 1) ON CONFLICT (name)"
        " DO UPDATE SET value = value + 1 RETURNING value",
        (f"protocol:{year}",),
    ).fetchone()[0]
    protocol = protocol_number(year, sequence)
    connection.execute(
        INSERT_TICKET, row_of(dataclasses.replace(ticket, protocol=protocol, version=1))
    )
    attached = interactions.collect(connection, ticket.id, ticket.thread_key)
    if interaction_id is not None and interaction_id not in {c.stored.id for c in attached}:
        raise InteractionTaken(str(interaction_id))
    numbered = dataclasses.replace(
        ticket, protocol=protocol, version=1, interaction_count=len(attached)
    )
    decided = numbered
    if apply_collected is not None:
        decided = dataclasses.replace(
            apply_collected(numbered, attached), version=1, interaction_count=len(attached)
        )
    if decided != numbered:
        numbered = decided
        _set_changed(connection, numbered, expected_version=1)
    else:
        # Only the count (and so the list's row, which shows it) changed since the insert:
        # an update of unindexed columns touches no index.
        connection.execute(
            "UPDATE tickets SET interaction_count = ?, list_row = ? WHERE id = ?",
            (len(attached), ticket_to_doc(numbered)["list_row"], str(ticket.id)),
        )
    write_tags(connection, numbered)
    search.index_ticket(connection, numbered)
    append(connection, history(numbered), announce(numbered), now)
    return numbered


def update(
    connection: sqlite3.Connection,
    stored: Ticket,
    *,
    expected_version: int,
    interaction_id: UUID | None,
    history: Sequence[HistoryEntry],
    events: Sequence[Event],
    now: float,
    recording: Recording | None = None,
    read: Sequence[object] | None = None,
) -> Ticket:
    # A new interaction this write places is stored on the ticket at once, after the version
    # check found the ticket: no other write can have taken it, so it needs no attaching (the
    # UPDATE below, and its index churn). Any failure rolls back the whole write.
    placed_new = recording is not None and recording.stored.id == interaction_id
    replace(connection, stored, expected_version, read)
    record_first(connection, recording, on=stored.id if placed_new else None)
    if (
        interaction_id is not None
        and not placed_new
        and not connection.execute(
            "UPDATE interactions SET ticket_id = ? WHERE id = ? AND ticket_id IS NULL",
            (str(stored.id), str(interaction_id)),
        ).rowcount
    ):
        raise InteractionTaken(str(interaction_id))
    append(connection, history, events, now)
    return stored


def merge(
    connection: sqlite3.Connection,
    closed: Ticket,
    target: Ticket,
    *,
    expected_versions: tuple[int, int],
    history: Sequence[HistoryEntry],
    events: Sequence[Event],
    now: float,
) -> tuple[Ticket, Ticket]:
    replace(connection, closed, expected_versions[0])
    connection.execute(
        "UPDATE interactions SET ticket_id = ? WHERE ticket_id = ?",
        (str(target.id), str(closed.id)),
    )
    count = connection.execute(
        "SELECT COUNT(*) FROM interactions WHERE ticket_id = ?", (str(target.id),)
    ).fetchone()[0]
    reopened = dataclasses.replace(
        target, version=expected_versions[1] + 1, interaction_count=count
    )
    replace(connection, reopened, expected_versions[1])
    append(connection, history, events, now)
    return closed, reopened


def update_assigning(
    connection: sqlite3.Connection,
    *,
    expected_version: int,
    assign_among: Sequence[str],
    finish: Finish,
    now: float,
) -> Ticket:
    loads = open_ticket_counts_in(connection, assign_among)
    chosen = assignment.most_available(loads, assign_among)
    assert chosen is not None, "update_assigning needs agents to choose from"
    ticket, history, events = finish(chosen)
    stored = dataclasses.replace(ticket, version=expected_version + 1)
    replace(connection, stored, expected_version)
    append(connection, history, events, now)
    return stored
