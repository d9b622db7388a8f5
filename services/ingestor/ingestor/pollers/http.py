"""Calls to a polled network: retried on 429 and 5xx with tenacity, waiting what
``Retry-After`` says (else backing off exponentially), within the network's quota.

A quota is counted in the account's cursor (only the replica holding the account's lease
spends it), in windows: YouTube's day in Pacific time, Reclame Aqui's and Google's minute."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception_type,
    stop_after_attempt,
    stop_any,
    wait_exponential,
)
from tenacity.stop import stop_base

PACIFIC = ZoneInfo("America/Los_Angeles")


class Throttled(Exception):
    """Out of quota, or told to wait longer than a poll should: try again at ``until``."""

    def __init__(self, until: datetime, why: str) -> None:
        super().__init__(why)
        self.until = until


class NetworkError(Exception):
    """The network failed (after the retries) or answered something unusable."""


class Retryable(NetworkError):
    def __init__(self, message: str, retry_after: float | None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass
class Quota:
    """``limit`` calls (or units) per window; ``window`` names the window (``daily_pacific``
    or ``minute``). ``usage`` is the cursor's record: {"window": key, "used": n}."""

    limit: int | None
    window: str
    usage: dict[str, Any]

    def _key_and_reset(self, now: datetime) -> tuple[str, datetime]:
        if self.window == "daily_pacific":
            day = now.astimezone(PACIFIC).date()
            reset = datetime(day.year, day.month, day.day, tzinfo=PACIFIC) + timedelta(days=1)
            return day.isoformat(), reset
        minute = now.replace(second=0, microsecond=0)
        return minute.isoformat(), minute + timedelta(minutes=1)

    def spend(self, cost: int, now: datetime) -> None:
        if self.limit is None:
            return
        key, reset = self._key_and_reset(now)
        if self.usage.get("window") != key:
            self.usage.clear()
            self.usage.update(window=key, used=0)
        if self.usage["used"] + cost > self.limit:
            raise Throttled(reset, f"quota of {self.limit} per {self.window} used")
        self.usage["used"] += cost

    def reset_at(self, now: datetime) -> datetime:
        return self._key_and_reset(now)[1]


def retry_after(response: httpx.Response, now: datetime) -> float | None:
    """``Retry-After`` in seconds: a number, or an HTTP date."""
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        try:
            return max(0.0, (parsedate_to_datetime(value) - now).total_seconds())
        except (TypeError, ValueError):
            return None


class _TooLong(stop_base):  # type: ignore[misc]
    """Stop retrying when the network asks for a wait longer than a poll should take."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def __call__(self, state: RetryCallState) -> bool:
        error = state.outcome.exception() if state.outcome else None
        return (
            isinstance(error, Retryable)
            and error.retry_after is not None
            and error.retry_after > self.seconds
        )


Classify = Callable[[httpx.Response, datetime], None]
"""A network's own reading of an error answer (YouTube's quotaExceeded): raise, or return."""


@dataclass
class Network:
    """One account's view of one network for one poll."""

    client: httpx.AsyncClient
    quota: Quota
    clock: Callable[[], datetime]
    attempts: int = 4
    max_wait: float = 30.0
    """A Retry-After longer than this ends the poll (throttled until then) instead of waiting."""
    cost: int = 1
    classify: Classify | None = None
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep

    def _wait(self, state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, Retryable) and error.retry_after is not None:
            return error.retry_after
        return float(wait_exponential(multiplier=0.5, max=8)(state))

    async def get(self, url: str, **kwargs: Any) -> Any:
        return await self.call("GET", url, **kwargs)

    async def call(self, method: str, url: str, **kwargs: Any) -> Any:
        """The answer's JSON; Throttled, or NetworkError once the retries are spent."""
        retrying = AsyncRetrying(
            retry=retry_if_exception_type(Retryable),
            wait=self._wait,
            stop=stop_any(stop_after_attempt(self.attempts), _TooLong(self.max_wait)),
            sleep=self.sleep,
            reraise=True,
        )
        try:
            async for attempt in retrying:
                with attempt:
                    return await self._once(method, url, **kwargs)
        except Retryable as exc:
            if exc.retry_after is not None and exc.retry_after > self.max_wait:
                raise Throttled(
                    self.clock() + timedelta(seconds=exc.retry_after), str(exc)
                ) from exc
            raise
        raise AssertionError("unreachable: tenacity reraises")  # pragma: no cover

    async def _once(self, method: str, url: str, **kwargs: Any) -> Any:
        now = self.clock()
        self.quota.spend(self.cost, now)  # invalid and failed requests cost too
        try:
            response = await self.client.request(method, url, **kwargs)
        except httpx.TransportError as exc:
            raise Retryable(f"{method} {url}: {type(exc).__name__}: {exc}", None) from exc
        if response.status_code == 429 or response.status_code >= 500:
            raise Retryable(
                f"{method} {url}: {response.status_code} {response.text[:200]}",
                retry_after(response, now),
            )
        if self.classify is not None:
            self.classify(response, now)
        if response.status_code >= 400:
            raise NetworkError(f"{method} {url}: {response.status_code} {response.text[:300]}")
        try:
            return response.json()
        except ValueError as exc:
            raise NetworkError(f"{method} {url}: not JSON") from exc
