"""Limits on the gateway's doors (docs/operations.md, "Limits"): request bodies, failed
authentications and the public opinion links per client address, live streams per caller.

Rate limits are ``servicekit.ratelimits`` (per process, per client address)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import AsyncIterator, Callable

from fastapi import FastAPI, HTTPException, Request, status
from starlette.types import Scope

from gateway.settings import GatewaySettings
from servicekit.bodylimits import BodyLimit
from servicekit.ratelimits import RateLimit, client_address

ATTACHMENT_ROUTES = re.compile(
    r"^(/v1/(tickets/[^/]+/opinion-requests|opinions/[^/]+)|/tickets/[^/]+/opinion-requests)$"
)
"""The requests that may carry attachments, and so larger bodies (the console's opinion form
too)."""


def body_limit(settings: GatewaySettings) -> Callable[[Scope], int]:
    def limit(scope: Scope) -> int:
        if scope["method"] == "POST" and ATTACHMENT_ROUTES.match(scope["path"]):
            return settings.max_attachment_body_bytes
        return settings.max_body_bytes

    return limit


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
        self.sign_in_failures = RateLimit(
            "sign-in-failures",
            settings.sign_in_failures_per_minute,
            "too many failed sign-ins to this address",
        )
        self.sign_in_failures_by_address = RateLimit(
            "sign-in-failures-by-address",
            settings.sign_in_failures_per_address_per_minute,
            "too many failed sign-ins from this address",
        )
        self.resets = RateLimit(
            "password-resets",
            settings.password_resets_per_minute,
            "too many password resets asked for from this address",
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
