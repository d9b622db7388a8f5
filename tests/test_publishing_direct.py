"""An ``EventPublisher`` the services started (``start``: straight on the channel of the events
exchange) sends, on the real RabbitMQ, the messages it sent through FastStream's
``broker.publish``: the same body, properties and batch headers, confirmed, and counted in
the same ``faststream_published_*`` series."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import aio_pika
import pytest
from faststream.rabbit import RabbitBroker
from prometheus_client import REGISTRY

from contracts.events import InteractionReceivedV1
from contracts.topology import EVENTS_EXCHANGE
from servicekit.publishing import BATCH_HEADER, EventPublisher
from servicekit.topology import declare_events_exchange
from tests.bus import email_received

ROUTING_KEY = InteractionReceivedV1.routing_key
DESTINATION = f"{EVENTS_EXCHANGE}.{ROUTING_KEY}"


def published(app: str, status: str = "success") -> float:
    labels = {
        "app_name": app,
        "broker": "rabbitmq",
        "destination": DESTINATION,
        "status": status,
    }
    return REGISTRY.get_sample_value("faststream_published_messages_total", labels) or 0.0


Messages = list[aio_pika.abc.AbstractIncomingMessage]


def events_in(messages: Messages) -> int:
    return sum(int((m.headers or {}).get(BATCH_HEADER, 1)) for m in messages)


async def received(url: str, publish: Any, events: int) -> Messages:
    """The messages ``publish()`` put on the events exchange under ROUTING_KEY, until they
    hold ``events`` events, read off a queue of this test's own bound before publishing."""
    connection = await aio_pika.connect(url)
    try:
        channel = await connection.channel()
        queue = await channel.declare_queue(exclusive=True)
        await queue.bind(EVENTS_EXCHANGE, routing_key=ROUTING_KEY)
        await publish()
        messages: Messages = []
        async with asyncio.timeout(10):
            while events_in(messages) < events:
                message = await queue.get(fail=False)
                if message is None:
                    await asyncio.sleep(0.02)
                    continue
                await message.ack()
                messages.append(message)
        return messages
    finally:
        await connection.close()


@pytest.fixture
async def connected(bare_broker: RabbitBroker) -> RabbitBroker:
    await bare_broker.connect()
    await declare_events_exchange(bare_broker)
    return bare_broker


async def test_a_started_publisher_sends_what_faststream_sent(
    connected: RabbitBroker, rabbitmq_url: str
) -> None:
    app = f"test-{uuid.uuid4().hex[:8]}"
    before = EventPublisher(connected)
    started = EventPublisher(connected)
    await started.start(app)
    old, new = email_received("through FastStream"), email_received("straight")

    async def publish() -> None:
        await before.publish(old)
        await started.publish(new)

    first, second = await received(rabbitmq_url, publish, 2)

    assert json.loads(first.body)["id"] == str(old.id)
    assert json.loads(second.body)["id"] == str(new.id)
    assert second.body == new.model_dump_json().encode()
    for message, event in ((first, old), (second, new)):
        assert message.delivery_mode == aio_pika.DeliveryMode.PERSISTENT
        assert message.content_type == "application/json"
        assert message.message_id == str(event.id)
        assert message.correlation_id == str(event.correlation_id or event.id)
        assert message.timestamp is not None
        assert not message.headers
    assert published(app) == 1


async def test_a_burst_from_a_started_publisher_still_travels_in_batches(
    connected: RabbitBroker, rabbitmq_url: str
) -> None:
    app = f"test-{uuid.uuid4().hex[:8]}"
    publisher = EventPublisher(connected)
    await publisher.start(app)
    events = [email_received(f"burst-{i}") for i in range(50)]

    async def publish() -> None:
        await asyncio.gather(*(publisher.publish(e) for e in events))

    messages = await received(rabbitmq_url, publish, len(events))

    # Published in one turn, they wait for one sender and travel together.
    assert len(messages) < len(events)
    assert any(BATCH_HEADER in (m.headers or {}) for m in messages)
    bodies = [json.loads(m.body) for m in messages]
    ids = [e["id"] for body in bodies for e in (body if isinstance(body, list) else [body])]
    assert sorted(ids) == sorted(str(e.id) for e in events)
    assert published(app) == len(messages)
