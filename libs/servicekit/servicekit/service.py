"""The shape of a FastStream-only service process: one broker, start-up and shutdown hooks in
the right order, ``/healthz``, ``/readyz`` and ``/livez`` over HTTP for probes and `make run`
(servicekit.health), and ``/metrics`` for Prometheus."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from faststream.asgi import AsgiFastStream, AsgiResponse, get
from faststream.rabbit import RabbitBroker

from servicekit import health as probes
from servicekit import metrics, tracing

Hook = Callable[[], Awaitable[None]]


def service_app(
    *,
    broker: RabbitBroker,
    health: Callable[[], Awaitable[dict[str, Any]]],
    checks: Mapping[str, probes.Check] | None = None,
    before_consuming: Sequence[Hook] = (),
    after_consuming_started: Sequence[Hook] = (),
    before_stopping: Sequence[Hook] = (),
    after_stopped: Sequence[Hook] = (),
) -> AsgiFastStream:
    """``before_consuming`` runs after the broker connected and before any message is taken
    (declare topology, open the store); ``after_stopped`` runs once in-flight messages have
    finished (close the store). ``checks`` (the store's ping) are added to the broker's
    connection and its subscribers' consumers for readiness; ``health`` gives details."""
    all_checks: dict[str, probes.Check] = {
        "broker": probes.broker_connected(broker),
        "consumers": probes.consuming(broker),
        **(checks or {}),
    }

    def answer(code: int, body: dict[str, Any]) -> AsgiResponse:
        return AsgiResponse(
            json.dumps(body).encode(), code, headers={"content-type": "application/json"}
        )

    @get(include_in_schema=False)
    async def healthz(scope: Any) -> AsgiResponse:
        return answer(*await probes.readiness(all_checks, await health()))

    @get(include_in_schema=False)
    async def readyz(scope: Any) -> AsgiResponse:
        return answer(*await probes.readiness(all_checks))

    @get(include_in_schema=False)
    async def livez(scope: Any) -> AsgiResponse:
        return answer(200, probes.LIVE_BODY)

    async def connect_first() -> None:
        await broker.connect()
        for hook in before_consuming:
            await hook()

    return AsgiFastStream(
        broker,
        asgi_routes=[
            ("/healthz", healthz),
            ("/readyz", readyz),
            ("/livez", livez),
            ("/metrics", metrics.metrics_app()),
        ],
        on_startup=[connect_first],
        after_startup=list(after_consuming_started),
        on_shutdown=list(before_stopping),
        after_shutdown=list(after_stopped),
    )


def new_broker(url: str, prefetch: int, service: str = "socialdesk") -> RabbitBroker:
    """Per-message logs go to DEBUG: at thousands of messages a second they would cost more
    than the work. ``graceful_timeout`` lets in-flight handlers finish on SIGTERM. Every
    message is counted for Prometheus, and traced when ``servicekit.tracing`` is on (call
    ``configure_tracing`` first)."""
    import logging

    from faststream import AckPolicy
    from faststream.rabbit import Channel
    from faststream.rabbit.opentelemetry import RabbitTelemetryMiddleware

    middlewares: list[Any] = [metrics.broker_middleware(service)]
    if (provider := tracing.provider()) is not None:
        middlewares.append(RabbitTelemetryMiddleware(tracer_provider=provider))

    return RabbitBroker(
        url,
        ack_policy=AckPolicy.REJECT_ON_ERROR,
        default_channel=Channel(prefetch_count=prefetch),
        graceful_timeout=30.0,
        log_level=logging.DEBUG,
        # A logger of the service's, not FastStream's own (which writes to stdout with its own
        # handler): the broker's lines are formatted like every other (JSON when asked).
        logger=logging.getLogger(f"{service}.broker"),
        # Handlers take the raw message (servicekit.consuming.raw_message): no injection.
        apply_types=False,
        middlewares=middlewares,
    )
