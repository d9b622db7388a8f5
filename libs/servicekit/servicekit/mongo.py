"""MongoDB connection for the MongoStore adapters (PyMongo's async API)."""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from typing import Any

from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase


def connect(url: str, database: str) -> tuple[AsyncMongoClient, AsyncDatabase]:  # type: ignore[type-arg]
    """Each service has a database of its own on the deployment's MongoDB."""
    client: AsyncMongoClient = AsyncMongoClient(url, tz_aware=True)  # type: ignore[type-arg]
    return client, client[database]


async def aggregate(collection: Any, pipeline: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The pipeline's result documents. PyMongo's async API returns the cursor from a
    coroutine; mongomock-motor (the store-contract suites) returns it directly."""
    cursor = collection.aggregate(list(pipeline))
    if inspect.isawaitable(cursor):
        cursor = await cursor
    return [document async for document in cursor]
