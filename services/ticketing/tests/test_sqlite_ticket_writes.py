"""What a follow-up costs on SQLite in statements: triage reads the ticket, then one write
stores the interaction on it and sets the ticket's changed columns, without reading the row
again (read_rows) or attaching the interaction by a second statement."""

from __future__ import annotations

from pathlib import Path
from uuid import uuid4

import pytest

from contracts.tickets import StoredInteraction
from ticketing.domain.threading import thread_key
from ticketing.store.port import Recording, StaleTicket
from ticketing.store.sqlite import SqliteTicketStore

from .test_store_contract import T0, follow_up_of, message, open_for


def recording(thread: str, minutes: int) -> Recording:
    interaction = message(thread, minutes=minutes)
    stored = StoredInteraction(id=uuid4(), ticket_id=None, received_at=T0, interaction=interaction)
    return Recording(stored, thread_key(interaction))


def traced(store: SqliteTicketStore) -> list[str]:
    statements: list[str] = []
    connection = store._db._connection
    assert connection is not None
    connection.set_trace_callback(statements.append)
    return statements


async def test_a_follow_up_after_its_read_is_one_insert_and_one_update(tmp_path: Path) -> None:
    store = SqliteTicketStore(tmp_path / "ticketing.db")
    await store.open()
    try:
        ticket = await open_for(store, message("post-1"))
        new = recording("post-1", 5)
        read = await store.active_ticket(ticket.thread_key)
        assert read == ticket
        change = follow_up_of(ticket, new.stored)
        statements = traced(store)
        written = await store.update_ticket(
            change.ticket,
            expected_version=ticket.version,
            interaction_id=new.stored.id,
            history=change.history,
            events=[change.event],
            recording=new,
        )
        store._db._connection.set_trace_callback(None)  # type: ignore[union-attr]
        assert not [s for s in statements if s.startswith("SELECT") and "FROM tickets" in s]
        assert not [s for s in statements if s.startswith("UPDATE interactions")]
        assert await store.get_ticket(ticket.id) == written
        assert written.version == ticket.version + 1 and written.interaction_count == 2
        found = await store.interaction_by_key(new.stored.interaction.key)
        assert found is not None and found.ticket_id == ticket.id
        assert [s.id for s in await store.interactions_of(ticket.id)][-1] == new.stored.id
    finally:
        await store.close()


async def test_a_row_read_before_another_process_wrote_the_ticket_is_refused(
    tmp_path: Path,
) -> None:
    """Two replicas on one file read the same ticket; the second to write, comparing with
    the row it read, finds the version moved and writes nothing."""
    first, second = (SqliteTicketStore(tmp_path / "ticketing.db") for _ in range(2))
    await first.open()
    await second.open()
    try:
        ticket = await open_for(first, message("post-1"))
        assert await first.active_ticket(ticket.thread_key) == ticket
        assert await second.active_ticket(ticket.thread_key) == ticket
        theirs, mine = recording("post-1", 5), recording("post-1", 6)
        change = follow_up_of(ticket, theirs.stored)
        written = await second.update_ticket(
            change.ticket,
            expected_version=ticket.version,
            interaction_id=theirs.stored.id,
            history=change.history,
            events=[change.event],
            recording=theirs,
        )
        late = follow_up_of(ticket, mine.stored, minutes=6)
        with pytest.raises(StaleTicket):
            await first.update_ticket(
                late.ticket,
                expected_version=ticket.version,
                interaction_id=mine.stored.id,
                history=late.history,
                events=[late.event],
                recording=mine,
            )
        assert await first.get_ticket(ticket.id) == written
        assert await first.interaction_by_key(mine.stored.interaction.key) is None
        # Read again, the retry goes through (and the row it compares with is the new one).
        current = await first.active_ticket(ticket.thread_key)
        assert current == written
        retry = follow_up_of(current, mine.stored, minutes=6)
        again = await first.update_ticket(
            retry.ticket,
            expected_version=current.version,
            interaction_id=mine.stored.id,
            history=retry.history,
            events=[retry.event],
            recording=mine,
        )
        assert again.interaction_count == 3
        assert await second.get_ticket(ticket.id) == again
    finally:
        await first.close()
        await second.close()


async def test_a_write_that_changes_nothing_still_checks_the_version(tmp_path: Path) -> None:
    """With nothing to set there is no UPDATE to check the version: a row read before another
    writer moved the ticket must still be refused, not taken as the stored one."""
    from ticketing.store.sqlite import writes

    store = SqliteTicketStore(tmp_path / "ticketing.db")
    await store.open()
    try:
        ticket = await open_for(store, message("post-1"))
        read = writes.row_of(ticket)
        connection = store._db._connection
        assert connection is not None
        # Unchanged and at the version read: nothing to write, and nothing refused.
        writes.replace(connection, ticket, ticket.version, read)
        connection.execute(
            "UPDATE tickets SET version = version + 1 WHERE id = ?", (str(ticket.id),)
        )
        with pytest.raises(StaleTicket):
            writes.replace(connection, ticket, ticket.version, read)
        connection.rollback()
    finally:
        await store.close()


def test_a_row_is_kept_in_the_columns_order_whatever_the_tables() -> None:
    """A file upgraded from an older schema has the added columns last, and may have more."""
    import sqlite3

    from ticketing.store.sqlite.read_rows import ReadRows
    from ticketing.store.sqlite.schema import TICKET_COLUMNS

    shuffled = [*TICKET_COLUMNS[5:], "retired", *TICKET_COLUMNS[:5]]
    connection = sqlite3.connect(":memory:")
    connection.row_factory = sqlite3.Row
    connection.execute(f"CREATE TABLE tickets ({', '.join(shuffled)})")
    values = {c: f"{c}-value" for c in shuffled} | {"id": "t-1", "version": 3}
    connection.execute(
        f"INSERT INTO tickets VALUES ({', '.join('?' for _ in shuffled)})",
        [values[c] for c in shuffled],
    )
    kept = ReadRows()
    for _ in range(2):  # the columns' positions are found once, then used
        kept.keep(connection.execute("SELECT * FROM tickets").fetchone())
        assert kept.take("t-1", 2) is None  # read at another version: not used, forgotten
        kept.keep(connection.execute("SELECT * FROM tickets").fetchone())
        assert kept.take("t-1", 3) == tuple(values[c] for c in TICKET_COLUMNS)
        assert kept.take("t-1", 3) is None
