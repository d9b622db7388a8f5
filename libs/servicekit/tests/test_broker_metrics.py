"""FastStream's per-message series (``servicekit.metrics.broker_middleware``) with each series
looked up once: every message consumed and every publish is still counted under its own
labels, and the counts are those FastStream itself keeps (same names, same labels)."""

from __future__ import annotations

import types
import uuid

from faststream.message import SourceType
from faststream.rabbit import RabbitExchange
from faststream.rabbit.response import RabbitPublishCommand
from faststream.response import PublishType
from prometheus_client import REGISTRY

from servicekit import metrics


def consumed(exchange: str, routing_key: str) -> types.SimpleNamespace:
    raw = types.SimpleNamespace(exchange=exchange, routing_key=routing_key)
    return types.SimpleNamespace(
        raw_message=raw, body=b"{}", source_type=SourceType.CONSUME, committed=None
    )


async def nothing(_: object) -> None:
    return None


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_each_message_and_publish_is_counted_under_its_own_labels() -> None:
    # An app name of its own: the series are process-wide, shared with every other test.
    app = f"test-{uuid.uuid4().hex[:8]}"
    middleware = metrics.broker_middleware(app)
    one, other = consumed("socialdesk.events", "a.v1"), consumed("socialdesk.events", "b.v1")
    for message in (one, one, other):
        await middleware(message, context=None).consume_scope(nothing, message)  # type: ignore[arg-type]
    publish = RabbitPublishCommand(
        b"{}",
        routing_key="c.v1",
        exchange=RabbitExchange("socialdesk.events"),
        _publish_type=PublishType.PUBLISH,
    )
    for _ in range(3):
        await middleware(None, context=None).publish_scope(nothing, publish)  # type: ignore[arg-type]

    def received(handler: str) -> float:
        return sample(
            "faststream_received_processed_messages_total",
            app_name=app,
            broker="rabbitmq",
            handler=handler,
            status="acked",
        )

    assert received("socialdesk.events.a.v1") == 2
    assert received("socialdesk.events.b.v1") == 1
    a = {"app_name": app, "broker": "rabbitmq", "handler": "socialdesk.events.a.v1"}
    assert sample("faststream_received_messages_in_process", **a) == 0
    published = sample(
        "faststream_published_messages_total",
        app_name=app,
        broker="rabbitmq",
        destination="socialdesk.events.c.v1",
        status="success",
    )
    assert published == 3


def test_the_event_consumer_writes_the_series_faststream_writes() -> None:
    """``metrics.ConsumedMessages`` (``servicekit.event_consumer``): the same names and labels
    as FastStream's middleware, with ``rejected`` and the exception's type on a failure."""
    app = f"test-{uuid.uuid4().hex[:8]}"
    consumed = metrics.ConsumedMessages(app)
    handler = "socialdesk.events.a.v1"
    for error in (None, None, RuntimeError("no")):
        series = consumed.started(handler, 100)
        a = {"app_name": app, "broker": "rabbitmq", "handler": handler}
        assert sample("faststream_received_messages_in_process", **a) == 1
        consumed.finished(handler, series, 0.01, error)

    assert sample("faststream_received_messages_total", **a) == 3
    assert sample("faststream_received_messages_in_process", **a) == 0
    assert sample("faststream_received_messages_size_bytes_sum", **a) == 300
    assert sample("faststream_received_processed_messages_duration_seconds_count", **a) == 3
    assert sample("faststream_received_processed_messages_total", status="acked", **a) == 2
    assert sample("faststream_received_processed_messages_total", status="rejected", **a) == 1
    assert (
        sample(
            "faststream_received_processed_messages_exceptions_total",
            exception_type="RuntimeError",
            **a,
        )
        == 1
    )
