"""Batch messages on the real RabbitMQ: a burst of events travels in few messages, every event
is handled once, and one bad event in a batch is dead-lettered alone with its cause."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from faststream.rabbit import RabbitBroker

from contracts import topology
from contracts.events import InteractionReceivedV1
from servicekit.consuming import ERROR_HEADER
from servicekit.publishing import BATCH_HEADER, EventPublisher
from servicekit.topology import EVENTS
from tests.bus import email_received, next_dead_letter, start_consumer, wait_for

SPEC = topology.ConsumerQueue("test.batches", (InteractionReceivedV1.routing_key,))
BURST = 300


async def test_a_burst_travels_in_batches_and_every_event_is_handled_once(
    broker: RabbitBroker,
) -> None:
    handled: list[str] = []

    async def record(received: InteractionReceivedV1) -> None:
        handled.append(received.interaction.external_id)

    await start_consumer(broker, SPEC, record)
    sent_messages: list[int] = []
    original_publish = broker.publish

    async def counting_publish(*args: Any, **kwargs: Any) -> Any:
        sent_messages.append(int((kwargs.get("headers") or {}).get(BATCH_HEADER, 1)))
        return await original_publish(*args, **kwargs)

    broker.publish = counting_publish  # type: ignore[method-assign]
    publisher = EventPublisher(broker)
    await asyncio.gather(*(publisher.publish(email_received(f"m{n}")) for n in range(BURST)))

    await wait_for(lambda: len(handled) >= BURST, seconds=30)
    assert sorted(handled) == sorted(f"m{n}" for n in range(BURST))
    assert sum(sent_messages) == BURST
    assert len(sent_messages) < BURST / 10  # the burst shared messages


async def test_one_bad_event_in_a_batch_is_dead_lettered_alone(
    broker: RabbitBroker, rabbitmq_url: str
) -> None:
    handled: list[str] = []

    async def record(received: InteractionReceivedV1) -> None:
        handled.append(received.interaction.external_id)

    await start_consumer(broker, SPEC, record)
    good = [json.loads(email_received(n).model_dump_json()) for n in ("m1", "m3")]
    broken = {"not": "an interaction"}
    await broker.publish(
        json.dumps([good[0], broken, good[1]]).encode(),
        exchange=EVENTS,
        routing_key=InteractionReceivedV1.routing_key,
        persist=True,
        headers={BATCH_HEADER: 3},
    )

    await wait_for(lambda: sorted(handled) == ["m1", "m3"], seconds=15)
    dead = await next_dead_letter(rabbitmq_url, SPEC)
    assert json.loads(dead.body) == broken
    assert "invalid InteractionReceivedV1" in str(dead.headers[ERROR_HEADER])
    assert BATCH_HEADER not in dead.headers
