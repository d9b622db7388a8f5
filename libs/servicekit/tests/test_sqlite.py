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


async def test_a_write_after_close_fails_instead_of_waiting(tmp_path: Path) -> None:
    database = SqliteDatabase(tmp_path / "closed.sqlite3", SCHEMA)
    await database.open()
    await database.close()
    for _ in range(2):  # the first failure leaves no flush "scheduled" behind
        with pytest.raises(RuntimeError):
            await asyncio.wait_for(database.write(insert("late", 1)), timeout=5)


def committed(db: SqliteDatabase) -> list[str]:
    """Counts the write transactions the database commits from now on."""
    commits: list[str] = []
    db._conn().set_trace_callback(lambda sql: commits.append(sql) if sql == "COMMIT" else None)
    return commits


async def test_a_later_write_rides_on_the_next_write_transaction(db: SqliteDatabase) -> None:
    commits = committed(db)
    db.write_later(insert("marked", 1), within_seconds=60)
    assert await names(db) == []  # not written yet: nothing has come along
    await db.write(insert("change", 2))
    assert await names(db) == ["change", "marked"]
    assert len(commits) == 1  # one commit carried both


async def test_a_later_write_is_written_on_its_own_when_no_write_comes(
    db: SqliteDatabase,
) -> None:
    db.write_later(insert("marked", 1), within_seconds=0.01)
    deadline = asyncio.get_running_loop().time() + 5
    while await names(db) != ["marked"]:
        assert asyncio.get_running_loop().time() < deadline, "the later write never came"
        await asyncio.sleep(0.01)


async def test_settle_later_returns_once_the_later_writes_are_written(db: SqliteDatabase) -> None:
    db.write_later(insert("a", 1), within_seconds=60)
    db.write_later(insert("b", 2), within_seconds=60)
    await db.settle_later()
    assert await names(db) == ["a", "b"]


async def test_a_failing_later_write_is_rolled_back_alone_and_fails_no_other(
    db: SqliteDatabase, caplog: pytest.LogCaptureFixture
) -> None:
    db.write_later(insert("refused", 1, fail_after=True), within_seconds=60)
    db.write_later(insert("kept", 2), within_seconds=60)
    assert await db.write(insert("change", 3)) == "change"
    assert await names(db) == ["change", "kept"]
    assert "deferred write" in caplog.text


async def test_closing_writes_what_waits_for_later(tmp_path: Path) -> None:
    path = tmp_path / "closing.sqlite3"
    database = SqliteDatabase(path, SCHEMA)
    await database.open()
    database.write_later(insert("marked", 1), within_seconds=60)
    await database.close()
    with sqlite3.connect(path) as connection:
        assert connection.execute("SELECT name FROM items").fetchall() == [("marked",)]


async def test_settle_later_waits_for_later_writes_a_running_transaction_took(
    db: SqliteDatabase,
) -> None:
    """A read after ``settle_later`` sees the deferred writes, even those a transaction
    running at that moment had already taken and not yet committed."""
    started, release = asyncio.Event(), asyncio.Event()
    loop = asyncio.get_running_loop()

    def slow(connection: sqlite3.Connection) -> None:
        loop.call_soon_threadsafe(started.set)
        asyncio.run_coroutine_threadsafe(release.wait(), loop).result(timeout=10)

    db.write_later(insert("marked", 1), within_seconds=60)
    running = asyncio.ensure_future(db.write(slow))  # takes "marked" with it
    await asyncio.wait_for(started.wait(), 10)
    settling = asyncio.ensure_future(db.settle_later())
    await asyncio.sleep(0)
    assert not settling.done()  # the transaction holding "marked" has not committed
    release.set()
    await asyncio.wait_for(asyncio.gather(running, settling), 10)
    assert await names(db) == ["marked"]


async def test_after_commit_runs_once_a_transaction_committed_and_not_when_it_failed(
    tmp_path: Path,
) -> None:
    seen: list[list[str]] = []
    fail = False

    def before(connection: sqlite3.Connection) -> None:
        if fail:
            raise RuntimeError("the whole transaction fails")

    def after() -> None:
        # On the database's thread, outside any transaction: what the transaction committed.
        other = sqlite3.connect(tmp_path / "test.sqlite3")
        try:
            seen.append([r[0] for r in other.execute("SELECT name FROM items ORDER BY name")])
        finally:
            other.close()

    database = SqliteDatabase(
        tmp_path / "test.sqlite3", SCHEMA, before_commit=before, after_commit=after
    )
    await database.open()
    try:
        await database.write(insert("a", 1))
        assert seen == [["a"]]
        fail = True
        with pytest.raises(RuntimeError):
            await database.write(insert("b", 2))
        assert seen == [["a"]]
    finally:
        await database.close()
