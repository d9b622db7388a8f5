"""The backends every store contract suite runs on: SQLite (a file per test), the MongoDB
adapter over mongomock, and a real MongoDB (``MONGODB_URL``, else a testcontainers one;
skipped when neither is reachable)."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from typing import Any, Generic, Protocol, TypeVar

import pytest
from mongomock_motor import AsyncMongoMockClient
from pymongo import AsyncMongoClient

KINDS = ("sqlite", "mongomock", "mongodb")


class Store(Protocol):
    async def open(self) -> None: ...

    async def close(self) -> None: ...


S = TypeVar("S", bound=Store)


class MongomockClient(AsyncMongoMockClient):  # type: ignore[misc]
    """mongomock-motor's client closes synchronously; PyMongo's AsyncMongoClient.close is a
    coroutine, which the adapters await."""

    async def close(self) -> None:
        """Nothing to release: the data lives in this process."""


def mongodb_url() -> Iterator[str]:
    """A session fixture body: the real MongoDB to test against, or a skip saying why not."""
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


class Backend(Generic[S]):
    """Where one test's data lives. ``open()`` gives one more store on the same data, as a
    second replica (process) of the service would have."""

    def __init__(self, kind: str, make: Callable[[], S]) -> None:
        self.kind = kind
        self._make = make
        self._opened: list[S] = []

    async def open(self) -> S:
        store = self._make()
        await store.open()
        self._opened.append(store)
        return store

    async def close(self) -> None:
        for store in reversed(self._opened):
            await store.close()


@asynccontextmanager
async def backend(
    request: pytest.FixtureRequest,
    *,
    service: str,
    sqlite: Callable[[], S],
    mongo: Callable[..., S],
) -> AsyncIterator[Backend[S]]:
    """The backend named by ``request.param``; ``mongo(url, database=..., client=...)``."""
    kind: str = request.param
    database = f"test_{service}_{uuid.uuid4().hex}"
    url = ""
    make: Callable[[], S]
    if kind == "sqlite":
        make = sqlite
    elif kind == "mongomock":
        client = MongomockClient(tz_aware=True)
        make = lambda: mongo("mongodb://mongomock", database=database, client=client)  # noqa: E731
    else:
        url = request.getfixturevalue("mongodb_url")
        make = lambda: mongo(url, database=database)  # noqa: E731
    opened = Backend(kind, make)
    try:
        yield opened
    finally:
        await opened.close()
        if kind == "mongodb":
            admin: AsyncMongoClient[Any] = AsyncMongoClient(url)
            await admin.drop_database(database)
            await admin.close()
