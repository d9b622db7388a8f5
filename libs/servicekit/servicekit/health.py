"""Health that tells the truth, shared by the five services.

Three probes, for people and for Kubernetes:

- ``/livez``: the process is alive and its event loop answers. It checks nothing outside the
  process, so a broker or database outage never gets a healthy process restarted; a blocked
  event loop makes the probe time out, which is the failure a restart cures.
- ``/readyz``: the service can do its work now: every check below passes. 503 otherwise, with a
  JSON body naming the checks that fail and why, so traffic and alerts go elsewhere while it
  recovers by itself.
- ``/healthz``: the same answer as ``/readyz`` (the launcher, the tests and `make run` wait on
  it), with the service's details (its store backend) added.

A check is an async callable that returns when all is well and raises when not
(``Unhealthy`` carries a reason meant for people); one that takes longer than
``CHECK_TIMEOUT_SECONDS`` fails, because a probe that hangs is worse than one that says no.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from faststream.rabbit import RabbitBroker
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse

Check = Callable[[], Awaitable[None]]

CHECK_TIMEOUT_SECONDS = 2.0


class Unhealthy(Exception):
    """A check's failure, with the reason to show."""


async def _outcome(check: Check) -> str:
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_SECONDS):
            await check()
    except TimeoutError:
        return f"no answer within {CHECK_TIMEOUT_SECONDS:g}s"
    except Unhealthy as exc:
        return str(exc)
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return "ok"


async def readiness(
    checks: Mapping[str, Check], details: Mapping[str, Any] | None = None
) -> tuple[int, dict[str, Any]]:
    """The status code and body of ``/readyz`` and ``/healthz``: every check run at once,
    ``{"status": "ok" | "failing", "failing": [names], "checks": {name: "ok" | reason}}``."""
    names = list(checks)
    outcomes = await asyncio.gather(*(_outcome(checks[name]) for name in names))
    results = dict(zip(names, outcomes, strict=True))
    failing = [name for name, outcome in results.items() if outcome != "ok"]
    body: dict[str, Any] = {
        "status": "failing" if failing else "ok",
        "failing": failing,
        "checks": results,
        **(details or {}),
    }
    return (503 if failing else 200), body


LIVE_BODY = {"status": "alive"}
"""``/livez``'s answer: that the handler ran at all is the check."""


def broker_connected(broker: RabbitBroker) -> Check:
    """FastStream's connection to RabbitMQ is up."""

    async def check() -> None:
        if not await broker.ping(timeout=1):
            raise Unhealthy("not connected to RabbitMQ")

    return check


def consuming(broker: RabbitBroker) -> Check:
    """Every subscriber of the broker has a consumer on an open channel: a service whose
    consumers were cancelled, or whose channel is being restored after an outage, takes no
    messages even though its connection may be up."""

    async def check() -> None:
        idle = sorted(
            {
                _queue_name(subscriber)
                for subscriber in broker.subscribers
                if not _consumes(subscriber)
            }
        )
        if idle:
            raise Unhealthy(f"not consuming from {', '.join(idle)}")

    return check


def _queue_name(subscriber: Any) -> str:
    queue = getattr(subscriber, "queue", None)
    return str(getattr(queue, "name", subscriber))


def _consumes(subscriber: Any) -> bool:
    # FastStream keeps the aio-pika queue and the consumer tag of a running subscriber
    # (faststream.rabbit.subscriber.usecase); aio-pika's robust queue keeps the tags it
    # consumes with and restores them after a reconnect. Private attributes, read defensively:
    # an upgrade that renames them makes this check fail loudly rather than pass silently.
    tag = getattr(subscriber, "_consumer_tag", None)
    queue = getattr(subscriber, "_queue_obj", None)
    if tag is None or queue is None:
        return False
    try:
        channel_open = not queue.channel.is_closed
    except Exception:
        return False
    return channel_open and tag in getattr(queue, "_consumers", {tag: None})


def serve_probes(
    app: Starlette, checks: Mapping[str, Check], details: Mapping[str, Any] | None = None
) -> None:
    """``/healthz``, ``/readyz`` and ``/livez`` on an HTTP app (the gateway, the ingestor);
    the FastStream-only services get theirs from ``servicekit.service``. ``details`` are
    added to ``/healthz`` only (the store backend, for `make run` and the tests)."""

    async def healthz(request: Request) -> JSONResponse:
        code, body = await readiness(checks, details)
        return JSONResponse(body, code)

    async def readyz(request: Request) -> JSONResponse:
        code, body = await readiness(checks)
        return JSONResponse(body, code)

    async def livez(request: Request) -> JSONResponse:
        return JSONResponse(LIVE_BODY)

    app.add_route("/healthz", healthz, include_in_schema=False)
    app.add_route("/readyz", readyz, include_in_schema=False)
    app.add_route("/livez", livez, include_in_schema=False)
