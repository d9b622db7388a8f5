"""The gateway's CPU per ticket list and ticket detail, in one process, without the network.

The whole ASGI stack as uvicorn calls it (its proxy-headers middleware, FastAPI's and the
gateway's middleware, the route, authentication with an agent's token) and the real
``RpcClient.call`` (correlation, the future, the published frames, the metrics), whose channel
is a stand-in that answers every published request on the next turn of the event loop with a
ticketing answer of the usual size. So the figures are the gateway's own work per read, the
socket's and the broker's left out: CPU time (``time.process_time``), which a shared machine
disturbs far less than wall-clock rates. ``--profile FILE`` writes a cProfile of the measured
rounds (``python -m pstats FILE``).

    uv run --frozen python bench/read_stack.py [--requests 4000] [--concurrency 50]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import os
import statistics
import time
from types import SimpleNamespace
from typing import Any

import uvloop
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

os.environ.setdefault("SOCIALDESK_ADMIN_TOKEN", "bench-admin-token-0123456789abcdef")
os.environ.setdefault("SOCIALDESK_JWT_SECRET", "bench-jwt-secret-0123456789abcdef0123")

from datetime import timedelta

from gateway import tokens
from gateway.app import create_app
from servicekit import heap
from servicekit.rpc import RpcClient

ROW = b'{"id":"%d","subject":"' + b"x" * 600 + b'"}'
LIST_BODY = b'{"items":[' + b",".join(ROW % i for i in range(50)) + b'],"next_cursor":null}'
DETAIL_BODY = b'{"id":"1","protocol":"2026-000001","subject":"' + b"x" * 2500 + b'"}'


class StandInChannel:
    """What ``servicekit.frames`` and ``RpcClient`` use of an aiormq channel: each write
    answers the calls waiting, on the next turn of the loop, as the reply consumer would."""

    number = 1
    max_content_size = 131_072
    is_closed = False

    def __init__(self, client: RpcClient, body: list[bytes]) -> None:
        self.client = client
        self.body = body
        self.write_queue = self
        self.answering: set[asyncio.Future[None]] = set()

    def put_nowait(self, frame: Any) -> None:
        del frame
        asyncio.get_running_loop().call_soon(self._answer)

    def _answer(self) -> None:
        for correlation_id, future in list(self.client._pending.items()):
            if not future.done():
                message = SimpleNamespace(
                    header=SimpleNamespace(
                        properties=SimpleNamespace(correlation_id=correlation_id, headers=None)
                    ),
                    body=self.body[0],
                )
                task = asyncio.ensure_future(self.client._on_reply(message))
                self.answering.add(task)
                task.add_done_callback(self.answering.discard)

    async def get_underlay_channel(self) -> StandInChannel:
        return self


def stand_in_client(body: list[bytes]) -> RpcClient:
    client = RpcClient("amqp://unused")
    channel = StandInChannel(client, body)
    client._channel = channel  # type: ignore[assignment]
    client._connection = SimpleNamespace(is_closed=False)  # type: ignore[assignment]
    client._ready = True
    return client


async def one(app: Any, path: str, query: bytes, token: bytes) -> int:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "server": ("127.0.0.1", 8000),
        "client": ("127.0.0.1", 50000),
        "scheme": "http",
        "method": "GET",
        "root_path": "",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query,
        "headers": [
            (b"host", b"127.0.0.1:8000"),
            (b"user-agent", b"bench"),
            (b"accept", b"*/*"),
            (b"authorization", b"Bearer " + token),
        ],
        "state": {},
    }
    status = 0

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(scope, receive, send)
    return status


async def rounds(
    app: Any, body: list[bytes], n: int, concurrency: int, token: bytes, profile: Any
) -> dict[str, list[float]]:
    reads = {
        "list": ("/v1/tickets", b"page_size=50", LIST_BODY),
        "detail": ("/v1/tickets/2026-000001", b"", DETAIL_BODY),
    }
    results: dict[str, list[float]] = {name: [] for name in reads}
    for round_ in range(4):  # the first of each is a warm-up, not counted
        for name, (path, query, answer) in reads.items():
            body[0] = answer
            gc.collect()
            queue = iter(range(n))

            async def worker(path: str = path, query: bytes = query, queue: Any = queue) -> None:
                for _ in queue:
                    if await one(app, path, query, token) != 200:
                        raise SystemExit(f"{path}: not 200")

            if round_ and profile:
                profile.enable()
            started = time.process_time()
            await asyncio.gather(*(worker() for _ in range(concurrency)))
            spent = time.process_time() - started
            if round_ and profile:
                profile.disable()
            if round_:
                results[name].append(spent / n * 1e6)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument(
        "--admin",
        action="store_true",
        help="the admin token, as bench/pipeline.py's reads send (default: an agent's token)",
    )
    parser.add_argument("--profile", help="write a cProfile of the measured rounds here")
    args = parser.parse_args()

    body = [LIST_BODY]
    app = create_app()
    client = stand_in_client(body)
    app.state.services._client = client
    settings = app.state.settings
    token, _ = tokens.issue("agent-1", secret=settings.jwt_secret, ttl=timedelta(hours=1))
    if args.admin:
        token = settings.admin_token
    asgi = ProxyHeadersMiddleware(app, trusted_hosts="127.0.0.1")
    heap.settle()  # as the gateway's lifespan does once started
    profile = cProfile.Profile() if args.profile else None
    results = uvloop.run(
        rounds(asgi, body, args.requests, args.concurrency, token.encode(), profile)
    )
    for name, figures in results.items():
        shown = " / ".join(f"{f:.0f}" for f in figures)
        print(f"{name:7s} CPU per request, µs: median {statistics.median(figures):.0f} ({shown})")
    if profile is not None:
        profile.dump_stats(args.profile)


if __name__ == "__main__":
    main()
