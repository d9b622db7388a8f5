"""Answering request/reply on a plain AMQP consumer, as ``servicekit.rpc.RpcClient`` asks.

FastStream's subscriber (``servicekit.rpc.serve``) takes every request through its middleware
chain (acknowledgement, logging, Prometheus on the way in and again on the reply) and
publishes the reply through its own producer. Measured with the same method behind both, on
one machine in one run (issue 8): 1.32–1.39 ms of the serving process's CPU per request
through FastStream, 0.80–0.87 ms on this consumer. Ticketing answers the desk's reads (every
list and ticket page) on this one; FastStream's subscriber stays for the handler tests on its
in-memory broker, which has no aio-pika connection to consume from, and for the services
whose requests are rare (rules, notifier, ingestor).

What the subscriber did and this one keeps: the queue is declared as ``topology.rpc_queue``
says; at most ``prefetch`` requests are answered at once; each is acknowledged after its
reply is published; the trace continues from the caller's ``traceparent`` header; the answer
and its latency metric come from ``rpc.dispatch``. The requests are consumed on the AMQP
channel under aio-pika's robust one, without an aio-pika message or task per request (issue
8): the robust connection restores the channel, its prefetch and the queue after a broker
restart, and the server consumes again then; ``check`` says when it is not consuming
(``/readyz``)."""

from __future__ import annotations

import logging
from typing import cast

import aio_pika
import aiormq
from aio_pika.abc import AbstractQueue, AbstractRobustConnection
from opentelemetry.trace import SpanKind
from pamqp import commands as spec

from servicekit import frames, health, tracing
from servicekit.consumer_channel import open_consumer_channel
from servicekit.rpc import ERROR_HEADER, NOT_PERSISTENT, Method, dispatch
from servicekit.topology import rpc_queue

log = logging.getLogger(__name__)

SERVER = SpanKind.SERVER


class RpcServer:
    """Answers ``queue``'s requests with ``methods`` once ``start`` is awaited."""

    def __init__(self, url: str, queue: str, methods: dict[str, Method], prefetch: int) -> None:
        self.queue_name = queue
        self._url = url
        self._methods = methods
        self._prefetch = prefetch
        self._connection: AbstractRobustConnection | None = None
        self._channel: aio_pika.abc.AbstractRobustChannel | None = None
        self._queue: AbstractQueue | None = None
        self._consuming = False

    async def start(self) -> None:
        spec = rpc_queue(self.queue_name)
        # The robust channel declares the queue and sets the prefetch again when it reopens
        # (a broker restart); the consumer is this server's own, so it consumes again then.
        opened = await open_consumer_channel(
            self._url, self._prefetch, consume_again=self._on_reopened, on_closed=self._on_closed
        )
        self._connection, self._channel = opened.connection, opened.channel
        self._queue = await opened.channel.declare_queue(
            spec.name, durable=spec.durable, arguments=spec.arguments
        )
        await self._consume(opened.underlay)

    async def _consume(self, underlay: aiormq.abc.AbstractChannel) -> None:
        # On the AMQP channel underneath, as ``RpcClient`` takes its replies: through the
        # aio-pika queue, each request was wrapped in an IncomingMessage (every property
        # decoded) and handed on in a second task, only to read four of its fields.
        await underlay.basic_consume(
            rpc_queue(self.queue_name).name, self._on_request, no_ack=False
        )
        self._consuming = True

    def _on_closed(self) -> None:
        self._consuming = False

    async def _on_reopened(self, underlay: aiormq.abc.AbstractChannel) -> None:
        await self._consume(underlay)
        log.info("answering %s again after the broker connection came back", self.queue_name)

    async def stop(self) -> None:
        """Stop taking requests, then close (a request being answered is redelivered)."""
        if self._connection is not None:
            await self._connection.close()
            self._connection = None

    async def check(self) -> None:
        """For ``/readyz``: raises ``health.Unhealthy`` while requests are not consumed."""
        channel = self._channel
        if self._connection is None or self._connection.is_closed:
            raise health.Unhealthy(f"not connected to answer {self.queue_name}")
        if channel is None or channel.is_closed or not self._consuming:
            raise health.Unhealthy(f"not consuming from {self.queue_name}")

    async def _on_request(self, message: aiormq.abc.DeliveredMessage) -> None:
        properties = message.header.properties
        parent = (properties.headers or {}).get("traceparent") or ""
        traceparent = (
            parent.decode(errors="replace")
            if isinstance(parent, bytes | bytearray)
            else str(parent)
        )
        with tracing.span(f"{self.queue_name} process", kind=SERVER, traceparent=traceparent):
            reply = await dispatch(self._methods, message.body)
        tag = cast(spec.Basic.Deliver, message.delivery).delivery_tag or 0  # never 0 here
        try:
            if not properties.reply_to:
                await message.channel.basic_ack(tag)
                return
            # The reply and the request's ack in one write, on the channel the request came
            # on (servicekit.frames says why).
            await frames.publish(
                message.channel,
                properties.reply_to,
                reply.body,
                frames.Properties(
                    content_type="application/json",
                    correlation_id=properties.correlation_id,
                    message_id=properties.correlation_id,
                    headers={ERROR_HEADER: 1} if reply.failed else None,
                    delivery_mode=NOT_PERSISTENT,
                ),
                then_ack=tag,
            )
        except aiormq.exceptions.ChannelInvalidStateError:
            # The channel closed while the request was answered: the broker delivers it
            # again, and its caller's reply channel is gone with the connection anyway.
            log.info("%s: channel closed before a reply could be sent", self.queue_name)
