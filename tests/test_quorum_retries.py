"""The retry path with RABBITMQ_RETRY_QUEUE_TYPE=quorum (a RabbitMQ cluster): every queue a
consumer's messages pass through is a quorum queue, a failed message still comes back after its
back-off, and one that keeps failing still ends in the DLQ. A vhost of its own, because the other
tests' services declare the shared retry queues as classic, and RabbitMQ refuses to redeclare a
queue with another type."""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import AsyncIterator, Iterator
from itertools import pairwise
from urllib.parse import unquote, urlsplit

import pytest
from faststream.rabbit import RabbitBroker

from contracts import topology
from contracts.events import InteractionReceivedV1
from devtools.vhost import isolated_vhost
from servicekit.consuming import ERROR_HEADER
from servicekit.publishing import EventPublisher
from tests.bus import (
    TRANSPORT_NAMES,
    email_received,
    next_dead_letter,
    start_consumer,
    transport_broker,
    wait_for,
)

SPEC = topology.ConsumerQueue("test.quorum-retries", (InteractionReceivedV1.routing_key,))


@pytest.fixture(scope="module")
def quorum_url(rabbitmq_url: str) -> Iterator[str]:
    with isolated_vhost("socialdesk-quorum") as url:
        yield url


@pytest.fixture(params=TRANSPORT_NAMES)
async def quorum_broker(
    quorum_url: str, request: pytest.FixtureRequest
) -> AsyncIterator[RabbitBroker]:
    async with transport_broker(quorum_url, request.param) as broker:
        yield broker


def queue_types(url: str) -> dict[str, str]:
    vhost = unquote(urlsplit(url).path.lstrip("/"))
    listing = subprocess.run(
        ["rabbitmqctl", "-q", "list_queues", "-p", vhost, "--no-table-headers", "name", "type"],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    return dict(line.split("\t") for line in listing.splitlines() if "\t" in line)


async def test_a_failing_message_passes_every_quorum_retry_queue_then_reaches_the_dlq(
    quorum_broker: RabbitBroker, quorum_url: str
) -> None:
    calls: list[float] = []

    async def broken(event: InteractionReceivedV1) -> None:
        calls.append(asyncio.get_running_loop().time())
        raise ValueError("this handler never works")

    await start_consumer(quorum_broker, SPEC, broken, retry_queue_type="quorum")
    event = email_received("q1")
    await EventPublisher(quorum_broker).publish(event)

    # The first try and one per back-off (1 s, 5 s, 30 s), each after its delay.
    delays = topology.RETRY_DELAYS_SECONDS
    await wait_for(lambda: len(calls) == 1 + len(delays), seconds=sum(delays) + 30)
    waited = [later - earlier for earlier, later in pairwise(calls)]
    assert all(gap >= delay * 0.9 for gap, delay in zip(waited, delays, strict=True)), waited
    dead = await next_dead_letter(quorum_url, SPEC)
    assert "ValueError: this handler never works" in str(dead.headers[ERROR_HEADER])
    assert dead.body == event.model_dump_json().encode()

    types = await asyncio.to_thread(queue_types, quorum_url)
    expected = [SPEC.name, SPEC.dlq, *map(topology.retry_queue, delays)]
    assert {name: types.get(name) for name in expected} == dict.fromkeys(expected, "quorum")
