"""The rules store contract runs on every backend in devtools.store_backends."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from devtools import store_backends
from devtools.store_backends import Backend
from rules.store.mongo import MongoRuleStore
from rules.store.port import RuleStore
from rules.store.sqlite import SqliteRuleStore


@pytest.fixture(params=store_backends.KINDS)
async def backend(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[Backend[RuleStore]]:
    async with store_backends.backend(
        request,
        service="rules",
        sqlite=lambda: SqliteRuleStore(tmp_path / "rules.db"),
        mongo=MongoRuleStore,
    ) as opened:
        yield opened


@pytest.fixture
async def store(backend: Backend[RuleStore]) -> RuleStore:
    return await backend.open()
