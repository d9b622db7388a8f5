"""How every change of a ticket is written: read it, apply a pure change from the domain,
write it with the version that was read, and do it all again when another writer got there
first. Written once here for every use case; and the events a write committed to the outbox
are published straight after it (the relay sends any that fail)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from contracts.base import Event
from servicekit import rpc
from servicekit.outbox import publish_and_mark
from servicekit.publishing import EventPublisher, OutgoingMessage
from ticketing.store.port import StaleTicket, TicketStore

T = TypeVar("T")

MAX_CONFLICT_RETRIES = 20
"""Attempts before giving up on a ticket that keeps changing. Each attempt reads afresh, so
only a ticket written to without pause by other replicas exhausts them."""


class TooMuchContention(rpc.Conflict):
    """Other writers kept changing the ticket. A caller is told to try again (409); a
    consumed message fails and is retried later with back-off."""


async def retry_on_stale(
    attempt: Callable[[], Awaitable[T]],
    *,
    what: str,
    also: tuple[type[Exception], ...] = (),
) -> T:
    """``attempt`` reads what it changes and writes it with the version it read; run it
    again while the write is refused as stale (or raises one of ``also``, the other ways a
    store says "someone else was first"). ``what`` names the contended thing in the error."""
    conflicts: tuple[type[Exception], ...] = (StaleTicket, *also)
    for _ in range(MAX_CONFLICT_RETRIES):
        try:
            return await attempt()
        except conflicts:
            continue
    raise TooMuchContention(f"{what} kept changing under us; try again")


async def publish(store: TicketStore, publisher: EventPublisher, events: Sequence[Event]) -> None:
    """Publish the events a write just committed to the outbox, and mark them sent."""
    await publish_and_mark(store, publisher, [OutgoingMessage.of(e) for e in events])
