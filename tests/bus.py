"""Helpers for the tests that drive servicekit's consuming and publishing on the real RabbitMQ
directly, without the services."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, Literal

import aio_pika
from faststream.rabbit import RabbitBroker

from contracts import topology
from contracts.events import InteractionReceivedV1
from contracts.interaction import Interaction
from servicekit.consuming import consume
from servicekit.event_consumer import EventConsumer
from servicekit.publishing import EventPublisher
from servicekit.service import new_broker
from servicekit.topology import RetryQueueType, declare_consumer_queue


def email_received(external_id: str) -> InteractionReceivedV1:
    return InteractionReceivedV1(
        interaction=Interaction.model_validate(
            {
                "channel": "email",
                "account": "sac@acme",
                "external_id": external_id,
                "kind": "email",
                "author": {"id": "cliente@example.com"},
                "occurred_at": "2026-11-25T10:00:00Z",
            }
        )
    )


async def wait_for(condition: Callable[[], bool], seconds: float) -> None:
    async with asyncio.timeout(seconds):
        while not condition():  # noqa: ASYNC110 (polling a plain list the handler appends to)
            await asyncio.sleep(0.05)


class Transports:
    """The brokers whose consumers ``start_consumer`` puts on a ``servicekit.event_consumer``
    (what the services run) rather than on FastStream's subscriber: the fixtures run the
    same tests on both."""

    def __init__(self) -> None:
        self._urls: dict[int, str] = {}
        self._started: dict[int, list[EventConsumer]] = {}

    def on_amqp(self, broker: RabbitBroker, url: str) -> None:
        self._urls[id(broker)] = url
        self._started[id(broker)] = []

    def consumer(self, broker: RabbitBroker) -> EventConsumer | None:
        url = self._urls.get(id(broker))
        if url is None:
            return None
        events = EventConsumer(url, prefetch=10, service="test")
        self._started[id(broker)].append(events)
        return events

    async def stop(self, broker: RabbitBroker) -> None:
        self._urls.pop(id(broker), None)
        for events in self._started.pop(id(broker), []):
            await events.stop()


TRANSPORTS = Transports()

Transport = Literal["amqp", "faststream"]
TRANSPORT_NAMES: list[Transport] = ["amqp", "faststream"]
"""The params of a transport-parametrized broker fixture (``@pytest.fixture(params=...)``)."""


@asynccontextmanager
async def transport_broker(url: str, transport: Transport) -> AsyncIterator[RabbitBroker]:
    """A bare servicekit broker on ``url`` whose ``start_consumer`` consumers run on
    ``transport``: a ``servicekit.event_consumer`` ("amqp", what the services run) or
    FastStream's subscriber ("faststream", the handler tests' path); stopped on leaving."""
    broker = new_broker(url, prefetch=10)
    if transport == "amqp":
        TRANSPORTS.on_amqp(broker, url)
    try:
        yield broker
    finally:
        await TRANSPORTS.stop(broker)
        await broker.stop()


async def start_consumer(
    broker: RabbitBroker,
    spec: topology.ConsumerQueue,
    handler: Callable[[InteractionReceivedV1], Awaitable[None]],
    retry_queue_type: RetryQueueType = "classic",
) -> None:
    events = TRANSPORTS.consumer(broker)
    registrar = broker if events is None else events
    consume(registrar, spec, InteractionReceivedV1, handler, publisher=EventPublisher(broker))
    await broker.connect()
    await declare_consumer_queue(broker, spec, retry_queue_type)
    await broker.start()
    if events is not None:
        await events.start()


async def next_dead_letter(rabbitmq_url: str, spec: topology.ConsumerQueue) -> Any:
    """The next message in the queue's DLQ (acknowledged), waiting up to 15 s for it."""
    connection = await aio_pika.connect(rabbitmq_url)
    async with connection:
        channel = await connection.channel()
        dlq = await channel.get_queue(spec.dlq)
        dead = None
        async with asyncio.timeout(15):
            while dead is None:
                dead = await dlq.get(fail=False)
                await asyncio.sleep(0.05)
        await dead.ack()
        return dead
