"""servicekit's reliable consumption on the real RabbitMQ: a failing handler gets its message
back after the back-off, and one that keeps failing ends in the DLQ with the cause."""

from __future__ import annotations

import asyncio

from faststream.rabbit import RabbitBroker

from contracts import topology
from contracts.events import InteractionReceivedV1
from servicekit.consuming import ATTEMPT_HEADER, ERROR_HEADER
from servicekit.publishing import EventPublisher
from tests.bus import email_received, next_dead_letter, start_consumer, wait_for

SPEC = topology.ConsumerQueue("test.retries", (InteractionReceivedV1.routing_key,))
EVENT = email_received("m1")


async def test_a_failed_message_comes_back_after_the_back_off_and_succeeds(
    broker: RabbitBroker,
) -> None:
    calls: list[float] = []

    async def flaky(event: InteractionReceivedV1) -> None:
        calls.append(asyncio.get_running_loop().time())
        if len(calls) == 1:
            raise ConnectionError("database briefly unavailable")

    await start_consumer(broker, SPEC, flaky)
    await EventPublisher(broker).publish(EVENT)

    await wait_for(lambda: len(calls) == 2, seconds=15)
    assert calls[1] - calls[0] >= topology.RETRY_DELAYS_SECONDS[0] * 0.9


async def test_a_message_failing_after_its_last_retry_is_dead_lettered_with_the_cause(
    broker: RabbitBroker, rabbitmq_url: str
) -> None:
    async def broken(event: InteractionReceivedV1) -> None:
        raise ValueError("this handler never works")

    await start_consumer(broker, SPEC, broken)
    # As if it had already been retried as often as the policy allows.
    await broker.publish(
        EVENT.model_dump_json().encode(),
        exchange=topology.EVENTS_EXCHANGE,
        routing_key=EVENT.routing_key,
        persist=True,
        headers={ATTEMPT_HEADER: len(topology.RETRY_DELAYS_SECONDS)},
    )

    dead = await next_dead_letter(rabbitmq_url, SPEC)
    assert "ValueError: this handler never works" in str(dead.headers[ERROR_HEADER])
    assert dead.body == EVENT.model_dump_json().encode()
