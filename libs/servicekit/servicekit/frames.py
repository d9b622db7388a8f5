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
import struct
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
    payload = marshalled(raw.number, routing_key, body, properties, raw.max_content_size, then_ack)
    waiting = _waiting.get(raw)
    if waiting is None:
        _waiting[raw] = [payload]
        asyncio.get_running_loop().call_soon(_write, raw)
    else:
        waiting.append(payload)


def marshalled(
    channel_number: int,
    routing_key: str,
    body: bytes,
    properties: Properties,
    step: int,
    then_ack: int | None = None,
) -> bytes:
    """The frames of one publish on the default exchange (and of the ack after it), as
    pamqp writes them, bodies of at most ``step`` bytes a frame. The properties
    request/reply sets (short strings and the delivery mode, no headers) are written here
    directly: pamqp finds each field's type by name and encodes it through a lookup, about
    10 µs a publish on each side of every call (issue 8). Anything else goes through pamqp.
    The tests compare both writings."""
    head = _content_header(properties, len(body))
    if head is None:
        frames: list[Frame | ContentHeader | ContentBody] = [
            spec.Basic.Publish(exchange="", routing_key=routing_key),
            ContentHeader(properties=properties, body_size=len(body)),
        ]
        frames += [ContentBody(body[at : at + step]) for at in range(0, len(body), step)]
        if then_ack is not None:
            frames.append(spec.Basic.Ack(delivery_tag=then_ack))
        return ChannelFrame.marshall(channel_number=channel_number, frames=frames).payload
    key = routing_key.encode()
    if len(key) > 255:
        raise ValueError(f"routing key longer than 255 bytes: {routing_key!r}")
    out = [
        _frame(1, channel_number, _PUBLISH + bytes((0, len(key))) + key + b"\x00"),
        _frame(2, channel_number, head),
    ]
    out += [_frame(3, channel_number, body[at : at + step]) for at in range(0, len(body), step)]
    if then_ack is not None:
        out.append(_frame(1, channel_number, _ACK + _LONGLONG.pack(then_ack) + b"\x00"))
    return b"".join(out)


_PUBLISH = struct.pack(">HHH", 60, 40, 0)  # Basic.Publish, reserved; then the exchange ""
_ACK = struct.pack(">HH", 60, 80)
_LONGLONG = struct.Struct(">Q")
_FRAME = struct.Struct(">BHI")


def _frame(kind: int, channel_number: int, payload: bytes) -> bytes:
    return _FRAME.pack(kind, channel_number, len(payload)) + payload + b"\xce"


def _content_header(properties: Properties, body_size: int) -> bytes | None:
    """The content header's payload, or None when the properties need pamqp.

    Each property read by its own attribute, in the header's field order: finding them by
    name (``getattr`` over tables, ``any`` over a generator) was 7 µs of every publish on
    both sides of each call, about as much as the rest of the frames together."""
    p = properties
    for other in (
        p.content_encoding,
        p.headers,
        p.priority,
        p.timestamp,
        p.message_type,
        p.user_id,
        p.app_id,
        p.cluster_id,
    ):
        if other is not None and other != "":
            return None
    flags, fields = 0, []
    if p.content_type:
        flags |= 1 << 15
        if (field := _short(p.content_type)) is None:
            return None
        fields.append(field)
    if (mode := p.delivery_mode) is not None:
        if not 0 <= mode <= 255:
            return None
        flags |= 1 << 12
        fields.append(bytes((mode,)))
    for value, flag in (
        (p.correlation_id, 1 << 10),
        (p.reply_to, 1 << 9),
        (p.expiration, 1 << 8),
        (p.message_id, 1 << 7),
    ):
        if value:
            if (field := _short(value)) is None:
                return None
            flags |= flag
            fields.append(field)
    return _HEADER.pack(60, 0, body_size, flags) + b"".join(fields)


_HEADER = struct.Struct(">HHQH")


def _short(text: str) -> bytes | None:
    """A short string as AMQP writes it (its length in a byte), None past 255 bytes."""
    raw = text.encode()
    return bytes((len(raw),)) + raw if len(raw) <= 255 else None


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
