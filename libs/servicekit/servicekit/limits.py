"""A first-come, first-served bound on concurrent work whose acquire costs O(1).

``asyncio.Semaphore.acquire`` (Python 3.11) calls ``locked()``, which scans every waiter
(``any(not w.cancelled() for w in waiters)``). A consumer that unpacks batch messages can
have thousands of events waiting for one of its ``MAX_IN_FLIGHT`` slots, so each acquire
scanned thousands of futures: profiled under the pipeline benchmark that scan was ~8 % of
ticketing's CPU. This limiter keeps the waiters in a deque and hands a freed slot straight
to the oldest live one, so acquiring and releasing cost the same however many wait.
"""

from __future__ import annotations

import asyncio
from collections import deque
from types import TracebackType


class Limiter:
    """At most ``limit`` holders at once; the others wait in arrival order."""

    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError("a limiter needs at least one slot")
        self._free = limit
        self._waiters: deque[asyncio.Future[None]] = deque()

    @property
    def free(self) -> int:
        return self._free

    @property
    def waiting(self) -> int:
        return len(self._waiters)

    async def acquire(self) -> None:
        if self._free and not self._waiters:
            self._free -= 1
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await waiter  # the slot was handed over by release(), already counted as taken
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self.release()  # handed a slot while being cancelled: pass it on
            elif waiter in self._waiters:  # release() drops cancelled waiters it meets
                self._waiters.remove(waiter)
            raise

    def release(self) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)  # the slot goes to this waiter, never freed in between
                return
        self._free += 1

    async def __aenter__(self) -> None:
        await self.acquire()

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.release()
