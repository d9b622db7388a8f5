"""The ingestor store contract runs on every backend in devtools.store_backends."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from devtools import store_backends
from devtools.store_backends import Backend
from ingestor.store.mongo import MongoIngestStore
from ingestor.store.port import IngestStore
from ingestor.store.sqlite import SqliteIngestStore


@pytest.fixture(params=store_backends.KINDS)
async def backend(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[Backend[IngestStore]]:
    async with store_backends.backend(
        request,
        service="ingestor",
        sqlite=lambda: SqliteIngestStore(tmp_path / "ingestor.db"),
        mongo=MongoIngestStore,
    ) as opened:
        yield opened


@pytest.fixture
async def store(backend: Backend[IngestStore]) -> IngestStore:
    return await backend.open()
