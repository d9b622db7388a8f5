"""Event consumption on ``servicekit.event_consumer`` (what the services run) when its consumer
goes away: readiness names the queue it no longer consumes, and after a broker crash, on a
RabbitMQ node of the test's own (devtools.rabbit_node; the shared node is never touched),
``/readyz`` says so during the outage and the consumer consumes again by itself once the node
is back: an event published then is handled, and the check passes again."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import aio_pika
import pytest

from contracts import topology
from contracts.events import InteractionReceivedV1
from devtools.rabbit_node import RabbitNode
from servicekit import health
from servicekit.consuming import consume
from servicekit.event_consumer import EventConsumer
from servicekit.publishing import EventPublisher
from servicekit.service import new_broker
from servicekit.topology import declare_consumer_queue, declare_events_exchange
from tests.bus import email_received, wait_for
from tests.support import unique

RECOVERY_SECONDS = 15.0


@pytest.fixture(scope="module")
def node() -> Iterator[RabbitNode]:
    with RabbitNode() as node:
        yield node


def queue_spec() -> topology.ConsumerQueue:
    return topology.ConsumerQueue(
        unique("test.consume"), (InteractionReceivedV1.routing_key,), "a test's consumer"
    )


async def ready(events: EventConsumer) -> tuple[int, dict[str, object]]:
    return await health.readiness({"events": events.check})


async def test_readiness_names_the_queue_no_longer_consumed(rabbitmq_url: str) -> None:
    spec = queue_spec()
    broker = new_broker(rabbitmq_url, prefetch=10)
    events = EventConsumer(rabbitmq_url, prefetch=10, service="test")
    handled: list[str] = []

    async def handler(event: InteractionReceivedV1) -> None:
        handled.append(event.interaction.external_id)

    consume(events, spec, InteractionReceivedV1, handler, publisher=EventPublisher(broker))
    try:
        await broker.connect()
        await declare_events_exchange(broker)
        await declare_consumer_queue(broker, spec)
        code, _ = await ready(events)
        assert code == 503, "a consumer that has not started is not ready"
        await events.start()
        assert (await ready(events))[0] == 200

        # The broker cancels the consumer of a deleted queue.
        connection = await aio_pika.connect(rabbitmq_url)
        async with connection:
            channel = await connection.channel()
            await channel.queue_delete(spec.name)
        code, body = 200, {}
        async with asyncio.timeout(5):
            while code == 200:
                code, body = await ready(events)
                await asyncio.sleep(0.05)
        assert body["failing"] == ["events"]
        assert body["checks"] == {"events": f"not consuming from {spec.name}"}
    finally:
        await events.stop()
        await broker.stop()


async def test_consuming_resumes_after_a_broker_crash(node: RabbitNode) -> None:
    spec = queue_spec()
    broker = new_broker(node.url, prefetch=10)
    events = EventConsumer(node.url, prefetch=10, service="test")
    handled: list[str] = []

    async def handler(event: InteractionReceivedV1) -> None:
        handled.append(event.interaction.external_id)

    publisher = EventPublisher(broker)
    consume(events, spec, InteractionReceivedV1, handler, publisher=publisher)
    try:
        await broker.connect()
        await declare_events_exchange(broker)
        await publisher.start("test")  # as the services publish: straight on the channel
        await declare_consumer_queue(broker, spec)
        await broker.start()
        await events.start()
        await publisher.publish(email_received("before"))
        await wait_for(lambda: handled == ["before"], seconds=10)

        await asyncio.to_thread(node.kill)
        code, body = 200, {}
        async with asyncio.timeout(10):
            while code == 200:
                code, body = await ready(events)
                await asyncio.sleep(0.05)
        assert body["failing"] == ["events"]

        await asyncio.to_thread(node.start)
        back = time.monotonic()
        async with asyncio.timeout(RECOVERY_SECONDS):
            while (await ready(events))[0] != 200:  # noqa: ASYNC110 (polling the probe)
                await asyncio.sleep(0.1)
        # Published through the service's own (robust) broker connection once it is back.
        async with asyncio.timeout(RECOVERY_SECONDS):
            while True:
                try:
                    await publisher.publish(email_received("after"))
                    break
                except Exception:
                    await asyncio.sleep(0.2)
        await wait_for(lambda: "after" in handled, seconds=RECOVERY_SECONDS)
        print(f"consuming again {time.monotonic() - back:.1f}s after the node was back")
    finally:
        await events.stop()
        await broker.stop()
