"""``servicekit.frames`` writes request/reply's publishes itself: the bytes must be the ones
pamqp writes (through aiormq's ``ChannelFrame``) for every set of properties, split bodies
and the ack after a reply included."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from aiormq.abc import ChannelFrame
from pamqp import commands as spec
from pamqp import frame as wire
from pamqp.body import ContentBody
from pamqp.header import ContentHeader

from servicekit import frames

STEP = 131_064  # a 128 KiB frame less its envelope, as RabbitMQ tunes it


def pamqp_writes(
    channel: int, key: str, body: bytes, properties: frames.Properties, then_ack: int | None
) -> bytes:
    parts: list[object] = [
        spec.Basic.Publish(exchange="", routing_key=key),
        ContentHeader(properties=properties, body_size=len(body)),
        *(ContentBody(body[at : at + STEP]) for at in range(0, len(body), STEP)),
    ]
    if then_ack is not None:
        parts.append(spec.Basic.Ack(delivery_tag=then_ack))
    return ChannelFrame.marshall(channel_number=channel, frames=parts).payload  # type: ignore[arg-type]


PROPERTIES = [
    frames.Properties(),
    frames.Properties(
        content_type="application/json",
        correlation_id="1a2b3c4d1f",
        message_id="1a2b3c4d1f",
        reply_to="amq.rabbitmq.reply-to.g1h2AA5yZXBseUAxNjk0NTc3NgAAJ0QAAAAAaNw2Vw==.abc",
        expiration="30000",
        delivery_mode=1,
    ),
    frames.Properties(correlation_id="ação", delivery_mode=2, reply_to=""),
    frames.Properties(content_type="application/json", delivery_mode=2, expiration="1"),
    # pamqp's way: headers, or any property request/reply does not set.
    frames.Properties(content_type="application/json", headers={"x-socialdesk-rpc-error": 1}),
    frames.Properties(message_id="m", timestamp=datetime(2026, 12, 1, tzinfo=UTC), priority=3),
    # Present though false: a priority of 0, an empty table.
    frames.Properties(correlation_id="c", priority=0),
    frames.Properties(content_type="application/json", headers={}),
    frames.Properties(content_type="", delivery_mode=1, expiration="5", message_id="m"),
]


def test_a_property_pamqp_refuses_is_refused() -> None:
    too_long = frames.Properties(correlation_id="x" * 256)
    with pytest.raises(TypeError, match="255"):
        pamqp_writes(1, "q", b"{}", too_long, None)
    with pytest.raises(TypeError, match="255"):
        frames.marshalled(1, "q", b"{}", too_long, STEP)


@pytest.mark.parametrize("properties", PROPERTIES)
@pytest.mark.parametrize("size", [0, 90, STEP, STEP + 1, 3 * STEP + 17])
@pytest.mark.parametrize("then_ack", [None, 1, 2**40])
def test_a_publish_is_written_as_pamqp_writes_it(
    properties: frames.Properties, size: int, then_ack: int | None
) -> None:
    body = bytes(range(256)) * (size // 256) + b"x" * (size % 256)
    for channel, key in ((1, "ticketing.rpc"), (7, "amq.rabbitmq.reply-to.ação")):
        written = frames.marshalled(channel, key, body, properties, STEP, then_ack)
        assert written == pamqp_writes(channel, key, body, properties, then_ack)


def test_what_is_written_reads_back_as_the_publish() -> None:
    properties = PROPERTIES[1]
    written = frames.marshalled(3, "ticketing.rpc", b'{"n":1}', properties, STEP, 9)
    read = []
    while written:
        size, channel, frame = wire.unmarshal(written)
        read.append((channel, frame))
        written = written[size:]
    (_, publish), (_, header), (_, body), (_, ack) = read
    assert isinstance(publish, spec.Basic.Publish)
    assert publish.routing_key == "ticketing.rpc"
    assert isinstance(header, ContentHeader)
    assert header.properties.reply_to == properties.reply_to
    assert header.properties.delivery_mode == 1
    assert isinstance(body, ContentBody)
    assert body.value == b'{"n":1}'
    assert isinstance(ack, spec.Basic.Ack)
    assert ack.delivery_tag == 9
    assert {channel for channel, _ in read} == {3}
