"""The notifier store contract runs on every backend in devtools.store_backends."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from devtools import store_backends
from devtools.store_backends import Backend
from notifier.store.mongo import MongoMailLog
from notifier.store.port import MailLog
from notifier.store.sqlite import SqliteMailLog


@pytest.fixture(params=store_backends.KINDS)
async def backend(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[Backend[MailLog]]:
    async with store_backends.backend(
        request,
        service="notifier",
        sqlite=lambda: SqliteMailLog(tmp_path / "notifier.db"),
        mongo=MongoMailLog,
    ) as opened:
        yield opened


@pytest.fixture
async def store(backend: Backend[MailLog]) -> MailLog:
    return await backend.open()
