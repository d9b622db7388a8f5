"""Helpers for the tests that drive servicekit's consuming and publishing on the real RabbitMQ
directly, without the services."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import aio_pika
from faststream.rabbit import RabbitBroker

from contracts import topology
from contracts.events import InteractionReceivedV1
from contracts.interaction import Interaction
from servicekit.consuming import consume
from servicekit.publishing import EventPublisher
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


async def start_consumer(
    broker: RabbitBroker,
    spec: topology.ConsumerQueue,
    handler: Callable[[InteractionReceivedV1], Awaitable[None]],
    retry_queue_type: RetryQueueType = "classic",
) -> None:
    consume(broker, spec, InteractionReceivedV1, handler, publisher=EventPublisher(broker))
    await broker.connect()
    await declare_consumer_queue(broker, spec, retry_queue_type)
    await broker.start()


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
