"""What operators see of the queues, over plain AMQP: depths and consumers through passive
declares, dead letters read and put back, and replays onto their original queue.

AMQP rather than RabbitMQ's management plugin, which the services never needed: the gateway
already speaks AMQP with the credentials and the vhost it runs with, so this works on any
RabbitMQ the services work on (a test's throw-away vhost included) with no plugin, port or
second set of credentials. Its limit: a passive declare tells the messages *ready* in a queue
and its consumers, not the ones delivered and not yet acknowledged.

Every operation opens a connection of its own and reads the whole DLQ, holding each dead letter
unacknowledged, then writes back in order every one it did not replay (see ``_Held``): a
listing that fails or a gateway that dies half-way loses nothing (RabbitMQ takes back what a
closed connection held, though then not always in order). One operation per DLQ runs at a time,
across every gateway process: each takes an exclusive queue named after the DLQ as a lock, which
RabbitMQ releases when the connection closes, however it closes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import aio_pika
import aiormq
from aio_pika.abc import (
    AbstractChannel,
    AbstractConnection,
    AbstractIncomingMessage,
    AbstractQueue,
)

from contracts import topology as names
from gateway.dead_letters import DeadLetter, copy, describe, message_identity, replayed

EVERY_CONSUMER_QUEUE = names.EVERY_CONSUMER_QUEUE
MAX_SCAN = 10_000
"""Dead letters one operation reads at most: every operation reads and writes back the whole
DLQ (see ``_Held``), about 1.3 ms a dead letter measured on the 2-core test machine."""

OPERATION_SECONDS = 60.0


class UnknownQueue(LookupError):
    """Not a Socialdesk consumer queue, or not declared on the broker yet."""


class TooMany(RuntimeError):
    """The DLQ holds more dead letters than one operation reads."""


class Busy(RuntimeError):
    """Another listing or replay of the same DLQ is running."""


@dataclass(frozen=True)
class Depth:
    messages: int | None
    consumers: int | None

    @property
    def exists(self) -> bool:
        return self.messages is not None


@dataclass
class ReplayOutcome:
    selected: list[str] = field(default_factory=list)
    replayed: int = 0
    not_found: list[str] = field(default_factory=list)
    scanned: int = 0


def consumer_queue(name: str) -> names.ConsumerQueue:
    """The consumer queue called ``name``, or whose DLQ is called ``name``."""
    for spec in EVERY_CONSUMER_QUEUE:
        if name in (spec.name, spec.dlq):
            return spec
    raise UnknownQueue(f"{name!r} is not a Socialdesk queue with a DLQ")


class QueueInspector:
    def __init__(self, url: str) -> None:
        self._url = url

    @asynccontextmanager
    async def _connection(self) -> AsyncIterator[AbstractConnection]:
        connection = await aio_pika.connect(self._url)
        try:
            yield connection
        finally:
            await connection.close()

    async def depths(self, queues: Iterable[str]) -> dict[str, Depth]:
        """Ready messages and consumers of each queue; ``None`` for one not declared."""
        found: dict[str, Depth] = {}
        async with asyncio.timeout(OPERATION_SECONDS), self._connection() as connection:
            channel = await connection.channel()
            for name in queues:
                try:
                    ok = await channel.declare_queue(name, passive=True)
                except aiormq.exceptions.ChannelNotFoundEntity:
                    # A failed passive declare closes the channel it ran on.
                    found[name] = Depth(None, None)
                    channel = await connection.channel()
                    continue
                result = ok.declaration_result
                found[name] = Depth(result.message_count, result.consumer_count)
        return found

    async def dead_letters(
        self, spec: names.ConsumerQueue, *, offset: int, limit: int
    ) -> tuple[int, list[DeadLetter]]:
        """The DLQ's depth and its dead letters ``offset`` to ``offset + limit``, oldest first.
        They stay in the DLQ, in their order."""
        async with self._held(spec) as held:
            items = []
            position = 0
            async for message in held.messages():
                if offset <= position < offset + limit:
                    items.append(describe(message, position))
                position += 1
            return held.total, items

    async def replay(
        self, spec: names.ConsumerQueue, *, ids: list[str] | None, dry_run: bool
    ) -> ReplayOutcome:
        """Put the dead letters carrying ``ids`` (every one when ``ids`` is None) back on
        ``spec``'s queue. Each is published, confirmed, before it leaves the DLQ, so a failure
        in between leaves it in both places (its consumer is idempotent), never in neither.
        Only the dead letters present when the replay starts are read, so one that fails again
        at once is not replayed twice by the same call."""
        outcome = ReplayOutcome()
        wanted = None if ids is None else set(ids)
        async with self._held(spec) as held:
            requeue = await held.channel.get_exchange(names.REQUEUE_EXCHANGE, ensure=False)
            seen: set[str] = set()
            async for message in held.messages():
                outcome.scanned += 1
                identity = message_identity(message)
                seen.add(identity)
                if wanted is not None and identity not in wanted:
                    continue  # handed back in its place at the end
                outcome.selected.append(identity)
                if dry_run:
                    continue
                await requeue.publish(replayed(message, spec), spec.name, mandatory=True)
                held.remove(message)
                outcome.replayed += 1
        if wanted is not None:
            outcome.not_found = [i for i in ids or [] if i not in seen]
        return outcome

    @asynccontextmanager
    async def _held(self, spec: names.ConsumerQueue) -> AsyncIterator[_Held]:
        """The DLQ on a channel with confirms, under the DLQ's lock; see ``_Held``."""
        async with asyncio.timeout(OPERATION_SECONDS), self._connection() as connection:
            lock = await connection.channel()
            try:
                await lock.declare_queue(
                    f"socialdesk.admin.lock.{spec.dlq}", exclusive=True, auto_delete=True
                )
            except aiormq.exceptions.ChannelLockedResource as exc:
                raise Busy(f"another listing or replay of {spec.dlq} is running") from exc
            # Confirms, and a replay to a queue that is gone raises instead of vanishing.
            channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
            try:
                dlq = await channel.declare_queue(spec.dlq, passive=True)
            except aiormq.exceptions.ChannelNotFoundEntity as exc:
                raise UnknownQueue(
                    f"{spec.dlq} is not declared on the broker (has its service started?)"
                ) from exc
            total = dlq.declaration_result.message_count or 0
            if total > MAX_SCAN:
                raise TooMany(
                    f"{spec.dlq} holds {total:,} dead letters, more than the {MAX_SCAN:,} "
                    "one call reads; see docs/operations.md for moving them with RabbitMQ's tools"
                )
            held = _Held(channel, dlq, total, spec.name)
            yield held
            await held.write_back()


class _Held:
    """The ``total`` dead letters a DLQ held when an operation began, all taken and held
    unacknowledged to the end. Then every one not replayed is written back to the DLQ, in its
    order, and only once RabbitMQ confirmed those copies are the originals acknowledged.

    Written back rather than handed back (a nack with requeue): a quorum queue does not keep
    the order of handed-back messages (measured on RabbitMQ 3.10: after a few listings of 2,000
    dead letters some had moved), while copies published in order on one channel land in
    order behind whatever arrived since. A gateway that dies half-way leaves every original in
    the DLQ and, at worst, some copies beside them: a dead letter twice, never one lost."""

    def __init__(
        self, channel: AbstractChannel, dlq: AbstractQueue, total: int, queue: str
    ) -> None:
        self.channel = channel
        self._queue = queue
        self.total = total
        self.removed: set[int] = set()
        self._dlq = dlq
        self._taken: list[AbstractIncomingMessage] = []
        self._arrived: asyncio.Queue[AbstractIncomingMessage] = asyncio.Queue()
        self._consumer: str | None = None

    async def messages(self) -> AsyncIterator[AbstractIncomingMessage]:
        if not self.total:
            return
        # A prefetch of exactly ``total``: nothing is settled before the end, so RabbitMQ
        # delivers those and nothing that arrives meanwhile.
        await self.channel.set_qos(prefetch_count=self.total)
        self._consumer = await self._dlq.consume(self._arrived.put, no_ack=False)
        for _ in range(self.total):
            message = await self._arrived.get()
            self._taken.append(message)
            yield message

    def remove(self, message: AbstractIncomingMessage) -> None:
        assert message.delivery_tag is not None
        self.removed.add(message.delivery_tag)

    async def write_back(self) -> None:
        """Write back what was read and not replayed, then acknowledge every original. Only
        on success: on a failure the channel's close hands the originals back instead."""
        if not self._taken:
            return
        if self._consumer is not None:
            await self._dlq.cancel(self._consumer)
        # Delivery tags grow in delivery order, which is the queue's order.
        taken = sorted(self._taken, key=lambda m: m.delivery_tag or 0)
        kept = [m for m in taken if m.delivery_tag not in self.removed]
        # Published in this order; each call sends its frames before it waits for its confirm.
        # The way dead letters come, so they keep their exchange and routing key.
        dead_letters = await self.channel.get_exchange(names.DEAD_LETTER_EXCHANGE, ensure=False)
        await asyncio.gather(
            *(dead_letters.publish(copy(m), self._queue, mandatory=True) for m in kept)
        )
        underlay = await self.channel.get_underlay_channel()
        await underlay.basic_ack(taken[-1].delivery_tag or 0, multiple=True)
