"""The robust AMQP channel that ``servicekit.event_consumer`` and ``servicekit.rpc_server``
consume on, and their consuming again after a broker restart.

aio-pika's robust connection reopens the channel after a broker restart and restores its
prefetch and the queues declared through it, but not consumers started on the AMQP channel
underneath (both consume there, without an aio-pika message or task per delivery: issue 8), so
the owner's ``consume_again`` runs on each reopened channel."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import aio_pika
import aiormq
from aio_pika.abc import AbstractRobustChannel, AbstractRobustConnection

Consume = Callable[[aiormq.abc.AbstractChannel], Awaitable[None]]
"""Starts the owner's consumers on the AMQP channel under the robust one."""


@dataclass(frozen=True, slots=True)
class ConsumerChannel:
    connection: AbstractRobustConnection
    channel: AbstractRobustChannel
    """The robust channel: declare queues through it, so they are declared again on reopen."""
    underlay: aiormq.abc.AbstractChannel
    """The AMQP channel underneath as it is now, to consume on the first time."""


async def open_consumer_channel(
    url: str, prefetch: int, *, consume_again: Consume, on_closed: Callable[[], None]
) -> ConsumerChannel:
    """A robust connection to ``url`` and a channel on it with ``prefetch`` unacknowledged
    deliveries per consumer (not global, as FastStream's channel set it; restored on reopen).

    No publisher confirms: the event consumer publishes nothing on it (retries and dead
    letters go through the service's publisher, confirmed), and the request/reply server's
    replies are not persistent and go to a caller's direct reply-to, which the broker does not
    store; waiting for their ack only delayed the request's own ack and cost the broker a frame
    per request.

    ``on_closed`` is called when the channel closes (the owner is no longer consuming);
    ``consume_again`` when it has reopened. The first consume is the caller's, once it has
    declared what it consumes from."""
    connection = await aio_pika.connect_robust(url)

    async def reopened(reopened_channel: Any) -> None:
        await consume_again(await reopened_channel.get_underlay_channel())

    def closed(_sender: Any, _reason: BaseException | None = None) -> None:
        on_closed()

    try:
        channel = connection.channel(publisher_confirms=False)
        channel.reopen_callbacks.add(reopened)
        channel.close_callbacks.add(closed)
        await channel
        await channel.set_qos(prefetch_count=prefetch)
        return ConsumerChannel(connection, channel, await channel.get_underlay_channel())
    except BaseException:
        # The owner has no connection to close yet: a robust one would reconnect forever.
        await connection.close()
        raise
