"""Metrics and traces for the services that speak HTTP (gateway, ingestor).

Requests are counted by route template (``/v1/tickets/{ref}``, never the raw path, so the
series stay few) and exact status, in prometheus-fastapi-instrumentator's series, which
``/metrics`` serves. The middleware is ``RouteMetrics``, not the instrumentator's own: that one
finds the template *before* the request by flattening and matching every route of the app
(FastAPI's ``include_router`` routes are resolved anew each time), a fifth of the gateway's CPU
per ticket page (cProfile, issue 8). The router has matched the request anyway, so the template
is read from the scope once the app answered. With tracing on, OpenTelemetry's FastAPI
instrumentation opens a server span per request (continuing a caller's ``traceparent``), under
which the service's RPC calls and publishes run."""

from __future__ import annotations

import time
from functools import cache
from typing import Any

from fastapi.telemetry import TelemetryConfig
from prometheus_client import Counter, Histogram, Summary
from prometheus_fastapi_instrumentator import Instrumentator
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from servicekit import tracing

NATIVE_TELEMETRY_OFF: TelemetryConfig = {"tracing": False, "metrics": False, "logs": False}
"""``FastAPI(telemetry=...)`` for these services: their traces are the OpenTelemetry FastAPI
instrumentation's, on their own tracer provider (``instrument_http``), and their metrics
``RouteMetrics``'. FastAPI's native telemetry, left on, looked for global providers (three
environment look-ups) on every request only to find none."""

UNTRACKED = ["/metrics", "/healthz", "/livez", "/readyz"]
UNTEMPLATED = "none"
"""The handler label of a request no route took (a 404): one series, whatever the path."""


LATENCY_HIGHR_BUCKETS = (
    0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75,
    1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5, 7.5, 10, 30, 60,
)  # fmt: skip
LATENCY_LOWR_BUCKETS = (0.1, 0.5, 1)


class RequestSeries:
    """prometheus-fastapi-instrumentator's default series (its names, labels and buckets, the
    latency without streaming), fed directly: its own ``metrics.default`` builds a request
    and a response object per request and looks up each labelled child again, under a lock,
    four times per request. Here each route's children are looked up once."""

    def __init__(self) -> None:
        self.total = Counter(
            "http_requests_total",
            "Total number of requests by method, status and handler.",
            ("method", "status", "handler"),
        )
        self.in_size = Summary(
            "http_request_size_bytes",
            "Content length of incoming requests by handler. Only value of header is "
            "respected. Otherwise ignored. No percentile calculated. ",
            ("handler",),
        )
        self.out_size = Summary(
            "http_response_size_bytes",
            "Content length of outgoing responses by handler. Only value of header is "
            "respected. Otherwise ignored. No percentile calculated. ",
            ("handler",),
        )
        self.latency_highr = Histogram(
            "http_request_duration_highr_seconds",
            "Latency with many buckets but no API specific labels. Made for more accurate "
            "percentile calculations. ",
            buckets=LATENCY_HIGHR_BUCKETS,
        )
        self.latency_lowr = Histogram(
            "http_request_duration_seconds",
            "Latency with only few buckets by handler. Made to be only used if aggregation "
            "by handler is important. ",
            ("method", "handler"),
            buckets=LATENCY_LOWR_BUCKETS,
        )
        self._children: dict[tuple[str, str, str], tuple[Any, Any, Any, Any]] = {}

    def observe(
        self,
        method: str,
        status: str,
        handler: str,
        request_bytes: int,
        response_bytes: int,
        seconds: float,
    ) -> None:
        key = (method, status, handler)
        children = self._children.get(key)
        if children is None:  # a few per route: its methods and statuses
            children = self._children[key] = (
                self.total.labels(method, status, handler),
                self.in_size.labels(handler),
                self.out_size.labels(handler),
                self.latency_lowr.labels(method, handler),
            )
        total, in_size, out_size, latency = children
        total.inc()
        in_size.observe(request_bytes)
        out_size.observe(response_bytes)
        self.latency_highr.observe(seconds)
        latency.observe(seconds)


@cache
def _request_series() -> RequestSeries:
    """Registered once per process: a second app in one process (tests build many) feeds the
    same series."""
    return RequestSeries()


def _content_length(headers: list[tuple[bytes, bytes]]) -> int:
    for name, value in headers:
        if name.lower() == b"content-length":
            return int(value) if value.isdigit() else 0
    return 0


def route_template(scope: Scope) -> str | None:
    """The template of the route that answered, as the router left it in the scope: FastAPI's
    resolved route context for routes of included routers (its path carries the router's
    prefix), else the matched route itself; None when no route took the request."""
    context = scope.get("fastapi", {}).get("effective_route_context")
    if context is not None:
        starlette_route = getattr(context, "starlette_route", None)
        path = getattr(starlette_route, "path_format", None) or getattr(
            context, "path_format", None
        )
        if isinstance(path, str):
            return path
    route = scope.get("route")
    path = getattr(route, "path_format", None) or getattr(route, "path", None)
    return path if isinstance(path, str) and path else None


class RouteMetrics:
    """A plain ASGI middleware feeding ``RequestSeries`` once per request: method, exact
    status, route template, request and response sizes (their Content-Length headers) and the
    time to the response's first message (a live stream lasts as long as the agent listens)."""

    def __init__(self, app: ASGIApp, excluded: tuple[str, ...], series: RequestSeries) -> None:
        self.app = app
        self.excluded = frozenset(excluded)
        self.series = series

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500
        headers: list[tuple[bytes, bytes]] = []
        first_byte: float | None = None

        async def send_wrapper(message: Message) -> None:
            nonlocal status, headers, first_byte
            if message["type"] == "http.response.start":
                status, headers = message["status"], message.get("headers", [])
                first_byte = time.perf_counter()
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            handler = route_template(scope)
            if handler not in self.excluded:
                self.series.observe(
                    scope["method"],
                    str(status),
                    handler or UNTEMPLATED,
                    _content_length(scope["headers"]),
                    _content_length(headers),
                    (first_byte or started) - started,
                )


def instrument_http(app: Any) -> None:
    """Call in ``create_app``, before the app starts."""
    app.add_middleware(RouteMetrics, excluded=tuple(UNTRACKED), series=_request_series())
    # The instrumentator only serves /metrics (the default registry) here.
    Instrumentator().expose(app, include_in_schema=False)
    if (provider := tracing.provider()) is not None:
        from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

        FastAPIInstrumentor.instrument_app(
            app, tracer_provider=provider, excluded_urls=",".join(UNTRACKED)
        )
