"""Limits on the gateway's doors (docs/operations.md, "Limits"): request bodies, failed
authentications and the public opinion links per client address, live streams per caller.

Rate limits use ``limits`` (moving windows, kept in memory): per process, so they hold on one
gateway without any shared store, and N replicas admit N times as much. The client address is
the connection's; behind a proxy, run uvicorn with ``--forwarded-allow-ips`` so it is the
real client's and not the proxy's."""

from __future__ import annotations

import math
import re
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable

from fastapi import FastAPI, HTTPException, Request, status
from limits import RateLimitItemPerMinute
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from starlette.types import Scope

from gateway.settings import GatewaySettings
from servicekit.bodylimits import BodyLimit

ATTACHMENT_ROUTES = re.compile(r"^/v1/(tickets/[^/]+/opinion-requests|opinions/[^/]+)$")
"""The requests that may carry attachments, and so larger bodies."""


def body_limit(settings: GatewaySettings) -> Callable[[Scope], int]:
    def limit(scope: Scope) -> int:
        if scope["method"] == "POST" and ATTACHMENT_ROUTES.match(scope["path"]):
            return settings.max_attachment_body_bytes
        return settings.max_body_bytes

    return limit


class RateLimit:
    """At most ``per_minute`` events per key in any sliding minute; past it, 429 with the
    seconds until one more is allowed in ``Retry-After``."""

    def __init__(self, name: str, per_minute: int, reason: str) -> None:
        self._limiter = MovingWindowRateLimiter(MemoryStorage())
        self._item = RateLimitItemPerMinute(per_minute)
        self._name = name
        self._reason = reason

    def refuse_if_exhausted(self, key: str) -> None:
        if not self._limiter.test(self._item, self._name, key):
            stats = self._limiter.get_window_stats(self._item, self._name, key)
            retry_after = max(1, math.ceil(stats.reset_time - time.time()))
            raise HTTPException(
                status.HTTP_429_TOO_MANY_REQUESTS,
                f"{self._reason}; try again in {retry_after} s",
                headers={"Retry-After": str(retry_after)},
            )

    def hit(self, key: str) -> None:
        self._limiter.hit(self._item, self._name, key)

    def take(self, key: str) -> None:
        """One more event, or 429 when the minute's are used up."""
        self.refuse_if_exhausted(key)
        self.hit(key)


class Limits:
    """The gateway's limiters, one set per process (``app.state.limits``)."""

    def __init__(self, settings: GatewaySettings) -> None:
        self.auth_failures = RateLimit(
            "auth-failures",
            settings.auth_failures_per_minute,
            "too many failed authentications from this address",
        )
        self.opinions = RateLimit(
            "opinions",
            settings.opinion_requests_per_minute,
            "too many requests to opinion links from this address",
        )
        self.max_streams = settings.max_streams_per_caller
        self._streams: Counter[str] = Counter()

    def open_stream(self, caller_id: str) -> Callable[[], None]:
        """Counts one more stream for the caller, or 429 when they hold the maximum. The
        answer releases it; calling it again does nothing, so both the stream's end and the
        response's background task may call it (a client gone before the first byte never
        starts the stream, and only the background task runs)."""
        if self._streams[caller_id] >= self.max_streams:
            raise HTTPException(
                status.HTTP_429_TOO_MANY_REQUESTS,
                f"at most {self.max_streams} live streams at once per caller; close one first",
                headers={"Retry-After": "15"},
            )
        self._streams[caller_id] += 1
        released = False

        def release() -> None:
            nonlocal released
            if not released:
                released = True
                self._streams[caller_id] -= 1
                if self._streams[caller_id] <= 0:
                    del self._streams[caller_id]  # no entry left behind per caller ever seen

        return release


async def counted(events: AsyncIterator[str], release: Callable[[], None]) -> AsyncIterator[str]:
    """``events``, releasing the caller's stream slot when it ends however it ends."""
    try:
        async for event in events:
            yield event
    finally:
        release()


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def of(request: Request) -> Limits:
    return request.app.state.limits  # type: ignore[no-any-return]


async def opinion_rate(request: Request) -> None:
    """Dependency of the public opinion routes: the link is the only credential there."""
    of(request).opinions.take(client_address(request))


def install(app: FastAPI, settings: GatewaySettings) -> None:
    app.state.limits = Limits(settings)
    app.add_middleware(
        BodyLimit, limit=body_limit(settings), max_json_depth=settings.max_json_depth
    )
