"""Event consumption on a plain AMQP consumer, as ``servicekit.rpc_server`` answers requests.

FastStream's subscriber takes every message through its middleware chain (acknowledgement,
logging, Prometheus, telemetry), an aio-pika ``IncomingMessage`` with every property decoded,
a ``StreamMessage`` on top of it, and a task of aio-pika's on top of aiormq's, only for
``servicekit.consuming`` to read four fields of it. One event per message (the open loop, a
normal day) made that a large share of ticketing's CPU per interaction (issue 8; figures in
docs/operations.md#event-consumption).

What the subscriber did and this one keeps: a message is acknowledged only once
``consuming.consume``'s processing returned (every event in it handled and committed, or
handed on, confirmed, to the retry or dead-letter path), and rejected without requeue when
that raised (``AckPolicy.REJECT_ON_ERROR``: the queue dead-letters it); at most ``prefetch``
unacknowledged messages per queue; the trace continues from the message's ``traceparent``
(a ``<exchange>.<routing key> process`` span, as FastStream's telemetry middleware names
it); FastStream's per-message series (``metrics.ConsumedMessages``). The robust connection
restores the channel and its prefetch after a broker restart, and the consumers consume
again then; ``check`` names the queues not consumed (``/readyz``). ``stop`` cancels the
consumers and waits for the messages in hand before the connection closes, as FastStream's
``graceful_timeout`` did.

The handler tests keep FastStream's subscriber (``consuming.consume`` on a broker or router):
its in-memory broker has no AMQP connection to consume from."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from typing import Any, cast

import aiormq
from aio_pika.abc import AbstractRobustChannel, AbstractRobustConnection
from opentelemetry.trace import SpanKind
from pamqp import commands as spec

from servicekit import health, metrics, tracing
from servicekit.consumer_channel import open_consumer_channel

log = logging.getLogger(__name__)

Process = Callable[[bytes, Mapping[str, Any], str | None, str | None], Awaitable[None]]
"""``consuming.consume``'s processing of one message: its body, headers, routing key and
correlation id. Returns once the message may be acknowledged."""

GRACEFUL_SECONDS = 30.0
"""How long ``stop`` waits for the messages in hand (``service.new_broker``'s graceful
timeout)."""


class EventConsumer:
    """Consumes the queues ``add``ed to it once ``start`` is awaited."""

    def __init__(self, url: str, prefetch: int, service: str) -> None:
        self._url = url
        self._prefetch = prefetch
        self._metrics = metrics.ConsumedMessages(service)
        self._processes: dict[str, Process] = {}
        self._connection: AbstractRobustConnection | None = None
        self._channel: AbstractRobustChannel | None = None
        self._underlay: aiormq.abc.AbstractChannel | None = None
        self._tags: dict[str, str] = {}
        self._in_hand = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._stopping = False

    def add(self, queue: str, process: Process) -> None:
        if queue in self._processes:
            raise ValueError(f"{queue} is consumed already")
        self._processes[queue] = process

    async def start(self) -> None:
        """Consume every queue added; they must be declared already (``topology``)."""
        if not self._processes:
            return
        opened = await open_consumer_channel(
            self._url, self._prefetch, consume_again=self._on_reopened, on_closed=self._on_closed
        )
        self._connection, self._channel = opened.connection, opened.channel
        await self._consume(opened.underlay)

    async def _consume(self, underlay: aiormq.abc.AbstractChannel) -> None:
        tags = {}
        for queue, process in self._processes.items():
            ok = await underlay.basic_consume(queue, self._deliverer(queue, process), no_ack=False)
            tags[queue] = ok.consumer_tag or ""
        self._underlay, self._tags = underlay, tags

    def _on_closed(self) -> None:
        self._underlay = None

    async def _on_reopened(self, underlay: aiormq.abc.AbstractChannel) -> None:
        if self._stopping:
            return
        await self._consume(underlay)
        log.info("consuming %s again after the broker connection came back", ", ".join(self._tags))

    async def stop(self) -> None:
        """Stop taking messages, let those in hand settle (a while at most: what is not
        acknowledged is delivered again), then close."""
        self._stopping = True
        underlay = self._underlay
        if underlay is not None and not underlay.is_closed:
            for tag in self._tags.values():
                try:
                    await underlay.basic_cancel(tag)
                except (aiormq.exceptions.AMQPError, ConnectionError) as exc:
                    log.info("could not cancel consumer %s: %s", tag, exc)
        try:
            async with asyncio.timeout(GRACEFUL_SECONDS):
                await self._idle.wait()
        except TimeoutError:
            log.warning(
                "stopping with %d messages in hand; they are delivered again", self._in_hand
            )
        if self._connection is not None:
            await self._connection.close()
            self._connection = None

    async def check(self) -> None:
        """For ``/readyz``: raises ``health.Unhealthy`` naming the queues not consumed."""
        if not self._processes:
            return
        if self._connection is None or self._connection.is_closed:
            raise health.Unhealthy("not connected to RabbitMQ to consume")
        underlay = self._underlay
        consumers: Mapping[str, Any] = (
            getattr(underlay, "consumers", {})
            if underlay is not None and not underlay.is_closed
            else {}
        )
        idle = sorted(q for q in self._processes if self._tags.get(q) not in consumers)
        if idle:
            raise health.Unhealthy(f"not consuming from {', '.join(idle)}")

    def _deliverer(
        self, queue: str, process: Process
    ) -> Callable[[aiormq.abc.DeliveredMessage], Coroutine[Any, Any, None]]:
        async def deliver(message: aiormq.abc.DeliveredMessage) -> None:
            self._in_hand += 1
            self._idle.clear()
            try:
                await self._deliver(queue, process, message)
            finally:
                self._in_hand -= 1
                if not self._in_hand:
                    self._idle.set()

        return deliver

    async def _deliver(
        self, queue: str, process: Process, message: aiormq.abc.DeliveredMessage
    ) -> None:
        delivery = cast(spec.Basic.Deliver, message.delivery)
        properties = message.header.properties
        headers: Mapping[str, Any] = properties.headers or {}
        handler = f"{delivery.exchange or 'default'}.{delivery.routing_key}"
        series = self._metrics.started(handler, len(message.body))
        started = time.perf_counter()
        error: Exception | None = None
        try:
            if tracing.tracer() is None:
                await process(
                    message.body, headers, delivery.routing_key, properties.correlation_id
                )
            else:
                with tracing.span(
                    f"{handler} process",
                    kind=SpanKind.CONSUMER,
                    traceparent=_text(headers.get("traceparent")),
                ):
                    await process(
                        message.body, headers, delivery.routing_key, properties.correlation_id
                    )
        except Exception as exc:
            error = exc
            log.exception("an event from %s could not be settled; rejecting it", queue)
        tag = delivery.delivery_tag or 0  # never 0 on a delivery
        try:
            if error is None:
                await message.channel.basic_ack(tag, wait=False)
            else:
                # The queue dead-letters it (``topology.consumer_queue``).
                await message.channel.basic_reject(tag, requeue=False, wait=False)
        except aiormq.exceptions.ChannelInvalidStateError:
            # The channel closed meanwhile: the broker delivers the message again.
            log.info("%s: channel closed before a message could be settled", queue)
        self._metrics.finished(handler, series, time.perf_counter() - started, error)


def _text(value: Any) -> str:
    if isinstance(value, bytes | bytearray):
        return value.decode(errors="replace")
    return str(value) if value else ""
