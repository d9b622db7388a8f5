"""The mail log contract runs against every adapter available: SQLite (a file per
test), the MongoDB adapter over mongomock, and a real MongoDB (``MONGODB_URL``, else a
testcontainers one; skipped when neither is reachable)."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from mongomock_motor import AsyncMongoMockClient
from pymongo import AsyncMongoClient

from notifier.store.mongo import MongoMailLog
from notifier.store.port import MailLog
from notifier.store.sqlite import SqliteMailLog


class MongomockClient(AsyncMongoMockClient):  # type: ignore[type-arg]
    """mongomock-motor's client closes synchronously; PyMongo's AsyncMongoClient.close is a
    coroutine, which the adapters await."""

    async def close(self) -> None:  # type: ignore[override]  # PyMongo's is a coroutine
        """Nothing to release: the data lives in this process."""


@pytest.fixture(scope="session")
def mongodb_url() -> Iterator[str]:
    if url := os.environ.get("MONGODB_URL"):
        yield url
        return
    try:
        from testcontainers.community.mongodb import MongoDbContainer

        container = MongoDbContainer("mongo:7")
        container.start()
    except Exception as exc:
        pytest.skip(
            f"no MongoDB: MONGODB_URL is unset and testcontainers could not start one "
            f"({type(exc).__name__}: {str(exc)[:120]})"
        )
    try:
        yield container.get_connection_url()
    finally:
        container.stop()


class Backend:
    """Where one test's data lives. ``open()`` gives one more store on the same data, as a
    second replica (process) of the service would have."""

    def __init__(self, kind: str, make: Callable[[], MailLog]) -> None:
        self.kind = kind
        self._make = make
        self._opened: list[MailLog] = []

    async def open(self) -> MailLog:
        store = self._make()
        await store.open()
        self._opened.append(store)
        return store

    async def close(self) -> None:
        for store in reversed(self._opened):
            await store.close()


@pytest.fixture(params=["sqlite", "mongomock", "mongodb"])
async def backend(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Backend]:
    kind: str = request.param
    database = f"test_notifier_{uuid.uuid4().hex}"
    url = ""
    make: Callable[[], MailLog]
    if kind == "sqlite":
        make = partial(SqliteMailLog, tmp_path / "notifier.db")
    elif kind == "mongomock":
        client = MongomockClient(tz_aware=True)
        make = partial(MongoMailLog, "mongodb://mongomock", database=database, client=client)
    else:
        url = request.getfixturevalue("mongodb_url")
        make = partial(MongoMailLog, url, database=database)
    backend = Backend(kind, make)
    yield backend
    await backend.close()
    if kind == "mongodb":
        admin: AsyncMongoClient[Any] = AsyncMongoClient(url)
        await admin.drop_database(database)
        await admin.close()


@pytest.fixture
async def store(backend: Backend) -> MailLog:
    return await backend.open()
