"""Live notices for connected agents (F32): the gateway consumes the ticket events through
a queue of its own (exclusive, auto-deleted: each gateway process sees every event, and the
queue goes away with the process) and fans them out to its Server-Sent Events clients.

The queue is bound to the ticket events only while at least one client is connected, so a
gateway nobody watches costs the pipeline nothing. Live notices are a courtesy on top of
the durable record, so they are not acknowledged or replayed: a client that reconnects
reads the current state through the API. Each client has a bounded buffer; a client too
slow to keep up is disconnected rather than letting the gateway's memory grow.

An agent's streams end at once when ticketing announces that the agent was deactivated,
removed or lost a level (``agent.changed.v1``, bound like the ticket events); as the
announcement is not kept in an outbox, each heartbeat also asks whether the agent may still
listen, so a lost announcement costs at most one heartbeat."""

from __future__ import annotations

import asyncio
import json
import logging
import signal
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import aio_pika

from contracts import topology
from contracts.directory_events import AgentChangedV1
from contracts.events import TicketChangedV1, TicketOpenedV1
from servicekit.publishing import BATCH_HEADER

log = logging.getLogger(__name__)

ROUTING_KEYS = (
    TicketOpenedV1.routing_key,
    TicketChangedV1.routing_key,
    AgentChangedV1.routing_key,
)
AGENT_CHANGED = "agent.changed"
NAMES = {
    TicketOpenedV1.routing_key: "ticket.opened",
    TicketChangedV1.routing_key: "ticket.changed",
    AgentChangedV1.routing_key: AGENT_CHANGED,
}
CLIENT_BUFFER = 256
HEARTBEAT_SECONDS = 15.0
SUBSCRIBED = ": subscribed\n\n"
"""The API stream's first line once it follows the events: a comment, which clients ignore."""
SUBSCRIBED_EVENT = "event: subscribed\ndata: {}\n\n"
"""The console's: an event the inbox answers by reading its rows again, so a ticket opened
between the page's render and the subscription (or while a stream reconnected) shows."""

Visible = Callable[[dict[str, Any]], bool]
"""Whether a client may see a ticket (its snapshot)."""

StillAllowed = Callable[[], Awaitable[bool]]
"""Whether the client's agent may still listen (asked at every heartbeat)."""


@dataclass(frozen=True)
class Listener:
    """The agent behind a stream and the levels it was opened with; None for admins."""

    agent: str
    levels: frozenset[str]
    still_allowed: StillAllowed

    def loses_access(self, change: AgentChangedV1) -> bool:
        return change.agent_id == self.agent and (
            not change.active or change.removed or not self.levels <= set(change.levels)
        )


@dataclass(eq=False)
class Client:
    visible: Visible
    listener: Listener | None = None
    # One slot more than the buffer, so the end-of-stream mark always fits.
    queue: asyncio.Queue[str | None] = field(
        default_factory=lambda: asyncio.Queue(CLIENT_BUFFER + 1)
    )
    ended: bool = False

    def offer(self, text: str) -> bool:
        """Queue a notice; False when the client is too far behind to take it."""
        if self.ended or self.queue.qsize() >= CLIENT_BUFFER:
            return False
        self.queue.put_nowait(text)
        return True

    def end(self) -> None:
        """Close the stream once what is queued has been sent."""
        if not self.ended:
            self.ended = True
            self.queue.put_nowait(None)


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

    @property
    def ready(self) -> bool:
        """Whether the consumer is in place: connected, on an open channel. aio-pika's robust
        connection declares the queue again after a broker restart (it is exclusive, so it went
        with the old connection), with its bindings and its consumer."""
        return (
            self._connection is not None
            and not self._connection.is_closed
            and self._queue is not None
            and not self._queue.channel.is_closed
        )

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

    def end_streams(self) -> None:
        """End every client's stream (the server is stopping: they would hold it up)."""
        for client in list(self._clients):
            client.end()

    async def close(self) -> None:
        self.end_streams()
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
            if name == AGENT_CHANGED:
                self._end_lost_access(event)
            elif isinstance(event, dict) and isinstance(event.get("ticket"), dict):
                self._fan_out(name, event)

    def _end_lost_access(self, event: Any) -> None:
        try:
            change = AgentChangedV1.model_validate(event)
        except ValueError:
            log.warning("ignoring an unreadable %s event", AGENT_CHANGED)
            return
        for client in list(self._clients):
            if client.listener is not None and client.listener.loses_access(change):
                log.info("ending a live stream of agent %s: access changed", change.agent_id)
                self._clients.discard(client)
                client.end()

    def _fan_out(self, name: str, event: dict[str, Any]) -> None:
        text = sse(name, str(event.get("id", "")), event)
        for client in list(self._clients):
            if not client.visible(event["ticket"]):
                continue
            if not client.offer(text):
                log.warning("dropping a live-events client that fell %d behind", CLIENT_BUFFER)
                self._clients.discard(client)
                client.end()

    async def stream(
        self, visible: Visible, listener: Listener | None = None, greeting: str = SUBSCRIBED
    ) -> AsyncIterator[str]:
        """The client's notices as SSE text, starting with ``greeting`` once it is subscribed.
        An agent's stream (``listener``) ends when the agent loses access."""
        client = Client(visible, listener)
        self._clients.add(client)
        try:
            await self._follow()
            yield greeting
            while True:
                try:
                    text = await asyncio.wait_for(client.queue.get(), HEARTBEAT_SECONDS)
                except TimeoutError:
                    if listener is not None and not await listener.still_allowed():
                        return
                    yield ": heartbeat\n\n"
                    continue
                if text is None:
                    return
                yield text
        finally:
            self._clients.discard(client)
            # A task of its own: a disconnected client's stream is being cancelled, and
            # anyio cancels every await left in it.
            unbinding = asyncio.get_running_loop().create_task(self._follow())
            self._tasks.add(unbinding)
            unbinding.add_done_callback(self._tasks.discard)


def end_live_streams_on_exit_signals(live: LiveEvents) -> None:
    """On SIGTERM/SIGINT, end the streams before handing the signal on. uvicorn waits for
    open responses before it stops, and an event stream never finishes by itself: without
    this, every connected client would hold a stopping gateway up for the whole graceful
    timeout (30 s). Called once the server's own handlers are installed."""
    if threading.current_thread() is not threading.main_thread():
        return
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        previous = signal.getsignal(sig)

        def on_exit(number: int, frame: Any, previous: Any = previous) -> None:
            loop.call_soon_threadsafe(live.end_streams)
            if callable(previous):
                previous(number, frame)

        signal.signal(sig, on_exit)
