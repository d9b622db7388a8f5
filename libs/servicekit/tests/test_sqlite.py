"""The embedded database's group commit keeps every write atomic and isolated."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from servicekit.sqlite import SqliteDatabase

SCHEMA = "CREATE TABLE IF NOT EXISTS items (name TEXT PRIMARY KEY, n INTEGER NOT NULL);"


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[SqliteDatabase]:
    database = SqliteDatabase(tmp_path / "test.sqlite3", SCHEMA)
    await database.open()
    yield database
    await database.close()


def insert(name: str, n: int, *, fail_after: bool = False):  # type: ignore[no-untyped-def]
    def work(connection: sqlite3.Connection) -> str:
        connection.execute("INSERT INTO items (name, n) VALUES (?, ?)", (name, n))
        if fail_after:
            raise ValueError(f"{name} refused after writing")
        return name

    return work


async def names(db: SqliteDatabase) -> list[str]:
    rows = await db.read(lambda c: c.execute("SELECT name FROM items ORDER BY name").fetchall())
    return [r[0] for r in rows]


async def test_concurrent_writes_all_commit_and_return_their_results(db: SqliteDatabase) -> None:
    results = await asyncio.gather(*(db.write(insert(f"item-{i:03}", i)) for i in range(300)))
    assert results == [f"item-{i:03}" for i in range(300)]
    assert len(await names(db)) == 300


async def test_a_failing_write_is_rolled_back_alone(db: SqliteDatabase) -> None:
    outcomes = await asyncio.gather(
        db.write(insert("a", 1)),
        db.write(insert("b", 2, fail_after=True)),
        db.write(insert("c", 3)),
        return_exceptions=True,
    )
    assert outcomes[0] == "a" and outcomes[2] == "c"
    assert isinstance(outcomes[1], ValueError)
    assert await names(db) == ["a", "c"]


async def test_constraint_violation_fails_only_the_offending_write(db: SqliteDatabase) -> None:
    await db.write(insert("a", 1))
    outcomes = await asyncio.gather(
        db.write(insert("a", 2)), db.write(insert("z", 3)), return_exceptions=True
    )
    assert isinstance(outcomes[0], sqlite3.IntegrityError)
    assert outcomes[1] == "z"


async def test_two_processes_worth_of_connections_share_the_file(tmp_path: Path) -> None:
    first = SqliteDatabase(tmp_path / "shared.sqlite3", SCHEMA)
    second = SqliteDatabase(tmp_path / "shared.sqlite3", SCHEMA)
    await first.open()
    await second.open()
    try:
        await asyncio.gather(
            *(first.write(insert(f"f{i}", i)) for i in range(50)),
            *(second.write(insert(f"s{i}", i)) for i in range(50)),
        )
        assert len(await names(first)) == 100
    finally:
        await first.close()
        await second.close()


async def test_concurrent_reads_each_get_their_own_answer_and_a_failing_one_fails_alone(
    db: SqliteDatabase,
) -> None:
    await asyncio.gather(*(db.write(insert(f"item-{i:03}", i)) for i in range(50)))

    def count_of(name: str):  # type: ignore[no-untyped-def]
        def work(connection: sqlite3.Connection) -> int:
            row = connection.execute("SELECT n FROM items WHERE name = ?", (name,)).fetchone()
            if row is None:
                raise LookupError(name)
            return int(row[0])

        return work

    asked = [f"item-{i:03}" for i in range(50)] + ["missing"]
    outcomes = await asyncio.gather(*(db.read(count_of(n)) for n in asked), return_exceptions=True)
    assert outcomes[:50] == list(range(50))
    assert isinstance(outcomes[50], LookupError)


async def test_a_read_started_after_a_write_returned_sees_it(db: SqliteDatabase) -> None:
    async def write_then_read(i: int) -> list[str]:
        await db.write(insert(f"item-{i:03}", i))
        return await names(db)

    seen = await asyncio.gather(*(write_then_read(i) for i in range(100)))
    for i, listed in enumerate(seen):
        assert f"item-{i:03}" in listed


async def test_a_read_after_close_fails_instead_of_waiting(tmp_path: Path) -> None:
    database = SqliteDatabase(tmp_path / "closed.sqlite3", SCHEMA)
    await database.open()
    await database.close()
    for _ in range(2):
        with pytest.raises(RuntimeError):
            await asyncio.wait_for(database.ping(), timeout=5)
