"""The compiled rules a replica evaluates with, refreshed when the store's revision moves.
Checking the revision is one tiny read every ``refresh_seconds``, done by a watcher task
whether or not messages arrive, so a change made through any replica reaches all of them
within that time without a restart, and an idle replica is never stale when work resumes."""

from __future__ import annotations

import asyncio
import logging
import time

from rules.domain.matching import RuleSet, recompile
from rules.store.port import RuleStore
from servicekit.periodic import Periodic

log = logging.getLogger(__name__)


class RuleBook:
    def __init__(self, store: RuleStore, refresh_seconds: float) -> None:
        self._store = store
        self._refresh_seconds = refresh_seconds
        self._revision = -1
        self._checked_at = 0.0
        self._rules = RuleSet([])
        self._lock = asyncio.Lock()

    async def rules(self) -> RuleSet:
        if time.monotonic() - self._checked_at >= self._refresh_seconds:
            async with self._lock:
                if time.monotonic() - self._checked_at >= self._refresh_seconds:
                    await self._refresh()
        return self._rules

    def invalidate(self) -> None:
        """After a change through this replica: evaluate with it from the next message on."""
        self._checked_at = 0.0

    def watcher(self) -> Periodic:
        """Refreshes every ``refresh_seconds`` once started. A failed check (the store briefly
        unreachable) is logged and retried on the next tick; the last good rules stay in use."""
        return Periodic("checking the rules' revision", self._refresh_seconds, self.rules)

    async def _refresh(self) -> None:
        revision = await self._store.revision()
        if revision != self._revision:
            stored = await self._store.list_rules()
            self._rules = recompile(self._rules, stored, [r.id for r in stored])
            self._revision = revision
            log.info("rules reloaded: %d rules at revision %d", len(stored), revision)
        self._checked_at = time.monotonic()
