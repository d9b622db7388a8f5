"""One HTTP call of a sender, classified the same way for every network: a call that could
not be made is retryable (nothing left), one that left and got no answer is uncertain (it may
have been posted), 429 and 5xx are retryable with the network's Retry-After, other 4xx are
refusals with the network's own words."""

from __future__ import annotations

from typing import Any

import httpx

from ingestor.replies.base import Refused, Retryable, Uncertain


def retry_after(response: httpx.Response) -> float | None:
    """Retry-After in seconds (RFC 9110 10.2.3 also allows a date; these networks send
    seconds)."""
    value = response.headers.get("Retry-After", "").strip()
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None


def error_text(response: httpx.Response) -> str:
    """The network's reason: Google's and Meta's ``{"error": {"message", "code"|"errors"}}``,
    X's ``{"detail"}`` or ``{"errors": [{"message"}]}``, else the start of the body."""
    status = f"HTTP {response.status_code}"
    try:
        body = response.json()
    except ValueError:
        return f"{status}: {response.text[:300]}"
    if not isinstance(body, dict):
        return status
    error = body.get("error")
    if isinstance(error, dict):
        reasons = [e.get("reason") for e in error.get("errors") or [] if isinstance(e, dict)]
        code = error.get("code")
        extra = f" ({', '.join(str(r) for r in reasons if r)})" if any(reasons) else ""
        if not extra and code is not None:
            extra = f" (code {code})"
        return f"{status}: {error.get('message', '')}{extra}"
    if body.get("detail"):
        return f"{status}: {body['detail']}"
    errors = body.get("errors")
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        return f"{status}: {errors[0].get('message') or errors[0].get('detail') or ''}"
    return status


async def call(
    client: httpx.AsyncClient, network: str, method: str, url: str, **kwargs: Any
) -> Any:
    """The network's JSON answer to one call, or Retryable, Refused or Uncertain."""
    try:
        response = await client.request(method, url, **kwargs)
    except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
        raise Retryable(f"{network} could not be reached: {exc!r}") from exc
    except httpx.TransportError as exc:
        raise Uncertain(f"no answer from {network} after the call was sent: {exc!r}") from exc
    if response.status_code == 429 or response.status_code >= 500:
        raise Retryable(error_text(response), retry_after(response))
    if response.status_code >= 400:
        raise Refused(error_text(response))
    if not response.content:
        return {}  # 204 No Content (YouTube's setModerationStatus)
    try:
        return response.json()
    except ValueError:
        raise Uncertain(f"{network} answered {response.status_code} without JSON") from None
