"""The raw RabbitMQ ceiling on this machine: one hop, no framework, no application work.

A publisher process and a consumer process (spawned, so each has its own interpreter and event
loop, as two services would) move ``messages`` persistent messages of ``size`` bytes through a
durable quorum queue. The publisher keeps ``window`` publishes in flight on a confirming
channel (each one awaited until RabbitMQ confirms it, i.e. has it on disk), which is how a
well-written aio-pika producer batches; the consumer acknowledges every message by hand with a
prefetch of ``prefetch``. The figure is messages / (last message consumed - first publish):
what any pipeline built on this broker, on these cores, cannot exceed for one hop.

Both processes stamp times with ``time.monotonic()``, which on Linux is one clock for the
whole machine, so the stamps of the two processes can be subtracted.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import queue
import time
from collections.abc import Coroutine, Sequence
from dataclasses import dataclass
from multiprocessing.process import BaseProcess
from multiprocessing.synchronize import Event as EventType
from typing import Any, TypeVar

import aio_pika
from aio_pika.abc import AbstractIncomingMessage

from bench._cpu import CpuMeter, rabbitmq_pid

T = TypeVar("T")


@dataclass(frozen=True)
class CeilingSpec:
    url: str
    queue: str = "bench.ceiling"
    messages: int = 50_000
    size: int = 500
    window: int = 500
    prefetch: int = 300
    uvloop: bool = True
    timeout: float = 300.0


@dataclass(frozen=True)
class CeilingResult:
    messages: int
    size_bytes: int
    window: int
    prefetch: int
    seconds: float
    msg_per_s: float
    publish_seconds: float
    publish_msg_per_s: float
    publisher_cpu_s: float
    consumer_cpu_s: float
    rabbitmq_cpu_s: float | None
    machine_busy_percent: float

    @property
    def cpu_ms_per_message(self) -> float:
        """Publisher + consumer + broker CPU per message (the broker's includes other vhosts)."""
        total = self.publisher_cpu_s + self.consumer_cpu_s + (self.rabbitmq_cpu_s or 0.0)
        return 1000 * total / self.messages


async def _publish(spec: CeilingSpec) -> dict[str, float]:
    body = (b"socialdesk-bench " * (spec.size // 17 + 1))[: spec.size]
    connection = await aio_pika.connect(spec.url)
    async with connection:
        channel = await connection.channel(publisher_confirms=True)
        exchange = channel.default_exchange

        async def publish() -> None:
            message = aio_pika.Message(body, delivery_mode=aio_pika.DeliveryMode.PERSISTENT)
            await exchange.publish(message, routing_key=spec.queue)

        cpu = time.process_time()
        first = time.monotonic()
        sent = 0
        while sent < spec.messages:
            count = min(spec.window, spec.messages - sent)
            await asyncio.gather(*(publish() for _ in range(count)))
            sent += count
        last = time.monotonic()
        cpu = time.process_time() - cpu
    return {"first_publish": first, "last_confirm": last, "cpu": cpu}


async def _consume(spec: CeilingSpec, ready: EventType) -> dict[str, float]:
    connection = await aio_pika.connect(spec.url)
    async with connection:
        channel = await connection.channel()
        await channel.set_qos(prefetch_count=spec.prefetch)
        amqp_queue = await channel.declare_queue(
            spec.queue, durable=True, arguments={"x-queue-type": "quorum"}
        )
        done: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        received = 0

        async def on_message(message: AbstractIncomingMessage) -> None:
            nonlocal received
            await message.ack()
            received += 1
            if received == spec.messages and not done.done():
                done.set_result(time.monotonic())

        tag = await amqp_queue.consume(on_message)
        cpu = time.process_time()
        ready.set()
        last = await asyncio.wait_for(done, spec.timeout)
        cpu = time.process_time() - cpu
        await amqp_queue.cancel(tag)
        await amqp_queue.delete(if_unused=False, if_empty=False)
    return {"last_consumed": last, "cpu": cpu}


def _run(spec: CeilingSpec, work: Coroutine[Any, Any, T]) -> T:
    """On uvloop, as uvicorn runs every service, unless told otherwise."""
    if spec.uvloop:
        import uvloop

        return uvloop.run(work)
    return asyncio.run(work)


def _publisher_main(spec: CeilingSpec, results: multiprocessing.Queue[Any]) -> None:
    results.put(("publisher", _run(spec, _publish(spec))))


def _consumer_main(
    spec: CeilingSpec, ready: EventType, results: multiprocessing.Queue[Any]
) -> None:
    results.put(("consumer", _run(spec, _consume(spec, ready))))


def measure_ceiling(spec: CeilingSpec) -> CeilingResult:
    """Start the consumer, wait until it consumes, start the publisher, collect both stamps."""
    context = multiprocessing.get_context("spawn")
    ready = context.Event()
    results: multiprocessing.Queue[Any] = context.Queue()
    processes = [
        context.Process(target=_consumer_main, args=(spec, ready, results), daemon=True),
        context.Process(target=_publisher_main, args=(spec, results), daemon=True),
    ]
    broker = rabbitmq_pid()
    processes[0].start()
    try:
        if not ready.wait(60):
            raise RuntimeError("the ceiling consumer did not start consuming within 60 s")
        meter = CpuMeter({"rabbitmq": broker} if broker else {})
        processes[1].start()
        stamps = _collect(results, processes, spec.timeout + 30)
        broker_cpu, busy = meter.read()
        for process in processes:
            process.join(30)
    finally:
        for process in processes:
            if process.is_alive():
                process.terminate()
    first = stamps["publisher"]["first_publish"]
    seconds = stamps["consumer"]["last_consumed"] - first
    publish_seconds = stamps["publisher"]["last_confirm"] - first
    return CeilingResult(
        messages=spec.messages,
        size_bytes=spec.size,
        window=spec.window,
        prefetch=spec.prefetch,
        seconds=seconds,
        msg_per_s=spec.messages / seconds,
        publish_seconds=publish_seconds,
        publish_msg_per_s=spec.messages / publish_seconds,
        publisher_cpu_s=round(stamps["publisher"]["cpu"], 2),
        consumer_cpu_s=round(stamps["consumer"]["cpu"], 2),
        rabbitmq_cpu_s=broker_cpu.get("rabbitmq"),
        machine_busy_percent=busy,
    )


def _collect(
    results: multiprocessing.Queue[Any], processes: Sequence[BaseProcess], timeout: float
) -> dict[str, dict[str, float]]:
    stamps: dict[str, dict[str, float]] = {}
    deadline = time.monotonic() + timeout
    while len(stamps) < len(processes):
        if time.monotonic() > deadline:
            raise TimeoutError(f"the ceiling run did not finish within {timeout:.0f} s")
        try:
            role, values = results.get(timeout=1.0)
        except queue.Empty:
            failed = [p.exitcode for p in processes if p.exitcode not in (None, 0)]
            if failed:
                raise RuntimeError(f"a ceiling process exited with {failed[0]}") from None
            continue
        stamps[role] = values
    return stamps
