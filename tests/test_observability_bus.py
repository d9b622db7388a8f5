"""What servicekit tells operators, on the real RabbitMQ: every event's outcome counted per
queue, every published event counted even inside a batch, request/reply latency, refusals and
timeouts, and one trace per event across a publish, a batch and a request/reply."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from faststream.rabbit import RabbitBroker
from opentelemetry.context import Context
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from prometheus_client import REGISTRY

from contracts import topology
from contracts.events import InteractionReceivedV1
from contracts.rpc import Caller
from servicekit import tracing
from servicekit.consuming import PermanentFailure
from servicekit.publishing import EventPublisher
from servicekit.rpc import NotFound, RpcClient, RpcTimeout, serve
from servicekit.rpc_server import RpcServer
from tests.bus import TRANSPORT_NAMES, email_received, start_consumer, transport_broker, wait_for

ROUTING_KEY = InteractionReceivedV1.routing_key


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def spec() -> topology.ConsumerQueue:
    """A queue of the test's own, so its counters start at zero."""
    return topology.ConsumerQueue(f"test.obs.{uuid.uuid4().hex[:8]}", (ROUTING_KEY,))


@pytest.fixture
def exporter() -> Iterator[InMemorySpanExporter]:
    """Tracing on, into memory, for brokers made after this fixture."""
    spans = InMemorySpanExporter()
    tracing.configure_tracing("test", exporter=spans)
    yield spans
    tracing.disable_tracing()


@pytest.fixture(params=TRANSPORT_NAMES)
async def traced_broker(
    exporter: InMemorySpanExporter, rabbitmq_url: str, request: pytest.FixtureRequest
) -> AsyncIterator[RabbitBroker]:
    async with transport_broker(rabbitmq_url, request.param) as broker:
        yield broker


async def test_every_event_outcome_is_counted_per_queue(broker: RabbitBroker) -> None:
    queue = spec()
    attempts: dict[str, int] = {}

    async def handler(event: InteractionReceivedV1) -> None:
        name = event.interaction.external_id
        attempts[name] = attempts.get(name, 0) + 1
        if name == "flaky" and attempts[name] == 1:
            raise ConnectionError("database briefly away")
        if name == "poison":
            raise PermanentFailure("can never work")

    await start_consumer(broker, queue, handler)
    publisher = EventPublisher(broker)
    for name in ("fine", "flaky", "poison"):
        await publisher.publish(email_received(name))

    def count(name: str) -> float:
        return sample(name, queue=queue.name)

    await wait_for(lambda: count("socialdesk_events_handled_total") == 2, seconds=15)
    assert count("socialdesk_events_retried_total") == 1
    assert count("socialdesk_events_dead_lettered_total") == 1
    # fine, flaky twice, poison: every run of the handler is timed, whatever its outcome.
    assert count("socialdesk_event_handler_seconds_count") == 4


async def test_each_event_of_a_batch_message_is_counted_as_published(
    broker: RabbitBroker,
) -> None:
    await broker.connect()
    events_before = sample("socialdesk_events_published_total", routing_key=ROUTING_KEY)
    amqp_labels = {
        "app_name": "socialdesk",
        "broker": "rabbitmq",
        "destination": f"{topology.EVENTS_EXCHANGE}.{ROUTING_KEY}",
        "status": "success",
    }
    messages_before = sample("faststream_published_messages_total", **amqp_labels)

    publisher = EventPublisher(broker)
    await asyncio.gather(*(publisher.publish(email_received(f"b{i}")) for i in range(20)))

    assert sample("socialdesk_events_published_total", routing_key=ROUTING_KEY) == (
        events_before + 20
    )
    # Fewer AMQP messages than events: the ones that waited travelled together.
    assert sample("faststream_published_messages_total", **amqp_labels) - messages_before < 20


async def test_each_event_of_a_batch_is_handled_in_the_trace_it_was_published_in(
    traced_broker: RabbitBroker, exporter: InMemorySpanExporter
) -> None:
    queue = spec()
    handled_in: dict[str, str] = {}

    async def handler(event: InteractionReceivedV1) -> None:
        handled_in[event.interaction.external_id] = tracing.current_trace_id()

    await start_consumer(traced_broker, queue, handler)
    publisher = EventPublisher(traced_broker)
    tracer = tracing.tracer()
    assert tracer is not None
    published_in: dict[str, str] = {}

    async def publish_in_a_trace_of_its_own(name: str) -> None:
        with tracer.start_as_current_span(f"posting {name}", context=Context()):
            published_in[name] = tracing.current_trace_id()
            await publisher.publish(email_received(name))

    await asyncio.gather(*(publish_in_a_trace_of_its_own(f"t{i}") for i in range(10)))
    await wait_for(lambda: len(handled_in) == 10, seconds=15)

    assert handled_in == published_in
    assert len(set(published_in.values())) == 10
    tracing.flush()
    handle_spans = [s for s in exporter.get_finished_spans() if s.name == f"{queue.name} handle"]
    assert {format(s.context.trace_id, "032x") for s in handle_spans} == set(published_in.values())


async def test_request_reply_is_timed_by_outcome_and_traced_across(
    traced_broker: RabbitBroker, rabbitmq_url: str
) -> None:
    queue = f"test.obs.rpc.{uuid.uuid4().hex[:8]}"
    served_in: list[str] = []

    async def echo(params: dict[str, Any], caller: Caller) -> dict[str, Any]:
        served_in.append(tracing.current_trace_id())
        return params

    async def missing(params: dict[str, Any], caller: Caller) -> None:
        raise NotFound("no such thing")

    async def slow(params: dict[str, Any], caller: Caller) -> None:
        await asyncio.sleep(2)

    serve(traced_broker, queue, {"echo": echo, "missing": missing, "slow": slow})
    await traced_broker.start()
    client = RpcClient(rabbitmq_url)
    await client.connect()
    caller = Caller(id="ana")
    tracer = tracing.tracer()
    assert tracer is not None
    try:
        with tracer.start_as_current_span("an HTTP request", context=Context()):
            asked_in = tracing.current_trace_id()
            reply = await client.call(queue, "echo", {"x": 1}, caller, 5)
        assert reply.decoded().result == {"x": 1}
        assert (await client.call(queue, "missing", {}, caller, 5)).failed
        with pytest.raises(RpcTimeout):
            await client.call(queue, "slow", {}, caller, 0.3)
    finally:
        await client.close()

    assert served_in == [asked_in]

    def client_calls(method: str, outcome: str) -> float:
        return sample(
            "socialdesk_rpc_client_seconds_count", queue=queue, method=method, outcome=outcome
        )

    assert client_calls("echo", "ok") == 1
    assert client_calls("missing", "error") == 1
    assert client_calls("slow", "timeout") == 1
    assert sample("socialdesk_rpc_timeouts_total", queue=queue, method="slow") == 1
    assert sample("socialdesk_rpc_server_seconds_count", method="missing", status="404") >= 1
    assert sample("socialdesk_rpc_server_seconds_count", method="echo", status="200") >= 1


async def test_the_aio_pika_server_answers_refuses_and_continues_the_callers_trace(
    exporter: InMemorySpanExporter, rabbitmq_url: str
) -> None:
    """The server the services run (servicekit.rpc_server): the same answers, refusals and
    trace as FastStream's subscriber above, and requests answered side by side."""
    queue = f"test.obs.rpc.{uuid.uuid4().hex[:8]}"
    served_in: list[str] = []
    inside = 0
    most_inside = 0
    all_inside = asyncio.Event()

    async def echo(params: dict[str, Any], caller: Caller) -> dict[str, Any]:
        served_in.append(tracing.current_trace_id())
        return params

    async def missing(params: dict[str, Any], caller: Caller) -> None:
        raise NotFound("no such thing")

    async def overlapping(params: dict[str, Any], caller: Caller) -> int:
        nonlocal inside, most_inside
        inside += 1
        most_inside = max(most_inside, inside)
        if most_inside == 3:
            all_inside.set()
        # Held until the others have come in too (or a deadline): overlap, not speed.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(all_inside.wait(), 5)
        inside -= 1
        return int(params["n"])

    server = RpcServer(
        rabbitmq_url, queue, {"echo": echo, "missing": missing, "overlap": overlapping}, 10
    )
    await server.start()
    client = RpcClient(rabbitmq_url)
    await client.connect()
    tracer = tracing.tracer()
    assert tracer is not None
    try:
        await server.check()
        with tracer.start_as_current_span("an HTTP request", context=Context()):
            asked_in = tracing.current_trace_id()
            reply = await client.call(queue, "echo", {"x": 1}, Caller(id="ana"), 5)
        assert reply.decoded().result == {"x": 1}
        refused = await client.call(queue, "missing", {}, Caller(id="ana"), 5)
        assert refused.failed
        assert refused.decoded().error is not None
        assert refused.decoded().error.status == 404
        replies = await asyncio.gather(
            *(client.call(queue, "overlap", {"n": n}, Caller(id="ana"), 10) for n in range(3))
        )
        assert [r.decoded().result for r in replies] == [0, 1, 2]
        assert most_inside == 3, "requests were answered one after the other"
    finally:
        await client.close()
        await server.stop()
    assert served_in == [asked_in]
    assert sample("socialdesk_rpc_server_seconds_count", method="missing", status="404") >= 1
