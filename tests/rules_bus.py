"""A tap on the events exchange for the rules tests: copies of the events published under
some routing keys, read from a private queue on a thread of its own so the synchronous tests
can wait on them with deadlines."""

from __future__ import annotations

import asyncio
import json
import threading
from typing import Any

import aio_pika
from aio_pika.abc import AbstractIncomingMessage

from contracts.topology import EVENTS_EXCHANGE
from servicekit.publishing import BATCH_HEADER


class EventTap:
    def __init__(self, url: str, *routing_keys: str) -> None:
        self._url = url
        self._routing_keys = routing_keys
        self._events: list[tuple[str, dict[str, Any]]] = []
        self._lock = threading.Lock()
        self._bound = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=lambda: asyncio.run(self._run()), daemon=True)
        self._failure: BaseException | None = None

    def __enter__(self) -> EventTap:
        self._thread.start()
        if not self._bound.wait(10) or self._failure is not None:
            raise RuntimeError(f"the event tap could not bind: {self._failure!r}")
        return self

    def __exit__(self, *exc: object) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(10)

    def events(self, routing_key: str) -> list[dict[str, Any]]:
        with self._lock:
            return [body for key, body in self._events if key == routing_key]

    async def _run(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        try:
            connection = await aio_pika.connect(self._url)
        except BaseException as exc:
            self._failure = exc
            self._bound.set()
            return
        async with connection:
            channel = await connection.channel()
            exchange = await channel.get_exchange(EVENTS_EXCHANGE)
            queue = await channel.declare_queue(exclusive=True, auto_delete=True)
            for routing_key in self._routing_keys:
                await queue.bind(exchange, routing_key)
            await queue.consume(self._on_message, no_ack=True)
            self._bound.set()
            await self._stop.wait()

    async def _on_message(self, message: AbstractIncomingMessage) -> None:
        # A plain message holds one event; a batch message (servicekit.publishing) several.
        parsed = json.loads(message.body)
        bodies = parsed if BATCH_HEADER in (message.headers or {}) else [parsed]
        with self._lock:
            self._events += [(message.routing_key or "", body) for body in bodies]
