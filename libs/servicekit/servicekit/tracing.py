"""OpenTelemetry traces, on only when there is somewhere to send them.

With ``OTEL_EXPORTER_OTLP_ENDPOINT`` set, ``configure_tracing`` installs a tracer provider that
batches spans to that OTLP/HTTP collector (the exporter reads the standard ``OTEL_*``
variables itself). Unset, ``tracer()`` is None and every hook here returns at its first line:
no span is made, no header is written, FastStream's telemetry middleware is not installed.

The context travels in W3C ``traceparent`` headers. FastStream's ``RabbitTelemetryMiddleware``
writes and reads it on every message the brokers publish and consume; ``servicekit.rpc``
writes it on its raw aio-pika requests; a batch message (``servicekit.publishing``) carries
one ``traceparent`` per event in ``x-socialdesk-traceparents``, and ``servicekit.consuming``
handles each event under its own, so every interaction stays one trace however the bus
grouped the events."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

TRACEPARENTS_HEADER = "x-socialdesk-traceparents"
"""On a batch message: a JSON array with each event's ``traceparent`` ("" for none)."""

CLIENT = trace.SpanKind.CLIENT
_propagator = TraceContextTextMapPropagator()
_provider: TracerProvider | None = None
_tracer: trace.Tracer | None = None


def configure_tracing(service: str, exporter: SpanExporter | None = None) -> bool:
    """Turn tracing on for this process when an OTLP endpoint is configured (or, in tests,
    ``exporter`` is given). Returns whether it is on."""
    global _provider, _tracer
    if exporter is None:
        if not os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT"):
            return _tracer is not None
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        exporter = OTLPSpanExporter()
    provider = TracerProvider(resource=Resource.create({"service.name": service}))
    provider.add_span_processor(BatchSpanProcessor(exporter))
    if _provider is not None:
        _provider.shutdown()
    _provider, _tracer = provider, provider.get_tracer("socialdesk")
    return True


def disable_tracing() -> None:
    """Back to off (tests); spans still buffered are exported first."""
    global _provider, _tracer
    if _provider is not None:
        _provider.shutdown()
    _provider = _tracer = None


def provider() -> TracerProvider | None:
    return _provider


def tracer() -> trace.Tracer | None:
    return _tracer


def flush() -> None:
    if _provider is not None:
        _provider.force_flush()


def current_traceparent() -> str:
    """The current context as a ``traceparent`` value, "" when tracing is off or no span is
    active."""
    if _tracer is None:
        return ""
    carrier: dict[str, str] = {}
    _propagator.inject(carrier)
    return carrier.get("traceparent", "")


def current_context() -> tuple[str, str]:
    """The current context as ``(traceparent, tracestate)``, ("", "") when tracing is off or
    no span is active: what an outbox row keeps so that an event published late (by the
    relay, after a crash or an outage) still continues the trace of the change it announces."""
    if _tracer is None:
        return "", ""
    carrier: dict[str, str] = {}
    _propagator.inject(carrier)
    return carrier.get("traceparent", ""), carrier.get("tracestate", "")


def inject(headers: dict[str, Any]) -> None:
    """Write the current context into ``headers`` (nothing when tracing is off)."""
    if _tracer is not None:
        _propagator.inject(headers)


@contextlib.contextmanager
def span(
    name: str,
    *,
    kind: trace.SpanKind = trace.SpanKind.INTERNAL,
    traceparent: str = "",
    attributes: Mapping[str, str] | None = None,
) -> Iterator[None]:
    """A span made current for the block, child of ``traceparent`` when given, else of the
    current context. Nothing at all when tracing is off."""
    if _tracer is None:
        yield
        return
    parent = _propagator.extract({"traceparent": traceparent}) if traceparent else None
    with _tracer.start_as_current_span(name, context=parent, kind=kind, attributes=attributes):
        yield


@contextlib.contextmanager
def within(traceparent: str, tracestate: str = "") -> Iterator[None]:
    """Make ``traceparent`` (or no trace at all, for "") the current context for the block:
    for work done on behalf of a caller in a task that outlives it."""
    if _tracer is None:
        yield
        return
    carrier = {"traceparent": traceparent}
    if tracestate:
        carrier["tracestate"] = tracestate
    parent = _propagator.extract(carrier) if traceparent else Context()
    token = otel_context.attach(parent)
    try:
        yield
    finally:
        otel_context.detach(token)


def current_trace_id() -> str:
    """The current trace id in hex, "" when there is none (for log lines)."""
    context = trace.get_current_span(otel_context.get_current()).get_span_context()
    return format(context.trace_id, "032x") if context.is_valid else ""
