"""One AMQP publish (and, on the serving side, the acknowledgement of the request it answers)
written to the connection as one buffer, for request/reply's hot path.

aiormq's ``basic_publish`` takes a channel lock, a timeout, an async context manager and a drain
future per message, which only publisher confirms need (request/reply has them off:
``servicekit.rpc``), and an ack through aio-pika is a second write of its own. Profiled under
``bench/pipeline.py --profile`` (2026-12-01), ``basic_publish`` was 12 % of the gateway's CPU
per relayed ticket page, and ticketing spent 7-8 % of its CPU per request writing to the
socket, two writes per request. Here the frames are marshalled as aiormq would and queued on
the connection's writer in one piece, behind whatever the channel queued before them, so
their order on the wire is the order of the calls."""

from __future__ import annotations

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
    write. Raises ``aiormq.exceptions.ChannelInvalidStateError`` on a closed channel."""
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
    await raw.write_queue.put(ChannelFrame.marshall(channel_number=raw.number, frames=frames))
