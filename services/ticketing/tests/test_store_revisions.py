"""What every adapter must do with directory entries' revisions: an administrator's save that
names the revision it read is refused once someone else has saved the entry since."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from devtools.store_backends import MongomockClient
from ticketing.store.directory import Entry
from ticketing.store.mongo import MongoTicketStore
from ticketing.store.port import TicketStore
from ticketing.store.sqlite import SqliteTicketStore

LEGAL = {"name": "legal", "calendar": None}


async def test_a_new_entry_is_at_revision_one_and_every_replacement_moves_it(
    store: TicketStore,
) -> None:
    await store.create_entry("level", "legal", LEGAL)
    assert await store.read_entry("level", "legal") == Entry(LEGAL, 1)
    assert await store.replace_entry("level", "legal", {**LEGAL, "calendar": "br"}) == 2
    assert await store.replace_entry("level", "legal", LEGAL) == 3
    assert await store.read_entry("level", "legal") == Entry(LEGAL, 3)
    assert await store.read_entry("level", "nothing") is None


async def test_a_replacement_at_the_current_revision_is_written(store: TicketStore) -> None:
    await store.create_entry("calendar", "br", {"name": "br", "timezone": "UTC"})
    changed = {"name": "br", "timezone": "America/Sao_Paulo"}
    assert await store.replace_entry("calendar", "br", changed, expected_revision=1) == 2
    assert await store.read_entry("calendar", "br") == Entry(changed, 2)


async def test_a_replacement_at_an_older_revision_is_refused_and_writes_nothing(
    store: TicketStore,
) -> None:
    await store.create_entry("level", "legal", LEGAL)
    theirs = {**LEGAL, "calendar": "br"}
    assert await store.replace_entry("level", "legal", theirs, expected_revision=1) == 2
    mine = {**LEGAL, "calendar": "us"}
    assert await store.replace_entry("level", "legal", mine, expected_revision=1) is None
    assert await store.read_entry("level", "legal") == Entry(theirs, 2)


async def test_a_replacement_of_a_missing_entry_at_any_revision_writes_nothing(
    store: TicketStore,
) -> None:
    assert (
        await store.replace_entry("team", "night", {"name": "night"}, expected_revision=1) is None
    )
    assert await store.read_entry("team", "night") is None


async def test_of_two_saves_read_at_the_same_revision_exactly_one_is_written(
    store: TicketStore,
) -> None:
    await store.create_entry("level", "legal", LEGAL)
    saves = [{**LEGAL, "calendar": f"c{i}"} for i in range(6)]
    written = await asyncio.gather(
        *(store.replace_entry("level", "legal", s, expected_revision=1) for s in saves)
    )
    assert sorted(written, key=lambda r: r or 0) == [None] * 5 + [2]
    winner = saves[written.index(2)]
    assert await store.read_entry("level", "legal") == Entry(winner, 2)


async def test_entries_are_listed_by_key_with_their_revisions(store: TicketStore) -> None:
    await store.create_entry("team", "night", {"name": "night"})
    await store.create_entry("team", "day", {"name": "day"})
    await store.replace_entry("team", "night", {"name": "night", "active": False})
    assert await store.read_entries("team") == [
        Entry({"name": "day"}, 1),
        Entry({"name": "night", "active": False}, 2),
    ]


async def test_a_sqlite_entry_from_before_revisions_is_at_revision_zero_until_replaced(
    tmp_path: Path,
) -> None:
    path = tmp_path / "ticketing.db"
    first = SqliteTicketStore(path)
    await first.open()
    await first.create_entry("level", "legal", LEGAL)
    await first.close()
    with sqlite3.connect(path) as connection:  # as the version before revisions left it
        connection.execute("ALTER TABLE directory DROP COLUMN revision")

    again = SqliteTicketStore(path)
    await again.open()
    try:
        assert await again.read_entry("level", "legal") == Entry(LEGAL, 0)
        mine = {**LEGAL, "calendar": "br"}
        assert await again.replace_entry("level", "legal", mine, expected_revision=1) is None
        assert await again.replace_entry("level", "legal", mine, expected_revision=0) == 1
    finally:
        await again.close()


async def test_a_mongodb_entry_from_before_revisions_is_at_revision_zero_until_replaced() -> None:
    client = MongomockClient(tz_aware=True)
    store = MongoTicketStore("mongodb://mongomock", database="before-revisions", client=client)
    await store.open()
    try:
        await store.create_entry("level", "legal", LEGAL)
        await client["before-revisions"]["directory"].update_one(  # as it was before revisions
            {"_id": "level:legal"}, {"$unset": {"revision": ""}}
        )
        assert await store.read_entry("level", "legal") == Entry(LEGAL, 0)
        mine = {**LEGAL, "calendar": "br"}
        assert await store.replace_entry("level", "legal", mine, expected_revision=1) is None
        assert await store.replace_entry("level", "legal", mine, expected_revision=0) == 1
    finally:
        await store.close()
