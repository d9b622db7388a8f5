"""MongoDB connection for the MongoStore adapters (PyMongo's async API)."""

from __future__ import annotations

from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase


def connect(url: str, database: str) -> tuple[AsyncMongoClient, AsyncDatabase]:  # type: ignore[type-arg]
    """Each service has a database of its own on the deployment's MongoDB."""
    client: AsyncMongoClient = AsyncMongoClient(url, tz_aware=True)  # type: ignore[type-arg]
    return client, client[database]
