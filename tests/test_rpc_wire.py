"""Request/reply as it travels on the broker (``servicekit.frames``): the client and the
aio-pika server write their messages straight to the AMQP channel, so a message larger than
one AMQP frame must still arrive whole, and each request must still be acknowledged once its
reply is sent, or the server would stop at its prefetch."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from contracts.rpc import Caller
from servicekit.rpc import RpcClient
from servicekit.rpc_server import RpcServer

CALLER = Caller(id="wire-test", role="admin")
PREFETCH = 4


async def echo(params: dict[str, Any], caller: Caller) -> dict[str, Any]:
    return params


@pytest.fixture
async def queue(rabbitmq_url: str) -> AsyncIterator[str]:
    name = f"test.rpc-wire.{uuid.uuid4().hex[:8]}"
    server = RpcServer(rabbitmq_url, name, {"echo": echo}, prefetch=PREFETCH)
    await server.start()
    yield name
    await server.stop()


@pytest.fixture
async def client(rabbitmq_url: str) -> AsyncIterator[RpcClient]:
    client = RpcClient(rabbitmq_url)
    await client.connect()
    yield client
    await client.close()


async def test_a_request_and_a_reply_larger_than_a_frame_arrive_whole(
    queue: str, client: RpcClient
) -> None:
    text = "ticket page " * 60_000  # 720 kB: several of the broker's 128 kB frames each way
    reply = await client.call(queue, "echo", {"text": text}, CALLER, 10.0)
    assert not reply.failed
    assert reply.decoded().result == {"text": text}


async def test_many_more_requests_than_the_prefetch_are_all_answered(
    queue: str, client: RpcClient
) -> None:
    calls = [client.call(queue, "echo", {"n": n}, CALLER, 10.0) for n in range(PREFETCH * 25)]
    replies = await asyncio.gather(*calls)
    assert [r.decoded().result for r in replies] == [{"n": n} for n in range(PREFETCH * 25)]
    # One after the other too: a request left unacknowledged would hold a prefetch slot.
    for n in range(PREFETCH * 3):
        assert (await client.call(queue, "echo", {"n": n}, CALLER, 10.0)).decoded().result == {
            "n": n
        }
