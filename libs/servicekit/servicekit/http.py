"""Metrics and traces for the services that speak HTTP (gateway, ingestor).

prometheus-fastapi-instrumentator counts requests by route template (``/v1/tickets/{id}``,
never the raw path, so the series stay few) and exact status, and serves ``/metrics``; its
middleware is plain ASGI, not Starlette's costly ``BaseHTTPMiddleware``. With tracing on,
OpenTelemetry's FastAPI instrumentation opens a server span per request (continuing a
caller's ``traceparent``), under which the service's RPC calls and publishes run."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from prometheus_fastapi_instrumentator import Instrumentator, metrics

from servicekit import tracing

UNTRACKED = ["/metrics", "/healthz", "/livez", "/readyz"]


@cache
def _request_series() -> Callable[[metrics.Info], None]:
    """The request counter and latency histograms, registered once per process: the
    instrumentator's own default registers them per instance and, finding them already
    registered, quietly counts nothing, so a second app in one process (tests build many)
    would serve series that never move."""
    series = metrics.default(should_exclude_streaming_duration=True)
    assert series is not None, "http_requests_total was registered outside servicekit.http"
    return series


def instrument_http(app: Any) -> None:
    """Call in ``create_app``, before the app starts."""
    Instrumentator(
        should_group_status_codes=False,
        # A live-event stream lasts as long as the agent listens: time it to its first byte.
        should_exclude_streaming_duration=True,
        excluded_handlers=UNTRACKED,
    ).add(_request_series()).instrument(app).expose(app, include_in_schema=False)
    if (provider := tracing.provider()) is not None:
        from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

        FastAPIInstrumentor.instrument_app(
            app, tracer_provider=provider, excluded_urls=",".join(UNTRACKED)
        )
