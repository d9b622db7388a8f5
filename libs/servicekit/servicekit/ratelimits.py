"""Rate limits at the services' doors (failed authentications, public links), with ``limits``:
moving one-minute windows kept in memory. Per process, so they hold without a shared store and
N replicas admit N times as much: a limit against abuse, not a quota."""

from __future__ import annotations

import math
import time

from limits import RateLimitItemPerMinute
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from starlette.exceptions import HTTPException
from starlette.requests import HTTPConnection


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
                429,
                f"{self._reason}; try again in {retry_after} s",
                headers={"Retry-After": str(retry_after)},
            )

    def hit(self, key: str) -> None:
        self._limiter.hit(self._item, self._name, key)

    def take(self, key: str) -> None:
        """One more event, or 429 when the minute's are used up."""
        self.refuse_if_exhausted(key)
        self.hit(key)


def client_address(connection: HTTPConnection) -> str:
    """The connection's peer. Behind a proxy, run uvicorn with ``--forwarded-allow-ips`` so
    this is the client and not the proxy (or every client shares the proxy's budget)."""
    return connection.client.host if connection.client else "unknown"
