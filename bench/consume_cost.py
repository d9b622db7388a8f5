"""CPU of servicekit's consume -> handle -> publish path for one event per message, the shape
of the open loop (rules' and ticketing's consumers on a normal day).

A consumer process (``servicekit.service.new_broker`` and ``servicekit.consuming.consume``,
its handler publishing one event through ``EventPublisher`` as rules does) takes
InteractionReceivedV1 messages that a driver publishes one at a time at a constant rate, and
reports its own CPU (``time.process_time``) per message: what the consumer, our middlewares
and the publisher cost around a handler that does nothing else. The consumer is
``servicekit.event_consumer`` (what the services run); ``--faststream`` puts it on
FastStream's subscriber instead. ``--profile FILE`` writes a cProfile of the consumer.

    uv run --frozen python bench/consume_cost.py --n 3000 --rate 300 [--faststream]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import multiprocessing
import sys
import time
import uuid
from pathlib import Path

import uvloop

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from devtools.vhost import isolated_vhost  # noqa: E402
from ingestor.app import EXAMPLE as INTERACTION  # noqa: E402


async def consume(
    url: str, n: int, ready: multiprocessing.Event, out: Path | None, faststream: bool
) -> None:
    from contracts import topology
    from contracts.events import InteractionReceivedV1, InteractionTriagedV1
    from contracts.rules import TriageDecision
    from servicekit import consuming
    from servicekit.event_consumer import EventConsumer
    from servicekit.publishing import EventPublisher
    from servicekit.service import new_broker
    from servicekit.topology import declare_consumer_queue, declare_events_exchange

    broker = new_broker(url, 50, "bench")
    publisher = EventPublisher(broker)
    done = asyncio.Event()
    count = 0
    started = 0.0
    profile = cProfile.Profile() if out else None
    decision = TriageDecision()

    async def handler(event: InteractionReceivedV1) -> None:
        nonlocal count, started
        await publisher.publish(
            InteractionTriagedV1(**event.caused(), interaction=event.interaction, decision=decision)
        )
        count += 1
        if count == 1:
            started = time.process_time()
            if profile:
                profile.enable()
        if count == n:
            done.set()

    events = None if faststream else EventConsumer(url, 50, "bench")
    consuming.consume(
        events or broker,
        topology.RULES_INTERACTIONS,
        InteractionReceivedV1,
        handler,
        publisher=publisher,
    )
    await broker.connect()
    await declare_events_exchange(broker)
    await declare_consumer_queue(broker, topology.RULES_INTERACTIONS)
    await broker.start()
    await publisher.start("bench")  # as the services do once connected: straight on the channel
    if events:
        await events.start()
    ready.set()
    await done.wait()
    spent = time.process_time() - started
    if profile:
        profile.disable()
        profile.dump_stats(str(out))
    if events:
        await events.stop()
    await broker.stop()
    on = "FastStream's subscriber" if faststream else "servicekit.event_consumer"
    print(
        f"consumer CPU per message ({on}): {1e6 * spent / (n - 1):.0f} us over {n - 1:,}",
        flush=True,
    )


def run_consumer(
    url: str, n: int, ready: multiprocessing.Event, out: Path | None, faststream: bool
) -> None:
    # On uvloop, as the services run under uvicorn.
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(consume(url, n, ready, out, faststream))


async def drive(url: str, n: int, rate: float) -> None:
    import aio_pika

    from contracts import topology
    from contracts.events import InteractionReceivedV1

    connection = await aio_pika.connect_robust(url)
    channel = await connection.channel(publisher_confirms=True)
    events = await channel.get_exchange(topology.EVENTS_EXCHANGE)
    began = time.monotonic()
    sends = []
    for i in range(n):
        body = {**INTERACTION, "external_id": f"x{i}-{uuid.uuid4().hex[:6]}"}
        event = InteractionReceivedV1.model_validate({"v": 1, "interaction": body})
        message = aio_pika.Message(
            event.model_dump_json().encode(),
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            message_id=str(event.id),
            content_type="application/json",
        )
        sends.append(
            asyncio.ensure_future(
                events.publish(message, routing_key=InteractionReceivedV1.routing_key)
            )
        )
        await asyncio.sleep(max(0.0, began + (i + 1) / rate - time.monotonic()))
    await asyncio.gather(*sends)
    await connection.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=3000)
    parser.add_argument("--rate", type=float, default=300.0)
    parser.add_argument("--profile", type=Path, default=None)
    parser.add_argument("--faststream", action="store_true", help="FastStream's subscriber")
    args = parser.parse_args()
    with isolated_vhost("socialdesk-consume-cost") as url:
        ready = multiprocessing.Event()
        consumer = multiprocessing.Process(
            target=run_consumer, args=(url, args.n, ready, args.profile, args.faststream)
        )
        consumer.start()
        ready.wait(60)
        asyncio.run(drive(url, args.n, args.rate))
        consumer.join(120)
    print(json.dumps({"n": args.n, "rate": args.rate}))


if __name__ == "__main__":
    main()
