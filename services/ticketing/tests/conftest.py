"""The ticketing store contract runs on every backend in devtools.store_backends."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from devtools import store_backends
from devtools.store_backends import Backend
from ticketing.store.mongo import MongoTicketStore
from ticketing.store.port import TicketStore
from ticketing.store.sqlite import SqliteTicketStore


@pytest.fixture(params=store_backends.KINDS)
async def backend(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[Backend[TicketStore]]:
    async with store_backends.backend(
        request,
        service="ticketing",
        sqlite=lambda: SqliteTicketStore(tmp_path / "ticketing.db"),
        mongo=MongoTicketStore,
    ) as opened:
        yield opened


@pytest.fixture
async def store(backend: Backend[TicketStore]) -> TicketStore:
    return await backend.open()
