"""Batch messages on the real RabbitMQ: a burst of events travels in few messages, every event
is handled once, and one bad event in a batch is dead-lettered alone with its cause."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import aio_pika
import pytest
from faststream.rabbit import RabbitBroker

from contracts import topology
from contracts.events import InteractionReceivedV1
from contracts.interaction import Interaction
from servicekit.consuming import ERROR_HEADER, consume
from servicekit.publishing import BATCH_HEADER, EventPublisher
from servicekit.service import new_broker
from servicekit.topology import EVENTS, declare_consumer_queue

SPEC = topology.ConsumerQueue("test.batches", (InteractionReceivedV1.routing_key,))
BURST = 300


def event(n: int) -> InteractionReceivedV1:
    return InteractionReceivedV1(
        interaction=Interaction.model_validate(
            {
                "channel": "email",
                "account": "sac@acme",
                "external_id": f"m{n}",
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


@pytest.fixture
async def channel(rabbitmq_url: str) -> AsyncIterator[aio_pika.abc.AbstractChannel]:
    connection = await aio_pika.connect(rabbitmq_url)
    async with connection:
        yield await connection.channel()


async def test_a_burst_travels_in_batches_and_every_event_is_handled_once(
    broker: RabbitBroker,
) -> None:
    handled: list[str] = []

    async def record(received: InteractionReceivedV1) -> None:
        handled.append(received.interaction.external_id)

    consume(broker, SPEC, InteractionReceivedV1, record, publisher=EventPublisher(broker))
    await broker.connect()
    await declare_consumer_queue(broker, SPEC)
    await broker.start()

    publisher = EventPublisher(broker)
    sent_messages: list[int] = []
    original_publish = broker.publish

    async def counting_publish(*args: Any, **kwargs: Any) -> Any:
        sent_messages.append(int((kwargs.get("headers") or {}).get(BATCH_HEADER, 1)))
        return await original_publish(*args, **kwargs)

    broker.publish = counting_publish  # type: ignore[method-assign]
    await asyncio.gather(*(publisher.publish(event(n)) for n in range(BURST)))

    await wait_for(lambda: len(handled) >= BURST, seconds=30)
    assert sorted(handled) == sorted(f"m{n}" for n in range(BURST))
    assert sum(sent_messages) == BURST
    assert len(sent_messages) < BURST / 10  # the burst shared messages


async def test_one_bad_event_in_a_batch_is_dead_lettered_alone(
    broker: RabbitBroker, channel: aio_pika.abc.AbstractChannel
) -> None:
    handled: list[str] = []

    async def record(received: InteractionReceivedV1) -> None:
        handled.append(received.interaction.external_id)

    consume(broker, SPEC, InteractionReceivedV1, record, publisher=EventPublisher(broker))
    await broker.connect()
    await declare_consumer_queue(broker, SPEC)
    await broker.start()

    good = [json.loads(event(n).model_dump_json()) for n in (1, 3)]
    broken = {"not": "an interaction"}
    body = json.dumps([good[0], broken, good[1]]).encode()
    await broker.publish(
        body,
        exchange=EVENTS,
        routing_key=InteractionReceivedV1.routing_key,
        persist=True,
        headers={BATCH_HEADER: 3},
    )

    await wait_for(lambda: sorted(handled) == ["m1", "m3"], seconds=15)
    dlq = await channel.get_queue(SPEC.dlq)
    dead = None
    async with asyncio.timeout(15):
        while dead is None:
            dead = await dlq.get(fail=False)
            await asyncio.sleep(0.05)
    await dead.ack()
    assert json.loads(dead.body) == broken
    assert "invalid InteractionReceivedV1" in str(dead.headers[ERROR_HEADER])
    assert BATCH_HEADER not in dead.headers
