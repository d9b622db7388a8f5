"""A ticketing SQLite file from before the ``extra`` column keeps working."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from contracts.tickets import TicketQuery
from ticketing.store.sqlite import SqliteTicketStore

from .test_store_contract import message, open_for


async def test_a_file_from_an_earlier_version_gets_the_new_column(tmp_path: Path) -> None:
    path = tmp_path / "ticketing.db"
    first = SqliteTicketStore(path)
    await first.open()
    old = await open_for(first, message("post-1"))
    await first.close()
    with sqlite3.connect(path) as connection:
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
