"""The notifier store contract runs on every backend in devtools.store_backends."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from devtools import store_backends
from devtools.store_backends import Backend
from notifier.store.mongo import MongoNotifierStore
from notifier.store.port import NotifierStore
from notifier.store.sqlite import SqliteNotifierStore
from servicekit.clock import ManualClock, system_clock


@pytest.fixture
def clock() -> ManualClock:
    """The stores' time: it moves only when a test advances it, so leases expire without
    sleeping. It starts at the real time, so instants the tests write are not in its future."""
    return ManualClock(system_clock())


@pytest.fixture(params=store_backends.KINDS)
async def backend(
    request: pytest.FixtureRequest, tmp_path: Path, clock: ManualClock
) -> AsyncIterator[Backend[NotifierStore]]:
    async with store_backends.backend(
        request,
        service="notifier",
        sqlite=lambda: SqliteNotifierStore(tmp_path / "notifier.db", clock=clock),
        mongo=lambda url, **options: MongoNotifierStore(url, clock=clock, **options),
    ) as opened:
        yield opened


@pytest.fixture
async def store(backend: Backend[NotifierStore]) -> NotifierStore:
    return await backend.open()
