"""The embedded SQLite database behind every service's SqliteStore.

One connection per process, used from one dedicated thread so the event loop never blocks
on disk or on another process's lock. WAL mode lets several processes of one service share
the file (readers never wait for the writer); write transactions start with BEGIN IMMEDIATE
so two writers serialise at the start instead of failing at commit.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

BUSY_TIMEOUT_MS = 30_000


class SqliteDatabase:
    def __init__(self, path: Path, schema: str) -> None:
        self.path = path
        self._schema = schema
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"sqlite-{path.stem}")
        self._connection: sqlite3.Connection | None = None

    async def open(self) -> None:
        await self._run(self._open)

    def _open(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(
            self.path, isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000
        )
        connection.row_factory = sqlite3.Row
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=NORMAL")
        connection.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        connection.execute("PRAGMA foreign_keys=ON")
        # The schema is written with IF NOT EXISTS throughout, so replicas starting together
        # can all run it; the busy timeout serialises them.
        connection.executescript(self._schema)
        self._connection = connection

    async def close(self) -> None:
        if self._connection is not None:
            await self._run(self._connection.close)
            self._connection = None
        self._executor.shutdown(wait=True)

    async def read(self, work: Callable[[sqlite3.Connection], T]) -> T:
        return await self._run(lambda: work(self._conn()))

    async def write(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``work`` inside one write transaction; roll back if it raises."""
        return await self._run(lambda: self._transaction(work))

    def _transaction(self, work: Callable[[sqlite3.Connection], T]) -> T:
        connection = self._conn()
        connection.execute("BEGIN IMMEDIATE")
        try:
            result = work(connection)
        except BaseException:
            connection.rollback()
            raise
        connection.commit()
        return result

    def _conn(self) -> sqlite3.Connection:
        if self._connection is None:
            raise RuntimeError(f"{self.path} is not open")
        return self._connection

    async def _run(self, work: Callable[[], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._executor, work)
