"""The compiled rules a replica evaluates with, refreshed when the store's revision moves.
Checking the revision is one tiny read at most every ``refresh_seconds``, so a change made
through any replica reaches all of them within that time without a restart."""

from __future__ import annotations

import asyncio
import time

from rules.domain.matching import CompiledRule
from rules.store.port import RuleStore


class RuleBook:
    def __init__(self, store: RuleStore, refresh_seconds: float) -> None:
        self._store = store
        self._refresh_seconds = refresh_seconds
        self._revision = -1
        self._checked_at = 0.0
        self._rules: list[CompiledRule] = []
        self._lock = asyncio.Lock()

    async def rules(self) -> list[CompiledRule]:
        if time.monotonic() - self._checked_at >= self._refresh_seconds:
            async with self._lock:
                if time.monotonic() - self._checked_at >= self._refresh_seconds:
                    await self._refresh()
        return self._rules

    def invalidate(self) -> None:
        """After a change through this replica: evaluate with it from the next message on."""
        self._checked_at = 0.0

    async def _refresh(self) -> None:
        revision = await self._store.revision()
        if revision != self._revision:
            stored = await self._store.list_rules()
            self._rules = [CompiledRule.compile(r.id, r) for r in stored]
            self._revision = revision
        self._checked_at = time.monotonic()
