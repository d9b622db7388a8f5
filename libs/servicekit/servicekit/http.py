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
from collections.abc import Callable
from functools import cache
from typing import Any

from prometheus_fastapi_instrumentator import Instrumentator, metrics
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from servicekit import tracing

UNTRACKED = ["/metrics", "/healthz", "/livez", "/readyz"]
UNTEMPLATED = "none"
"""The handler label of a request no route took (a 404): one series, whatever the path."""


@cache
def _request_series() -> Callable[[metrics.Info], None]:
    """The request counter and latency histograms, registered once per process: the
    instrumentator's own default registers them per instance and, finding them already
    registered, quietly counts nothing, so a second app in one process (tests build many)
    would serve series that never move."""
    series = metrics.default(should_exclude_streaming_duration=True)
    assert series is not None, "http_requests_total was registered outside servicekit.http"
    return series


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
    """A plain ASGI middleware feeding ``_request_series`` once per request: method, exact
    status, route template, request and response sizes (their Content-Length headers) and the
    time to the response's first message (a live stream lasts as long as the agent listens)."""

    def __init__(
        self, app: ASGIApp, excluded: tuple[str, ...], series: Callable[[metrics.Info], None]
    ) -> None:
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
                ended = time.perf_counter()
                self.series(
                    metrics.Info(
                        request=Request(scope),
                        response=Response(headers=Headers(raw=headers), status_code=status),
                        method=scope["method"],
                        modified_handler=handler or UNTEMPLATED,
                        modified_status=str(status),
                        modified_duration=ended - started,
                        modified_duration_without_streaming=(first_byte or started) - started,
                    )
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
