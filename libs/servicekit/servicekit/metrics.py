"""Prometheus metrics every service exports on ``/metrics`` (names listed in
docs/operations.md#metrics).

FastStream's ``RabbitPrometheusMiddleware`` counts AMQP messages received and published and
times each message's handling (``faststream_*``). It cannot tell what became of an *event*:
a batch message carries many, and a failed event is acknowledged once it has been handed on
to the retry or dead-letter path, so to FastStream it looks handled. Those per-event counts
live here (``socialdesk_*``), kept where the outcome is decided (``servicekit.consuming``,
``publishing``, ``outbox``, ``rpc``).

Metrics live in prometheus-client's default registry: one service runs per process, and the
process and garbage-collector collectors come with it. Creating a metric is not I/O."""

from __future__ import annotations

import functools
from typing import Any, NamedTuple

from faststream.prometheus.container import MetricsContainer
from faststream.prometheus.manager import MetricsManager
from faststream.rabbit.prometheus import RabbitPrometheusMiddleware
from prometheus_client import REGISTRY, Counter, Gauge, Histogram, make_asgi_app

# Handlers and calls take from a millisecond (a cached read) to seconds (SMTP, a retry).
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)

EVENTS_HANDLED = Counter(
    "socialdesk_events_handled_total",
    "Events a consumer handled successfully, per queue",
    ["queue"],
)
EVENTS_RETRIED = Counter(
    "socialdesk_events_retried_total",
    "Events handed to a retry queue after their handler failed, per queue",
    ["queue"],
)
EVENTS_DEAD_LETTERED = Counter(
    "socialdesk_events_dead_lettered_total",
    "Events dead-lettered (invalid, permanent failure or retries used up), per queue",
    ["queue"],
)
HANDLER_SECONDS = Histogram(
    "socialdesk_event_handler_seconds",
    "Time one event's handler took, whatever its outcome, per queue",
    ["queue"],
    buckets=LATENCY_BUCKETS,
)
EVENTS_PUBLISHED = Counter(
    "socialdesk_events_published_total",
    "Events RabbitMQ confirmed, per routing key (a batch message counts each event)",
    ["routing_key"],
)
OUTBOX_BACKLOG = Gauge(
    "socialdesk_outbox_backlog",
    "Events written to the outbox and not yet published (sampled by the relay)",
)
SLA_WARNINGS_PENDING = Gauge(
    "socialdesk_sla_warnings_pending",
    "Tickets due for an SLA reading (a band change, a red or breach warning) that ticketing's "
    "last scan could not write, sampled after each scan",
)
OUTBOX_OLDEST_AGE = Gauge(
    "socialdesk_outbox_oldest_age_seconds",
    "Age of the oldest unpublished event in the outbox, 0 when it is empty",
)
RPC_CLIENT_SECONDS = Histogram(
    "socialdesk_rpc_client_seconds",
    "Request/reply calls as the caller saw them, by queue, method and outcome "
    "(ok, error: the service refused or failed, timeout)",
    ["queue", "method", "outcome"],
    buckets=LATENCY_BUCKETS,
)
RPC_TIMEOUTS = Counter(
    "socialdesk_rpc_timeouts_total",
    "Request/reply calls nobody answered in time, by queue and method",
    ["queue", "method"],
)
RPC_SERVER_SECONDS = Histogram(
    "socialdesk_rpc_server_seconds",
    "Time a service took to answer a request, by method and the HTTP status it answered",
    ["method", "status"],
    buckets=LATENCY_BUCKETS,
)
MAILS_SENT = Counter("socialdesk_mails_sent_total", "Mails the SMTP server accepted")
MAILS_FAILED = Counter(
    "socialdesk_mails_failed_total",
    "Mails the SMTP server did not take: refused (for good) or error (retried later)",
    ["reason"],
)


class QueueMetrics(NamedTuple):
    handled: Any
    retried: Any
    dead_lettered: Any
    handler_seconds: Any


@functools.cache
def of_queue(queue: str) -> QueueMetrics:
    """One queue's series, looked up once: per event only the increments are paid."""
    return QueueMetrics(
        EVENTS_HANDLED.labels(queue),
        EVENTS_RETRIED.labels(queue),
        EVENTS_DEAD_LETTERED.labels(queue),
        HANDLER_SECONDS.labels(queue),
    )


@functools.lru_cache(maxsize=4096)
def labelled(metric: Any, *values: str, **labels: str) -> Any:
    """``metric.labels(...)``, looked up once: each look-up validates and joins the label
    values under the metric's lock (a few µs), and the hot paths (every message consumed or
    published, every request/reply call) ask for the same few series again and again.
    Bounded, as some label values (a method name) come from callers."""
    return metric.labels(*values, **labels)


class _Children:
    """One metric whose labelled series are looked up once (``labelled``): FastStream's
    manager calls ``labels()`` six times per message consumed and twice per publish."""

    __slots__ = ("_metric",)

    def __init__(self, metric: Any) -> None:
        self._metric = metric

    def labels(self, **labels: str) -> Any:
        return labelled(self._metric, **labels)


class _CachedContainer:
    """FastStream's metrics container with every metric behind ``_Children``."""

    def __init__(self, container: MetricsContainer) -> None:
        self._container = container

    def __getattr__(self, name: str) -> _Children:
        # Called only once per metric: the wrapper is then an attribute of this object.
        children = _Children(getattr(self._container, name))
        setattr(self, name, children)
        return children


def broker_middleware(service: str) -> RabbitPrometheusMiddleware:
    """FastStream's per-message metrics, labelled ``app_name=<service>``: the same series,
    with each series looked up once per process instead of on every message (measured in
    ``bench/consume_cost.py``)."""
    middleware = RabbitPrometheusMiddleware(registry=REGISTRY, app_name=service)
    # The manager's methods build each series' labels from the container's metrics; given a
    # container that remembers the series, they no longer pay ``labels()`` per message.
    container = _CachedContainer(middleware._metrics_container)
    middleware._metrics_manager = MetricsManager(container, app_name=service)  # type: ignore[arg-type]
    return middleware


class _ConsumedSeries(NamedTuple):
    received: Any
    size: Any
    in_process: Any
    duration: Any


class ConsumedMessages:
    """FastStream's per-message consumer series (``faststream_received_*``, the names and
    labels its ``RabbitPrometheusMiddleware`` writes) for the consumers that take messages
    off the AMQP channel themselves (``servicekit.event_consumer``): the dashboard's "AMQP
    messages handled" panel and anything reading those series see no difference."""

    def __init__(self, service: str) -> None:
        # The container finds the series the broker's middleware registered (or registers
        # them), so both write the same ones.
        self._container = MetricsContainer(REGISTRY, custom_label_names=())
        self._app = service
        self._series: dict[str, _ConsumedSeries] = {}

    def started(self, handler: str, size: int) -> _ConsumedSeries:
        """A message taken for ``handler`` (``<exchange>.<routing key>``), as FastStream
        counts it before the handler runs."""
        series = self._series.get(handler)
        if series is None:
            series = self._series[handler] = self._new_series(handler)
        series.received.inc()
        series.size.observe(size)
        series.in_process.inc()
        return series

    def finished(
        self, handler: str, series: _ConsumedSeries, seconds: float, error: BaseException | None
    ) -> None:
        """The message settled: acked, or rejected after ``error`` (FastStream's statuses
        under ``AckPolicy.REJECT_ON_ERROR``)."""
        series.duration.observe(seconds)
        series.in_process.dec()
        labels = {"app_name": self._app, "broker": "rabbitmq", "handler": handler}
        if error is not None:
            container = self._container
            labelled(
                container.received_processed_messages_exceptions_total,
                exception_type=type(error).__name__,
                **labels,
            ).inc()
        status = "acked" if error is None else "rejected"
        labelled(self._container.received_processed_messages_total, status=status, **labels).inc()

    def _new_series(self, handler: str) -> _ConsumedSeries:
        container = self._container
        labels = {"app_name": self._app, "broker": "rabbitmq", "handler": handler}
        return _ConsumedSeries(
            container.received_messages_total.labels(**labels),
            container.received_messages_size_bytes.labels(**labels),
            container.received_messages_in_process.labels(**labels),
            container.received_processed_messages_duration_seconds.labels(**labels),
        )


class PublishedMessages:
    """FastStream's per-message publisher series (``faststream_published_*``, the names and
    labels its ``RabbitPrometheusMiddleware`` writes) for the events ``EventPublisher`` puts
    on the channel itself: one message, whatever the events it carries, as FastStream counts."""

    def __init__(self, service: str) -> None:
        self._container = MetricsContainer(REGISTRY, custom_label_names=())
        self._app = service

    def published(self, destination: str, seconds: float, error: BaseException | None) -> None:
        """One message to ``destination`` (``<exchange>.<routing key>``) confirmed, or failed
        with ``error``, after ``seconds``."""
        container, app = self._container, self._app
        labelled(
            container.published_messages_duration_seconds,
            app_name=app,
            broker="rabbitmq",
            destination=destination,
        ).observe(seconds)
        if error is not None:
            labelled(
                container.published_messages_exceptions_total,
                app_name=app,
                broker="rabbitmq",
                destination=destination,
                exception_type=type(error).__name__,
            ).inc()
        labelled(
            container.published_messages_total,
            app_name=app,
            broker="rabbitmq",
            destination=destination,
            status="error" if error is not None else "success",
        ).inc()


def metrics_app() -> Any:
    """The ASGI app answering ``GET /metrics`` in Prometheus' text format."""
    return make_asgi_app(REGISTRY)
