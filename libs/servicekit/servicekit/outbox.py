"""The relay half of the transactional outbox.

A service writes the events a change announces in the same transaction as the change. Right
after the commit it publishes them itself (the fast path); this relay is the safety net that
publishes whatever a crashed or disconnected process left behind. Rows are claimed with a
lease, so several replicas never publish the same rows at once; a row may still be published
twice (at-least-once) and every consumer is idempotent on the event id.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol
from uuid import UUID

from servicekit import metrics
from servicekit.periodic import Periodic
from servicekit.publishing import EventPublisher, OutgoingMessage

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Backlog:
    """The events an outbox holds unpublished, and how long the oldest has waited (0 when
    there is none), by the store's clock."""

    events: int = 0
    oldest_age_seconds: float = 0.0

    @classmethod
    def since(cls, events: int, oldest: datetime | float | None, now: datetime) -> Backlog:
        """From a count and the oldest row's time (a datetime, naive meaning UTC as BSON
        dates come back, or epoch seconds as SQLite keeps it)."""
        if oldest is None or not events:
            return cls(events)
        if isinstance(oldest, datetime):
            oldest = (oldest if oldest.tzinfo else oldest.replace(tzinfo=UTC)).timestamp()
        return cls(events, max(0.0, now.timestamp() - oldest))


class Outbox(Protocol):
    async def claim_unpublished(
        self, *, older_than_seconds: float, lease_seconds: float, limit: int
    ) -> Sequence[OutgoingMessage]: ...

    async def mark_published(self, ids: Sequence[UUID]) -> None: ...

    async def outbox_backlog(self) -> Backlog: ...


async def publish_and_mark(
    outbox: Outbox, publisher: EventPublisher, messages: Sequence[OutgoingMessage]
) -> None:
    """The fast path after a commit. A failure is logged, not raised: the rows stay in the
    outbox and the relay publishes them later, so the caller's effect is not undone."""
    if not messages:
        return
    try:
        await publisher.publish_all(messages)
        await outbox.mark_published([m.id for m in messages])
    except Exception:
        log.warning("publishing %d events failed; the outbox relay will retry", len(messages))


class OutboxRelay:
    def __init__(
        self,
        outbox: Outbox,
        publisher: EventPublisher,
        *,
        interval_seconds: float = 2.0,
        grace_seconds: float = 5.0,
        batch: int = 500,
    ) -> None:
        self._outbox = outbox
        self._publisher = publisher
        self._grace = grace_seconds
        self._batch = batch
        self._periodic = Periodic("outbox relay", interval_seconds, self._drain)

    def start(self) -> None:
        self._periodic.start()

    async def stop(self) -> None:
        await self._periodic.stop()

    async def relay_once(self) -> int:
        # Claim nothing while the broker is away: a publish would fail and leave the rows
        # leased (for 6 x the grace period) to nobody, so the backlog of an outage would go
        # out half a minute after the broker's return instead of at the next tick.
        if not await self._publisher.connected():
            return 0
        messages = await self._outbox.claim_unpublished(
            older_than_seconds=self._grace, lease_seconds=self._grace * 6, limit=self._batch
        )
        if messages:
            await self._publisher.publish_all(messages)
            await self._outbox.mark_published([m.id for m in messages])
            log.info("outbox relay published %d left-behind events", len(messages))
        return len(messages)

    async def sample(self) -> Backlog:
        """Publish the outbox's backlog and age as metrics (``socialdesk_outbox_*``)."""
        backlog = await self._outbox.outbox_backlog()
        metrics.OUTBOX_BACKLOG.set(backlog.events)
        metrics.OUTBOX_OLDEST_AGE.set(backlog.oldest_age_seconds)
        return backlog

    async def _drain(self) -> None:
        """Full batches back to back: a backlog is cleared in one run, not one batch a tick.
        The backlog is sampled after every run, also one that failed: a broker outage is
        exactly when it grows."""
        try:
            while await self.relay_once() == self._batch:
                pass
        finally:
            await self.sample()
