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
from servicekit.clock import ManualClock, system_clock


@pytest.fixture
def clock() -> ManualClock:
    """The stores' time: it moves only when a test advances it, so leases expire without
    sleeping. It starts at the real time, so instants the tests write are not in its future."""
    return ManualClock(system_clock())


@pytest.fixture(params=store_backends.KINDS)
async def backend(
    request: pytest.FixtureRequest, tmp_path: Path, clock: ManualClock
) -> AsyncIterator[Backend[IngestStore]]:
    async with store_backends.backend(
        request,
        service="ingestor",
        sqlite=lambda: SqliteIngestStore(tmp_path / "ingestor.db", clock=clock),
        mongo=lambda url, **options: MongoIngestStore(url, clock=clock, **options),
    ) as opened:
        yield opened


@pytest.fixture
async def store(backend: Backend[IngestStore]) -> IngestStore:
    return await backend.open()
