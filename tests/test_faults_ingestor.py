"""What the ingestor answers across a broker outage, on a RabbitMQ node of the test's own
(devtools.rabbit_node): a batch it could not get confirmed is kept and said to be so (503), a
retry of it while the broker is still down is answered as pending (not as duplicates of
something delivered), and once the broker is back the relay publishes every one of them
exactly once and a retry is answered as duplicates."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Iterator
from pathlib import Path

import aio_pika
import httpx
import pytest

from contracts import topology
from devtools.launcher import Stack
from devtools.rabbit_node import RabbitNode
from servicekit.publishing import BATCH_HEADER
from servicekit.service import new_broker
from servicekit.topology import declare_consumer_queue, declare_events_exchange
from tests.conftest import TEST_PORT_OFFSET
from tests.support import INGEST_KEY, interaction, unique, wait_until

BATCH = 5


async def _declare_rules_queue(url: str) -> None:
    """The queue rules consumes from, so published interactions are kept to be counted (no
    rules service runs here)."""
    broker = new_broker(url, prefetch=1)
    await broker.connect()
    await declare_events_exchange(broker)
    await declare_consumer_queue(broker, topology.RULES_INTERACTIONS)
    await broker.stop()


async def _take_events(url: str, queue: str) -> int:
    """Take every message waiting in ``queue`` and count the events in them (a publisher
    under load sends several in one message, servicekit.publishing)."""
    events = 0
    connection = await aio_pika.connect(url)
    async with connection:
        channel = await connection.channel()
        declared = await channel.declare_queue(queue, passive=True)
        while (message := await declared.get(fail=False)) is not None:
            batch = BATCH_HEADER in (message.headers or {})
            events += len(json.loads(message.body)) if batch else 1
            await message.ack()
    return events


@pytest.fixture(scope="module")
def node() -> Iterator[RabbitNode]:
    with RabbitNode() as node:
        asyncio.run(_declare_rules_queue(node.url))
        yield node


@pytest.fixture(scope="module")
def ingestor_only(node: RabbitNode, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    data_dir = tmp_path_factory.mktemp("faults-ingestor")
    stack = Stack(
        data_dir=data_dir,
        env={"RABBITMQ_URL": node.url, "SOCIALDESK_INGEST_KEY": INGEST_KEY},
        port_offset=TEST_PORT_OFFSET + 400,
        log_dir=Path(os.environ.get("SOCIALDESK_TEST_LOGS", data_dir / "logs")) / "faults",
        with_mail_sink=False,
    )
    stack.start_replica("ingestor")
    try:
        stack.wait_healthy(timeout=60)
        yield stack
    finally:
        stack.stop()


def test_a_batch_retried_during_an_outage_is_pending_until_the_broker_confirms_it(
    node: RabbitNode, ingestor_only: Stack
) -> None:
    thread = unique("outage")
    batch = [interaction(thread=thread, text=f"mensagem {i}", minutes=i) for i in range(BATCH)]
    with httpx.Client(
        base_url=ingestor_only.url("ingestor"), timeout=30, headers={"X-Api-Key": INGEST_KEY}
    ) as ingestor:
        node.stop()
        first = ingestor.post("/v1/interactions", json=batch)
        assert first.status_code == 503, first.text
        assert "accepted but not yet confirmed" in first.json()["detail"]

        retry = ingestor.post("/v1/interactions", json=batch)
        assert retry.status_code == 202, retry.text
        assert retry.json() == {"accepted": 0, "duplicates": 0, "pending": BATCH}

        node.start()
        published: list[int] = []

        def all_published() -> bool:
            published.append(asyncio.run(_take_events(node.url, "rules.interactions")))
            return sum(published) >= BATCH

        wait_until(all_published, timeout=20, what="the relay to publish the kept batch")
        after = ingestor.post("/v1/interactions", json=batch)
        assert after.json() == {"accepted": 0, "duplicates": BATCH, "pending": 0}
        published.append(asyncio.run(_take_events(node.url, "rules.interactions")))
        assert sum(published) == BATCH, "published more than once"
