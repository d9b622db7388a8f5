"""Background work that runs every N seconds for as long as a service runs.

Every service has some: the outbox relay, ticketing's auto-close sweep, the rules' hot reload,
log pruning and digests. They share one shape, written once here: run the work, log a failure
and try again at the next tick (a store or broker that is briefly away must not end the loop),
stop cleanly when the service stops.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)


class Periodic:
    """Runs ``work`` every ``seconds`` in a task of its own, between ``start()`` and
    ``stop()``. With ``first_now`` the first run is at once, otherwise after one interval."""

    def __init__(
        self,
        name: str,
        seconds: float,
        work: Callable[[], Awaitable[object]],
        *,
        first_now: bool = True,
    ) -> None:
        if seconds <= 0:
            raise ValueError(f"{name}: the interval must be positive, not {seconds}")
        self.name = name
        self.seconds = seconds
        self._work = work
        self._first_now = first_now
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name=self.name)

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def _run(self) -> None:
        if not self._first_now:
            await asyncio.sleep(self.seconds)
        while True:
            try:
                await self._work()
            except Exception:
                log.exception("%s failed; trying again in %ss", self.name, self.seconds)
            await asyncio.sleep(self.seconds)


async def stop_all(tasks: list[Periodic]) -> None:
    """Stop every one of them, in reverse order of starting."""
    for task in reversed(tasks):
        await task.stop()
