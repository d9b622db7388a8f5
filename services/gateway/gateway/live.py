"""Live notices for connected agents (F32): the gateway consumes the ticket events through
a queue of its own (exclusive, auto-deleted: each gateway process sees every event, and the
queue goes away with the process) and fans them out to its Server-Sent Events clients.

The queue is bound to the ticket events only while at least one client is connected, so a
gateway nobody watches costs the pipeline nothing. Live notices are a courtesy on top of
the durable record, so they are not acknowledged or replayed: a client that reconnects
reads the current state through the API. Each client has a bounded buffer; a client too
slow to keep up is disconnected rather than letting the gateway's memory grow."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import aio_pika

from contracts import topology
from contracts.events import TicketChangedV1, TicketOpenedV1
from servicekit.publishing import BATCH_HEADER

log = logging.getLogger(__name__)

ROUTING_KEYS = (TicketOpenedV1.routing_key, TicketChangedV1.routing_key)
NAMES = {TicketOpenedV1.routing_key: "ticket.opened", TicketChangedV1.routing_key: "ticket.changed"}
CLIENT_BUFFER = 256
HEARTBEAT_SECONDS = 15.0

Visible = Callable[[dict[str, Any]], bool]
"""Whether a client may see a ticket (its snapshot)."""


@dataclass(eq=False)
class Client:
    visible: Visible
    queue: asyncio.Queue[str] = field(default_factory=lambda: asyncio.Queue(CLIENT_BUFFER))
    dropped: asyncio.Event = field(default_factory=asyncio.Event)


def sse(name: str, event_id: str, data: dict[str, Any]) -> str:
    return f"event: {name}\nid: {event_id}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n"


class LiveEvents:
    def __init__(self, url: str) -> None:
        self._url = url
        self._connection: aio_pika.abc.AbstractRobustConnection | None = None
        self._exchange: aio_pika.abc.AbstractExchange | None = None
        self._queue: aio_pika.abc.AbstractQueue | None = None
        self._clients: set[Client] = set()
        self._bound = False
        self._binding = asyncio.Lock()
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def clients(self) -> int:
        return len(self._clients)

    @property
    def following(self) -> bool:
        """Whether the queue is bound to the ticket events now."""
        return self._bound

    async def settled(self) -> None:
        """Wait for bindings that are being changed."""
        while self._tasks:
            await asyncio.gather(*self._tasks)

    async def connect(self) -> None:
        self._connection = await aio_pika.connect_robust(self._url)
        channel = await self._connection.channel()
        await channel.set_qos(prefetch_count=500)
        self._exchange = await channel.declare_exchange(
            topology.EVENTS_EXCHANGE, aio_pika.ExchangeType.TOPIC, durable=True
        )
        self._queue = await channel.declare_queue(exclusive=True, auto_delete=True)
        await self._queue.consume(self._on_message, no_ack=True)

    async def _follow(self) -> None:
        """Bind when the first client arrives, unbind when the last one leaves."""
        async with self._binding:
            wanted = bool(self._clients)
            if wanted == self._bound or self._queue is None or self._exchange is None:
                return
            for routing_key in ROUTING_KEYS:
                if wanted:
                    await self._queue.bind(self._exchange, routing_key=routing_key)
                else:
                    await self._queue.unbind(self._exchange, routing_key=routing_key)
            self._bound = wanted

    async def close(self) -> None:
        for client in list(self._clients):
            client.dropped.set()
        if self._connection is not None:
            await self._connection.close()

    async def _on_message(self, message: aio_pika.abc.AbstractIncomingMessage) -> None:
        if not self._clients:
            return
        name = NAMES.get(message.routing_key or "")
        if name is None:
            return
        try:
            body = json.loads(message.body)
        except ValueError:
            log.warning("ignoring an unreadable %s message", message.routing_key)
            return
        batch = BATCH_HEADER in (message.headers or {}) and isinstance(body, list)
        for event in body if batch else [body]:
            if isinstance(event, dict) and isinstance(event.get("ticket"), dict):
                self._fan_out(name, event)

    def _fan_out(self, name: str, event: dict[str, Any]) -> None:
        text = sse(name, str(event.get("id", "")), event)
        for client in list(self._clients):
            if not client.visible(event["ticket"]):
                continue
            try:
                client.queue.put_nowait(text)
            except asyncio.QueueFull:
                log.warning("dropping a live-events client that fell %d behind", CLIENT_BUFFER)
                self._clients.discard(client)
                client.dropped.set()

    async def stream(self, visible: Visible) -> AsyncIterator[str]:
        """The client's notices as SSE text, starting with a comment once it is subscribed."""
        client = Client(visible)
        self._clients.add(client)
        try:
            await self._follow()
            yield ": subscribed\n\n"
            while not client.dropped.is_set():
                try:
                    yield await asyncio.wait_for(client.queue.get(), HEARTBEAT_SECONDS)
                except TimeoutError:
                    yield ": heartbeat\n\n"
        finally:
            self._clients.discard(client)
            # A task of its own: a disconnected client's stream is being cancelled, and
            # anyio cancels every await left in it.
            unbinding = asyncio.get_running_loop().create_task(self._follow())
            self._tasks.add(unbinding)
            unbinding.add_done_callback(self._tasks.discard)
