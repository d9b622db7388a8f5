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

WINDOW_SECONDS = 60
QUIET_AFTER_SECONDS = WINDOW_SECONDS + 1
"""A key whose last event is older than this has none left in its window (a second more than
the window, so a clock's rounding never lets an exhausted key through)."""
FORGET_ABOVE = 10_000
"""Keys remembered before the quiet ones are forgotten (a failing address is remembered a
minute)."""


class RateLimit:
    """At most ``per_minute`` events per key in any sliding minute; past it, 429 with the
    seconds until one more is allowed in ``Retry-After``.

    The time of each key's last event is kept beside ``limits``' window, so a key with no
    event in the last minute (every caller whose token is good, on every request) is let
    through without asking ``limits``: building its window's keys was about a tenth of the
    gateway's CPU per ticket page (issue 8). A key with a recent event is asked as before."""

    def __init__(self, name: str, per_minute: int, reason: str) -> None:
        self._limiter = MovingWindowRateLimiter(MemoryStorage())
        self._item = RateLimitItemPerMinute(per_minute)
        self._name = name
        self._reason = reason
        self._last_event: dict[str, float] = {}

    def refuse_if_exhausted(self, key: str) -> None:
        last = self._last_event.get(key)
        if last is None or time.time() - last > QUIET_AFTER_SECONDS:
            return  # no event in its window: nothing to refuse
        if not self._limiter.test(self._item, self._name, key):
            stats = self._limiter.get_window_stats(self._item, self._name, key)
            retry_after = max(1, math.ceil(stats.reset_time - time.time()))
            raise HTTPException(
                429,
                f"{self._reason}; try again in {retry_after} s",
                headers={"Retry-After": str(retry_after)},
            )

    def hit(self, key: str) -> None:
        now = time.time()
        if len(self._last_event) >= FORGET_ABOVE and key not in self._last_event:
            self._forget_quiet(now)
        self._last_event[key] = now
        self._limiter.hit(self._item, self._name, key)

    def _forget_quiet(self, now: float) -> None:
        quiet = [k for k, at in self._last_event.items() if now - at > QUIET_AFTER_SECONDS]
        for key in quiet:
            del self._last_event[key]

    def take(self, key: str) -> None:
        """One more event, or 429 when the minute's are used up."""
        self.refuse_if_exhausted(key)
        self.hit(key)


def client_address(connection: HTTPConnection) -> str:
    """The connection's peer. Behind a proxy, run uvicorn with ``--forwarded-allow-ips`` so
    this is the client and not the proxy (or every client shares the proxy's budget)."""
    return connection.client.host if connection.client else "unknown"
