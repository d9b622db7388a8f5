"""WAL checkpoints run on a thread of their own: what was committed reaches the database file
itself within moments, though no commit checkpoints, and closing the database ends that
thread."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
import threading
from pathlib import Path

import pytest

from servicekit import sqlite_checkpoints
from servicekit.sqlite import SqliteDatabase

SCHEMA = "CREATE TABLE IF NOT EXISTS items (name TEXT PRIMARY KEY, body TEXT NOT NULL);"


def rows_in_the_file_alone(path: Path, copy: Path) -> int:
    """Rows the main database file holds without its WAL (a copy of the file alone)."""
    shutil.copyfile(path, copy)
    connection = sqlite3.connect(copy)
    try:
        return int(connection.execute("SELECT count(*) FROM items").fetchone()[0])
    except sqlite3.OperationalError:  # the table is not in the file yet either
        return 0
    finally:
        connection.close()


async def test_commits_reach_the_database_file_without_a_commit_checkpointing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sqlite_checkpoints, "EVERY_SECONDS", 0.05)
    database = SqliteDatabase(tmp_path / "db.sqlite3", SCHEMA)
    await database.open()
    try:
        # Well under the writer's backstop (BACKSTOP_PAGES): no commit checkpoints these.
        for i in range(200):
            await database.write(
                lambda c, i=i: c.execute("INSERT INTO items VALUES (?, ?)", (f"n{i}", "x" * 500))
            )
        copy = tmp_path / "alone.sqlite3"
        async with asyncio.timeout(10):
            while rows_in_the_file_alone(database.path, copy) < 200:  # noqa: ASYNC110 (a file)
                await asyncio.sleep(0.05)
    finally:
        await database.close()


async def test_closing_the_database_ends_its_checkpoint_thread(tmp_path: Path) -> None:
    database = SqliteDatabase(tmp_path / "db.sqlite3", SCHEMA)
    await database.open()
    name = "sqlite-checkpoints-db"
    assert any(t.name == name for t in threading.enumerate())
    await database.close()
    assert not any(t.name == name for t in threading.enumerate())
