"""The outbox relay on the Periodic helper: a backlog is drained in one run, full batch after
full batch, and a failing run is tried again at the next tick."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from typing import Any
from uuid import UUID, uuid4

from prometheus_client import REGISTRY

from servicekit.outbox import Backlog, OutboxRelay
from servicekit.publishing import OutgoingMessage


class FakeOutbox:
    def __init__(self, backlog: int, *, fail_first: bool = False) -> None:
        self.left = [
            OutgoingMessage.stored(str(uuid4()), "x.v1", b"{}", None) for _ in range(backlog)
        ]
        self.total = backlog
        self.claims: list[int] = []
        self.published: list[UUID] = []
        self.fail_first = fail_first
        self.drained = asyncio.Event()

    async def claim_unpublished(
        self, *, older_than_seconds: float, lease_seconds: float, limit: int
    ) -> Sequence[OutgoingMessage]:
        if self.fail_first:
            self.fail_first = False
            raise ConnectionError("store away")
        claimed, self.left = self.left[:limit], self.left[limit:]
        self.claims.append(len(claimed))
        if len(claimed) < limit:
            self.drained.set()
        return claimed

    async def mark_published(self, ids: Sequence[UUID]) -> None:
        self.published.extend(ids)

    async def outbox_backlog(self) -> Backlog:
        # Claimed is not published: a claimed row stays in the backlog until it is marked.
        unpublished = self.total - len(self.published)
        return Backlog(unpublished, 12.5 if unpublished else 0.0)


class FakePublisher:
    def __init__(self, *, up: bool = True) -> None:
        self.up = up

    async def connected(self) -> bool:
        return self.up

    async def publish_all(self, messages: Any) -> None:
        if not self.up:
            raise ConnectionError("no confirm")


async def test_a_backlog_is_drained_in_one_run_batch_after_batch() -> None:
    outbox = FakeOutbox(backlog=25)
    relay = OutboxRelay(outbox, FakePublisher(), interval_seconds=3600, batch=10)  # type: ignore[arg-type]
    relay.start()
    async with asyncio.timeout(5):
        await outbox.drained.wait()
    await relay.stop()
    assert outbox.claims == [10, 10, 5]
    assert len(outbox.published) == 25


async def test_a_failed_run_is_tried_again_at_the_next_tick() -> None:
    outbox = FakeOutbox(backlog=3, fail_first=True)
    relay = OutboxRelay(outbox, FakePublisher(), interval_seconds=0.01, batch=10)  # type: ignore[arg-type]
    relay.start()
    async with asyncio.timeout(5):
        await outbox.drained.wait()
    await relay.stop()
    assert len(outbox.published) == 3


class BrokerAway(FakePublisher):
    async def publish_all(self, messages: Any) -> None:
        raise ConnectionError("RabbitMQ is away")


def gauge(name: str) -> float | None:
    return REGISTRY.get_sample_value(name)


async def test_the_backlog_and_its_age_are_exported_after_every_run_even_a_failed_one() -> None:
    outbox = FakeOutbox(backlog=4)
    relay = OutboxRelay(outbox, BrokerAway(), interval_seconds=3600, batch=10)  # type: ignore[arg-type]
    with contextlib.suppress(ConnectionError):
        await relay._drain()
    assert gauge("socialdesk_outbox_backlog") == 4
    assert gauge("socialdesk_outbox_oldest_age_seconds") == 12.5

    relay = OutboxRelay(FakeOutbox(backlog=0), FakePublisher(), batch=10)  # type: ignore[arg-type]
    await relay._drain()
    assert gauge("socialdesk_outbox_backlog") == 0
    assert gauge("socialdesk_outbox_oldest_age_seconds") == 0


async def test_nothing_is_claimed_while_the_broker_is_away() -> None:
    """Claimed rows are leased: claimed during an outage, they would wait for the lease to
    expire after the broker's return instead of going out at the next tick."""
    outbox = FakeOutbox(backlog=3)
    publisher = FakePublisher(up=False)
    relay = OutboxRelay(outbox, publisher, batch=10)  # type: ignore[arg-type]
    assert await relay.relay_once() == 0
    assert outbox.claims == []
    publisher.up = True
    assert await relay.relay_once() == 3
    assert len(outbox.published) == 3
