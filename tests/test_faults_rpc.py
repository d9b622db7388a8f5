"""Request/reply across a broker crash, on a RabbitMQ node of the test's own
(devtools.rabbit_node; the shared node is never touched): calls in flight fail at once with
``RpcUnavailable`` (the gateway's 503), calls during the outage too, and calls work again soon
after the node is back, on the reconnected channel. Both servers are crashed: the aio-pika
one the services run (servicekit.rpc_server) and FastStream's subscriber."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from faststream.rabbit import RabbitBroker

from contracts.rpc import Caller
from devtools.rabbit_node import RabbitNode
from servicekit.rpc import RpcClient, RpcUnavailable, serve
from servicekit.rpc_server import RpcServer
from servicekit.service import new_broker

QUEUE = "faults.rpc"
CALLER = Caller(id="fault-test", role="admin")


@pytest.fixture(scope="module")
def node() -> Iterator[RabbitNode]:
    with RabbitNode() as node:
        yield node


class Server:
    def __init__(self) -> None:
        self.held = asyncio.Event()

    async def echo(self, params: dict[str, Any], caller: Caller) -> dict[str, Any]:
        return params

    async def hold(self, params: dict[str, Any], caller: Caller) -> None:
        """Never answers: a call whose reply the outage will lose."""
        self.held.set()
        await asyncio.Event().wait()


@pytest.fixture(params=["aio-pika", "faststream"])
async def server(node: RabbitNode, request: pytest.FixtureRequest) -> AsyncIterator[Server]:
    server = Server()
    methods = {"echo": server.echo, "hold": server.hold}
    if request.param == "aio-pika":
        answering = RpcServer(node.url, QUEUE, methods, prefetch=10)
        await answering.start()
        yield server
        await answering.stop()
        return
    broker: RabbitBroker = new_broker(node.url, prefetch=10)
    serve(broker, QUEUE, methods)
    await broker.start()
    yield server
    await broker.stop()


async def eventually_answers(client: RpcClient, within: float) -> float:
    """Seconds until an echo call succeeds, retrying the 503s."""
    started = time.monotonic()
    while True:
        try:
            reply = await client.call(QUEUE, "echo", {"n": 1}, CALLER, 2.0)
            assert reply.decoded().result == {"n": 1}
            return time.monotonic() - started
        except (RpcUnavailable, TimeoutError):
            if time.monotonic() - started > within:
                raise
            await asyncio.sleep(0.1)


async def test_calls_fail_fast_during_a_broker_crash_and_work_again_after_it(
    node: RabbitNode, server: Server
) -> None:
    client = RpcClient(node.url)
    await client.connect()
    try:
        assert (await client.call(QUEUE, "echo", {"n": 1}, CALLER, 5.0)).decoded().result == {
            "n": 1
        }
        in_flight = asyncio.create_task(client.call(QUEUE, "hold", {}, CALLER, 30.0))
        await asyncio.wait_for(server.held.wait(), 10)

        started = time.monotonic()
        await asyncio.to_thread(node.kill)
        with pytest.raises(RpcUnavailable):
            await asyncio.wait_for(in_flight, 10)
        assert time.monotonic() - started < 10, "an in-flight call waited for its timeout"
        assert not client.ready
        with pytest.raises(RpcUnavailable):
            await client.call(QUEUE, "echo", {"n": 1}, CALLER, 5.0)

        await asyncio.to_thread(node.start)
        seconds = await eventually_answers(client, within=10)
        assert client.ready
        # Not one lucky call: the reply consumer stays in place for the ones after it.
        replies = await asyncio.gather(
            *(client.call(QUEUE, "echo", {"n": i}, CALLER, 5.0) for i in range(20))
        )
        assert [r.decoded().result for r in replies] == [{"n": i} for i in range(20)]
        print(f"request/reply answered {seconds:.1f}s after the node accepted connections")
    finally:
        await client.close()
