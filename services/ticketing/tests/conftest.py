"""The ticketing store contract runs on every backend in devtools.store_backends."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from devtools import store_backends
from devtools.store_backends import Backend
from servicekit.clock import ManualClock
from ticketing.store.mongo import MongoTicketStore
from ticketing.store.port import TicketStore
from ticketing.store.sqlite import SqliteTicketStore


@pytest.fixture
def clock() -> ManualClock:
    """The stores' time: leases run out when a test advances it, not while it sleeps."""
    return ManualClock(datetime(2026, 6, 1, 9, 0, tzinfo=UTC))


@pytest.fixture(params=store_backends.KINDS)
async def backend(
    request: pytest.FixtureRequest, tmp_path: Path, clock: ManualClock
) -> AsyncIterator[Backend[TicketStore]]:
    async with store_backends.backend(
        request,
        service="ticketing",
        sqlite=lambda: SqliteTicketStore(tmp_path / "ticketing.db", clock=clock),
        mongo=lambda url, **kw: MongoTicketStore(url, clock=clock, **kw),
    ) as opened:
        yield opened


@pytest.fixture
async def store(backend: Backend[TicketStore]) -> TicketStore:
    return await backend.open()
