"""The rules store contract runs on every backend in devtools.store_backends."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from contracts.rpc_ticketing import DeskVocabulary
from devtools import store_backends
from devtools.store_backends import Backend
from rules.references import Vocabulary
from rules.store.mongo import MongoRuleStore
from rules.store.port import RuleStore
from rules.store.sqlite import SqliteRuleStore
from servicekit.clock import ManualClock, system_clock


@pytest.fixture
def clock() -> ManualClock:
    """The stores' time: it moves only when a test advances it. It starts at the real time,
    so instants the tests write are not in its future."""
    return ManualClock(system_clock())


@pytest.fixture(params=store_backends.KINDS)
async def backend(
    request: pytest.FixtureRequest, tmp_path: Path, clock: ManualClock
) -> AsyncIterator[Backend[RuleStore]]:
    async with store_backends.backend(
        request,
        service="rules",
        sqlite=lambda: SqliteRuleStore(tmp_path / "rules.db", clock=clock),
        mongo=lambda url, **options: MongoRuleStore(url, clock=clock, **options),
    ) as opened:
        yield opened


@pytest.fixture
async def store(backend: Backend[RuleStore]) -> RuleStore:
    return await backend.open()


@pytest.fixture
def desk() -> Vocabulary:
    """What ticketing would answer to ``desk.vocabulary``: the default scale, one level."""
    known = DeskVocabulary(priorities=["urgent", "high", "medium", "low"], levels=["legal"])

    async def vocabulary() -> DeskVocabulary:
        return known

    return vocabulary
