"""A ticket put on a level holds the level while it is written (``DirectoryStore.pin_level``),
so a level deleted at the same moment is either kept (the ticket counts as open on it) or gone
before the ticket is written, which is then refused: no ticket is left on a deleted level."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import AsyncExitStack, asynccontextmanager

from ticketing.domain.assignment import FINISHED_STATUSES
from ticketing.domain.tickets import Ticket
from ticketing.store.directory import DirectoryStore


class LevelGone(ValueError):
    """The level a ticket was to be put on does not exist (any more), or is being deleted."""

    def __init__(self, level: str) -> None:
        super().__init__(
            f"there is no level {level!r} (it does not exist or is being deleted): "
            "pick another level"
        )
        self.level = level


def to_hold(before: Ticket, level: str | None, status: str) -> str | None:
    """The level a write that leaves the ticket on ``level`` in ``status`` must hold: that
    level when the ticket will need work there and did not already (a move onto it, or a
    resolved ticket reopened on it); None otherwise. A level is deleted once its tickets are
    all resolved or closed, so reopening one of them must find its level still there."""
    if level is None or status in FINISHED_STATUSES:
        return None
    if level != before.level or before.status.value in FINISHED_STATUSES:
        return level
    return None


@asynccontextmanager
async def holding(store: DirectoryStore, level: str | None) -> AsyncIterator[None]:
    """Hold ``level`` (nothing for None) for the ticket write in the block; LevelGone, before
    the block runs, when it cannot be held."""
    if level is None:
        yield
        return
    pin = await store.pin_level(level)
    if pin is None:
        raise LevelGone(level)
    try:
        yield
    finally:
        await store.unpin_level(level, pin)


@asynccontextmanager
async def holding_all(store: DirectoryStore, levels: Iterable[str]) -> AsyncIterator[None]:
    """Hold every one of ``levels`` for the write in the block (an agent saved with them):
    LevelGone for the first that cannot be held, with the ones held so far released."""
    async with AsyncExitStack() as stack:
        for level in sorted(set(levels)):
            await stack.enter_async_context(holding(store, level))
        yield
