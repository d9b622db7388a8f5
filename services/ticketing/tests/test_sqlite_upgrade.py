"""A ticketing SQLite file from before the ``extra`` column keeps working."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from contracts.tickets import TicketQuery
from ticketing.store.sqlite import SqliteTicketStore
from ticketing.store.sqlite.schema import NOT_REMOVED

from .test_store_contract import message, open_for


async def test_a_file_from_an_earlier_version_gets_the_new_column(tmp_path: Path) -> None:
    path = tmp_path / "ticketing.db"
    first = SqliteTicketStore(path)
    await first.open()
    old = await open_for(first, message("post-1"))
    await first.close()
    with sqlite3.connect(path) as connection:  # as an earlier version left it
        connection.execute("DROP INDEX tickets_on_desk")
        connection.execute("ALTER TABLE tickets DROP COLUMN extra")

    again = SqliteTicketStore(path)
    await again.open()
    try:
        new = await open_for(again, message("post-2"))
        items, total = await again.list_tickets(TicketQuery())
    finally:
        await again.close()

    assert total == 2
    assert {t.id for t in items} == {old.id, new.id}


async def test_the_desk_list_and_its_count_read_an_index_not_every_ticket(tmp_path: Path) -> None:
    path = tmp_path / "ticketing.db"
    store = SqliteTicketStore(path)
    await store.open()
    await store.close()
    with sqlite3.connect(path) as connection:
        plans = [
            " ".join(row[3] for row in connection.execute(f"EXPLAIN QUERY PLAN {query}"))
            for query in (
                f"SELECT COUNT(*) FROM tickets WHERE {NOT_REMOVED}",
                f"SELECT * FROM tickets WHERE {NOT_REMOVED} ORDER BY updated_at DESC, id LIMIT 50",
            )
        ]
    assert all("USING INDEX tickets_on_desk" in plan for plan in plans), plans
    assert not any("TEMP B-TREE" in plan for plan in plans), plans
