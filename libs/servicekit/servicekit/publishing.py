"""Persistent, confirmed publishing of contract events, coalesced into batches under load.

Every AMQP message costs a publish, a confirm, a delivery and an ack, in Python and in the
broker, whatever its size; at thousands of events a second that per-message cost is most of
the work. So the publisher does for the bus what group commit does for the database: while a
publish of one routing key waits for its confirm, further events of that routing key queue
up, and the next publish carries all of them in one *batch message* (header
``x-socialdesk-batch``: a JSON array of event bodies). Each caller still returns only once
RabbitMQ confirmed the message holding its event. An idle publisher sends single events as
plain messages, so nothing waits for a batch to fill. ``servicekit.consuming`` unpacks
batches and handles, retries and dead-letters every event on its own.

Once a service calls ``start`` (after its broker connected), messages go straight onto the
channel of the broker's events exchange, confirmed by RabbitMQ as before, instead of through
FastStream's ``broker.publish``: its publish command, encoding and middleware chain cost about
a third of a confirmed publish (``bench/publish_cost.py``), and a normal day publishes one
message per event. The messages, their properties and the ``faststream_published_*`` series
are the same. With tracing on, publishes keep going through FastStream, whose telemetry
middleware makes the publish spans and writes ``traceparent``; handler tests on FastStream's
in-memory broker never call ``start`` and publish through it too.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast
from uuid import UUID, uuid4

import aio_pika
import aiormq
from faststream.rabbit import RabbitBroker
from pamqp.commands import Basic

from contracts.base import Event
from servicekit import metrics, tracing
from servicekit.topology import EVENTS

PERSISTENT = 2
"""AMQP delivery mode: written to disk by RabbitMQ."""

BATCH_HEADER = "x-socialdesk-batch"
"""On a batch message: how many events its body (a JSON array) holds."""

MAX_BATCH_EVENTS = 200
MAX_BATCH_BYTES = 1_000_000


@dataclass(frozen=True)
class OutgoingMessage:
    """An event already serialised, e.g. as it was kept in an outbox, with the trace context
    it was made in ("" when tracing was off): published later, by the outbox relay after a
    crash or an outage, it still continues that trace instead of starting a new one."""

    id: UUID
    routing_key: str
    body: bytes
    correlation_id: UUID | None = None
    traceparent: str = ""
    tracestate: str = ""

    @classmethod
    def stored(
        cls,
        event_id: str,
        routing_key: str,
        body: bytes,
        correlation_id: str | None,
        traceparent: str | None = None,
        tracestate: str | None = None,
    ) -> OutgoingMessage:
        """From the fields of an outbox row or document (ids kept as strings; rows written
        before the trace context was kept have none)."""
        return cls(
            UUID(event_id),
            routing_key,
            bytes(body),
            UUID(correlation_id) if correlation_id else None,
            traceparent or "",
            tracestate or "",
        )

    @classmethod
    def of(cls, event: Event) -> OutgoingMessage:
        """The event in the current trace context (the one its outbox row will keep)."""
        traceparent, tracestate = tracing.current_context()
        return cls(
            id=event.id,
            routing_key=event.routing_key,
            body=event.model_dump_json().encode(),
            correlation_id=event.correlation_id,
            traceparent=traceparent,
            tracestate=tracestate,
        )

    def row_fields(self) -> tuple[str, str, bytes, str | None, str | None, str | None]:
        """event_id, routing_key, body, correlation_id, traceparent, tracestate as an outbox
        row keeps them (NULL for what is absent)."""
        return (
            str(self.id),
            self.routing_key,
            self.body,
            str(self.correlation_id) if self.correlation_id else None,
            self.traceparent or None,
            self.tracestate or None,
        )


def batch_body(messages: list[OutgoingMessage]) -> bytes:
    return b"[" + b",".join(m.body for m in messages) + b"]"


Waiting = tuple[OutgoingMessage, asyncio.Future[None], str]
"""An event, its caller's future, and the ``traceparent`` it is published in: the one kept
with the event (its outbox row's), else its caller's ("" when not tracing)."""


class EventPublisher:
    """Publishes to the events exchange. Every publish is persistent and awaited until RabbitMQ
    confirms it, so "published" means "RabbitMQ has it on disk"."""

    def __init__(self, broker: RabbitBroker) -> None:
        self._broker = broker
        self._waiting: dict[str, list[Waiting]] = defaultdict(list)
        self._senders: dict[str, asyncio.Task[None]] = {}
        self._exchange: aio_pika.Exchange | None = None
        self._published: metrics.PublishedMessages | None = None

    async def start(self, service: str) -> None:
        """Publish straight on the channel of the events exchange from now on (the module
        says why); call once the broker is connected. Nothing changes with tracing on."""
        if tracing.tracer() is not None:
            return
        exchange = cast(aio_pika.Exchange, await self._broker.declare_exchange(EVENTS))
        channel = await exchange.channel.get_underlay_channel()
        if not cast(aiormq.Channel, channel).publisher_confirms:  # "published" means confirmed
            raise RuntimeError("the broker's channel does not have publisher confirms on")
        self._exchange = exchange
        self._published = metrics.PublishedMessages(service)

    @property
    def broker(self) -> RabbitBroker:
        return self._broker

    async def connected(self) -> bool:
        """Whether the broker connection is up now (it may still drop before a confirm)."""
        return await self._broker.ping(timeout=0.5)

    async def publish(self, event: Event) -> None:
        await self.publish_message(OutgoingMessage.of(event))

    async def publish_all(self, messages: Iterable[OutgoingMessage]) -> None:
        """Publish concurrently; raises if any publish fails."""
        if isinstance(messages, list | tuple) and len(messages) == 1:
            # One event (an interaction POSTed on its own): awaited directly, without the
            # task and the future that gather makes to wait on it.
            await self.publish_message(messages[0])
            return
        await asyncio.gather(*(self.publish_message(m) for m in messages))

    async def publish_message(self, message: OutgoingMessage) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        waiting = (message, future, message.traceparent or tracing.current_traceparent())
        self._waiting[message.routing_key].append(waiting)
        if message.routing_key not in self._senders:
            # A task of its own: a caller that is cancelled must not strand the others.
            self._senders[message.routing_key] = asyncio.create_task(
                self._send_waiting(message.routing_key)
            )
        await future

    async def _send_waiting(self, routing_key: str) -> None:
        """Send what waits for ``routing_key``, group after group, until nothing waits."""
        try:
            while waiting := self._waiting[routing_key]:
                group = _take_group(waiting)
                try:
                    await self._send([m for m, _, _ in group], [t for _, _, t in group])
                except Exception as exc:
                    for _, future, _ in group:
                        if not future.done():
                            future.set_exception(exc)
                else:
                    metrics.EVENTS_PUBLISHED.labels(routing_key).inc(len(group))
                    for _, future, _ in group:
                        if not future.done():
                            future.set_result(None)
        finally:
            del self._senders[routing_key]
            # Only a cancelled sender (shutdown) leaves events behind: their callers must hear.
            for _, future, _ in self._waiting.pop(routing_key, []):
                if not future.done():
                    future.set_exception(ConnectionError("publisher stopped before sending"))

    async def _send(self, group: list[OutgoingMessage], traceparents: list[str]) -> None:
        """The message's own ``traceparent`` is its first event's (this task may outlive the
        caller that started it, so that caller's context is not reused); a batch adds every
        event's, so each stays in its own trace."""
        first = group[0]
        headers: dict[str, Any] | None
        if len(group) == 1:
            body, message_id, headers = first.body, str(first.id), None
        else:
            body, message_id = batch_body(group), str(uuid4())
            headers = {BATCH_HEADER: len(group)}
            if any(traceparents):
                headers[tracing.TRACEPARENTS_HEADER] = json.dumps(traceparents)
        correlation_id = str(first.correlation_id or first.id)
        if self._exchange is not None:
            await self._publish_directly(
                first.routing_key, body, message_id, correlation_id, headers
            )
            return
        with tracing.within(traceparents[0], first.tracestate if first.traceparent else ""):
            await self._broker.publish(
                body,
                exchange=EVENTS,
                routing_key=first.routing_key,
                persist=True,
                mandatory=False,
                message_id=message_id,
                correlation_id=correlation_id,
                content_type="application/json",
                headers=headers,
            )

    async def _publish_directly(
        self,
        routing_key: str,
        body: bytes,
        message_id: str,
        correlation_id: str,
        headers: dict[str, Any] | None,
    ) -> None:
        """What ``broker.publish`` sends (FastStream's properties, a timestamp included) and
        the series it counts, as one confirmed ``basic.publish`` on the exchange's channel."""
        assert self._exchange is not None and self._published is not None
        started = time.perf_counter()
        error: BaseException | None = None
        try:
            robust = self._exchange.channel
            if robust.is_closed:  # reconnecting: fail now, as FastStream's publish would
                raise aiormq.exceptions.ChannelInvalidStateError(f"{robust!r} closed")
            channel = await robust.get_underlay_channel()
            await channel.basic_publish(
                body,
                exchange=self._exchange.name,
                routing_key=routing_key,
                properties=Basic.Properties(
                    content_type="application/json",
                    headers=headers,
                    delivery_mode=PERSISTENT,
                    correlation_id=correlation_id,
                    message_id=message_id,
                    timestamp=datetime.now(UTC),
                ),
                mandatory=False,
            )
        except BaseException as exc:
            error = exc
            raise
        finally:
            destination = f"{self._exchange.name}.{routing_key}"
            self._published.published(destination, time.perf_counter() - started, error)


def _take_group(waiting: list[Waiting]) -> list[Waiting]:
    """Take from the front of ``waiting`` as many as fit in one batch message."""
    size, count = 0, 0
    for message, _, _ in waiting:
        if count and (count == MAX_BATCH_EVENTS or size + len(message.body) > MAX_BATCH_BYTES):
            break
        size += len(message.body) + 1
        count += 1
    group = waiting[:count]
    del waiting[:count]
    return group
