"""Coalesced runs of a per-key job that reads the current state, e.g. a projection.

When several events about one key arrive close together, each asks for the same job: read
the key's state as it is now and write what follows from it. A run that *starts* after a
request arrived reads state at least as new as that request saw, so it satisfies that
request too. ``Coalescing.run`` therefore lets requests that wait while a run is under way
share the next run instead of each taking one of their own: under a flood of events about
the same tickets this turns N back-to-back identical runs into about two. Runs of one key
never overlap, as with ``KeyedLocks``. A run that fails satisfies nobody: every request it
would have covered goes on to run (or share) another one, so a failure is never hidden.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field


@dataclass
class _Key:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    requested: int = 0
    """Requests numbered in arrival order."""
    satisfied: int = 0
    """Every request numbered up to this was covered by a run that succeeded."""
    users: int = 0


class Coalescing:
    def __init__(self) -> None:
        self._keys: dict[str, _Key] = {}

    async def run(self, key: str, job: Callable[[], Awaitable[object]]) -> bool:
        """Have ``job`` run, for this request, by a run that starts after now. True when
        this call ran it, False when a run started later on another's behalf covered it."""
        state = self._keys.setdefault(key, _Key())
        state.requested += 1
        mine = state.requested
        state.users += 1
        try:
            async with state.lock:
                if state.satisfied >= mine:
                    return False
                covers = state.requested  # everyone who has asked so far reads no older state
                await job()
                state.satisfied = max(state.satisfied, covers)
                return True
        finally:
            state.users -= 1
            if not state.users:
                del self._keys[key]

    def __len__(self) -> int:
        return len(self._keys)
