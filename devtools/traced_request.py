"""A traced request as a store test needs one: tracing on in this process (spans kept in
memory, nothing exported) and a span current under a caller's W3C context, ``tracestate``
included. What a store writes inside the block is written in that context."""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Iterator

from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from servicekit import tracing

CALLER_TRACESTATE = "socialdesk=test"


@contextlib.contextmanager
def traced_request() -> Iterator[tuple[str, str]]:
    """Yields the current ``(traceparent, tracestate)``; tracing is off again afterwards."""
    tracing.configure_tracing("store-test", exporter=InMemorySpanExporter())
    caller = f"00-{secrets.token_hex(16)}-{secrets.token_hex(8)}-01"
    try:
        with tracing.within(caller, CALLER_TRACESTATE), tracing.span("request"):
            context = tracing.current_context()
            assert context[0].split("-")[1] == caller.split("-")[1]
            yield context
    finally:
        tracing.disable_tracing()
