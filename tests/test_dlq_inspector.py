"""The gateway's DLQ reader on the real RabbitMQ with more dead letters than the admin API
tests hold: reading keeps the order however often it runs, a replay takes out only the chosen
ones, and an operation cut off half-way loses nothing. (Handing dead letters back with requeues
moved some of 2,000-3,000 after a few listings, but not reliably enough for a test to show it:
the reader writes them back instead, which keeps the order by construction.)"""

from __future__ import annotations

import asyncio

import aio_pika
import pytest
from faststream.rabbit import RabbitBroker

from contracts import topology
from contracts.events import InteractionReceivedV1
from gateway.queues import QueueInspector
from servicekit.topology import declare_consumer_queue

COUNT = 400


async def filled(broker: RabbitBroker, url: str, name: str) -> topology.ConsumerQueue:
    spec = topology.ConsumerQueue(name, (InteractionReceivedV1.routing_key,))
    await broker.connect()
    await declare_consumer_queue(broker, spec)
    async with await aio_pika.connect(url) as connection:
        channel = await connection.channel(publisher_confirms=True)
        dead_letters = await channel.get_exchange(topology.DEAD_LETTER_EXCHANGE)
        await asyncio.gather(
            *(
                dead_letters.publish(
                    aio_pika.Message(b'{"id": "%d"}' % i, message_id=str(i)), routing_key=name
                )
                for i in range(COUNT)
            )
        )
    return spec


async def ids(inspector: QueueInspector, spec: topology.ConsumerQueue) -> list[str]:
    total, items = await inspector.dead_letters(spec, offset=0, limit=COUNT + 10)
    assert total == len(items)
    return [i.id for i in items]


async def test_reading_and_replaying_keep_the_order_of_what_stays(
    bare_broker: RabbitBroker, rabbitmq_url: str
) -> None:
    spec = await filled(bare_broker, rabbitmq_url, "test.dlq-order")
    inspector = QueueInspector(rabbitmq_url)
    expected = [str(i) for i in range(COUNT)]

    for _ in range(4):
        assert await ids(inspector, spec) == expected
    _, page = await inspector.dead_letters(spec, offset=100, limit=5)
    assert [(i.position, i.id) for i in page] == [(p, str(p)) for p in range(100, 105)]
    dry = await inspector.replay(spec, ids=["7", "300"], dry_run=True)
    assert (dry.selected, dry.replayed) == (["7", "300"], 0)
    assert await ids(inspector, spec) == expected

    done = await inspector.replay(spec, ids=["300", "7", "nope"], dry_run=False)

    assert (done.selected, done.replayed, done.not_found) == (["7", "300"], 2, ["nope"])
    assert await ids(inspector, spec) == [i for i in expected if i not in ("7", "300")]
    depth = (await inspector.depths([spec.name]))[spec.name]
    assert depth.messages == 2  # back on their own queue, which has no consumer here


async def test_an_operation_cut_off_half_way_loses_nothing(
    bare_broker: RabbitBroker, rabbitmq_url: str
) -> None:
    spec = await filled(bare_broker, rabbitmq_url, "test.dlq-cut-off")
    inspector = QueueInspector(rabbitmq_url)

    # Cut off while it holds some of the dead letters, as a gateway that dies would be.
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.05):
            await inspector.replay(spec, ids=["1"], dry_run=False)

    # Every dead letter is back in the DLQ once the cut-off connection is gone. A cut in the
    # middle of writing the held ones back leaves those already rewritten twice (the copy and
    # the original the broker returns), as docs/operations.md "Queues and dead letters" says:
    # a dead letter twice, never one lost. (On a fast run the cut lands in that write-back.)
    async with asyncio.timeout(15):
        while (await inspector.depths([spec.dlq]))[spec.dlq].messages < COUNT:  # noqa: ASYNC110
            await asyncio.sleep(0.05)
    total, items = await inspector.dead_letters(spec, offset=0, limit=2 * COUNT)
    assert total == len(items)
    assert sorted({i.id for i in items}, key=int) == [str(i) for i in range(COUNT)]
