"""One AMQP publish (and, on the serving side, the acknowledgement of the request it answers)
written to the connection as one buffer, for request/reply's hot path.

aiormq's ``basic_publish`` takes a channel lock, a timeout, an async context manager and a drain
future per message, which only publisher confirms need (request/reply has them off:
``servicekit.rpc``), and an ack through aio-pika is a second write of its own. Profiled under
``bench/pipeline.py --profile`` (2026-12-01), ``basic_publish`` was 12 % of the gateway's CPU
per relayed ticket page, and ticketing spent 7-8 % of its CPU per request writing to the
socket, two writes per request. Here the frames are marshalled as aiormq would and handed to
the connection's writer in one piece; the publishes of one turn of the event loop on one
channel leave together, in the order they were made."""

from __future__ import annotations

import asyncio
from typing import cast

import aiormq
from aiormq.abc import ChannelFrame
from pamqp import commands as spec
from pamqp.base import Frame
from pamqp.body import ContentBody
from pamqp.header import ContentHeader

Properties = spec.Basic.Properties


async def publish(
    channel: aiormq.abc.AbstractChannel,
    routing_key: str,
    body: bytes,
    properties: Properties,
    *,
    then_ack: int | None = None,
) -> None:
    """Publish ``body`` on the default exchange to ``routing_key``, without confirms; with
    ``then_ack``, acknowledge that delivery on the same channel right after it, in the same
    write. Raises ``aiormq.exceptions.ChannelInvalidStateError`` on a closed channel.

    What is published on one channel in one turn of the event loop leaves in one write, at
    the start of the next turn: with many requests in flight, the gateway publishes several
    per turn, and each had been a system call of its own."""
    if channel.is_closed:
        raise aiormq.exceptions.ChannelInvalidStateError(f"{channel!r} closed")
    raw = cast(aiormq.Channel, channel)
    frames: list[Frame | ContentHeader | ContentBody] = [
        spec.Basic.Publish(exchange="", routing_key=routing_key),
        ContentHeader(properties=properties, body_size=len(body)),
    ]
    step = raw.max_content_size
    frames += [ContentBody(body[start : start + step]) for start in range(0, len(body), step)]
    if then_ack is not None:
        frames.append(spec.Basic.Ack(delivery_tag=then_ack))
    payload = ChannelFrame.marshall(channel_number=raw.number, frames=frames).payload
    waiting = _waiting.get(raw)
    if waiting is None:
        _waiting[raw] = [payload]
        asyncio.get_running_loop().call_soon(_write, raw)
    else:
        waiting.append(payload)


_waiting: dict[aiormq.Channel, list[bytes]] = {}
"""Per channel, the publishes of this turn of the event loop, in the order they were made."""


def _write(channel: aiormq.Channel) -> None:
    payloads = _waiting.pop(channel)
    if channel.is_closed:  # the calls waiting for these replies fail with the channel
        return
    frame = ChannelFrame(payload=b"".join(payloads), should_close=False)
    try:
        channel.write_queue.put_nowait(frame)
    except asyncio.QueueFull:  # the writer is behind: wait for room like aiormq's own puts
        _pending_puts.add(task := asyncio.ensure_future(channel.write_queue.put(frame)))
        task.add_done_callback(_pending_puts.discard)


_pending_puts: set[asyncio.Future[None]] = set()
