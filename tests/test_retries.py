"""servicekit's reliable consumption on the real RabbitMQ: a failing handler gets its message
back after the back-off, and one that keeps failing ends in the DLQ with the cause."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import aio_pika
import pytest
from faststream.rabbit import RabbitBroker

from contracts import topology
from contracts.events import InteractionReceivedV1
from contracts.interaction import Interaction
from servicekit.consuming import ATTEMPT_HEADER, ERROR_HEADER, consume
from servicekit.publishing import EventPublisher
from servicekit.service import new_broker
from servicekit.topology import declare_consumer_queue

SPEC = topology.ConsumerQueue("test.retries", (InteractionReceivedV1.routing_key,))
EVENT = InteractionReceivedV1(
    interaction=Interaction.model_validate(
        {
            "channel": "email",
            "account": "sac@acme",
            "external_id": "m1",
            "kind": "email",
            "author": {"id": "cliente@example.com"},
            "occurred_at": "2026-11-25T10:00:00Z",
        }
    )
)


async def wait_for(condition: Any, seconds: float) -> None:
    async with asyncio.timeout(seconds):
        while not condition():  # noqa: ASYNC110 (polling a plain list the handler appends to)
            await asyncio.sleep(0.05)


@pytest.fixture
async def broker(rabbitmq_url: str) -> AsyncIterator[RabbitBroker]:
    broker = new_broker(rabbitmq_url, prefetch=10)
    yield broker
    await broker.stop()


async def start(broker: RabbitBroker, handler: Any) -> None:
    consume(broker, SPEC, InteractionReceivedV1, handler, publisher=EventPublisher(broker))
    await broker.connect()
    await declare_consumer_queue(broker, SPEC)
    await broker.start()


async def test_a_failed_message_comes_back_after_the_back_off_and_succeeds(
    broker: RabbitBroker,
) -> None:
    calls: list[float] = []

    async def flaky(event: InteractionReceivedV1) -> None:
        calls.append(asyncio.get_running_loop().time())
        if len(calls) == 1:
            raise ConnectionError("database briefly unavailable")

    await start(broker, flaky)
    await EventPublisher(broker).publish(EVENT)

    await wait_for(lambda: len(calls) == 2, seconds=15)
    assert calls[1] - calls[0] >= topology.RETRY_DELAYS_SECONDS[0] * 0.9


async def test_a_message_failing_after_its_last_retry_is_dead_lettered_with_the_cause(
    broker: RabbitBroker, rabbitmq_url: str
) -> None:
    async def broken(event: InteractionReceivedV1) -> None:
        raise ValueError("this handler never works")

    await start(broker, broken)
    # As if it had already been retried as often as the policy allows.
    await broker.publish(
        EVENT.model_dump_json().encode(),
        exchange=topology.EVENTS_EXCHANGE,
        routing_key=EVENT.routing_key,
        persist=True,
        headers={ATTEMPT_HEADER: len(topology.RETRY_DELAYS_SECONDS)},
    )

    connection = await aio_pika.connect(rabbitmq_url)
    async with connection:
        channel = await connection.channel()
        dlq = await channel.get_queue(SPEC.dlq)
        dead = None
        async with asyncio.timeout(15):
            while dead is None:
                dead = await dlq.get(fail=False)
                await asyncio.sleep(0.05)
        await dead.ack()
    assert "ValueError: this handler never works" in str(dead.headers[ERROR_HEADER])
    assert dead.body == EVENT.model_dump_json().encode()
