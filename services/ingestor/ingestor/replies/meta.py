"""Replies on Facebook (page comments, Messenger) and Instagram through Meta's Graph API,
with httpx. Calls as in CHANNELS.md "Meta" (developers.facebook.com pages/publishing,
instagram-platform/comment-moderation, messenger-platform/send-api-reference,
messenger-platform/discovery/private-replies, instagram-platform/private-replies):

- public reply to a Facebook comment: ``POST /{comment-id}/comments`` with ``message``;
- public reply to an Instagram comment: ``POST /{ig-comment-id}/replies`` with ``message``;
- private reply to a comment: ``POST /{account-id}/messages`` with ``recipient.comment_id``;
- direct message: ``POST /{account-id}/messages`` with ``recipient.id``, ``messaging_type``
  ``RESPONSE`` (within 24 h of the customer's last message).

The page's (or Instagram account's) access token goes as ``access_token``. Errors come as
``{"error": {"message", "code", ...}}``: 429 and 5xx are retried, the rest are refusals."""

from __future__ import annotations

from typing import Any

import httpx

from contracts.interaction import Channel
from contracts.replies import ReplyMode, ReplyRequestedV1
from ingestor.replies.base import Refused, Retryable, Uncertain
from ingestor.store.accounts_port import StoredAccount

TOKEN_NAMES = ("page_access_token", "access_token")


def retry_after(response: httpx.Response) -> float | None:
    """Retry-After in seconds (RFC 9110 10.2.3 also allows a date; Meta sends seconds)."""
    value = response.headers.get("Retry-After", "").strip()
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None


def error_text(response: httpx.Response) -> str:
    try:
        error = response.json().get("error", {})
    except ValueError:
        return f"HTTP {response.status_code}: {response.text[:300]}"
    if not isinstance(error, dict):
        return f"HTTP {response.status_code}"
    code = error.get("code")
    return f"HTTP {response.status_code}: {error.get('message', '')}" + (
        f" (code {code})" if code is not None else ""
    )


class MetaSender:
    def __init__(self, client: httpx.AsyncClient, graph_url: str) -> None:
        self._client = client
        self._graph = graph_url.rstrip("/")

    def _call(
        self, request: ReplyRequestedV1, account: StoredAccount
    ) -> tuple[str, dict[str, Any]]:
        network_id = account.account.network_id
        text = {"text": request.text}
        if request.mode is ReplyMode.COMMENT_REPLY:
            edge = "replies" if request.channel is Channel.INSTAGRAM else "comments"
            return f"{request.target}/{edge}", {"message": request.text}
        if request.mode is ReplyMode.PRIVATE_REPLY:
            return f"{network_id}/messages", {
                "recipient": {"comment_id": request.target},
                "message": text,
            }
        if request.mode is ReplyMode.DIRECT_MESSAGE:
            return f"{network_id}/messages", {
                "recipient": {"id": request.target},
                "messaging_type": "RESPONSE",
                "message": text,
            }
        raise Refused(f"{request.channel.value} cannot send a {request.mode.value}")

    async def send(
        self, request: ReplyRequestedV1, account: StoredAccount, credentials: dict[str, str]
    ) -> str:
        token = next((credentials[n] for n in TOKEN_NAMES if credentials.get(n)), None)
        if token is None:
            raise Refused(f"account {account.account.id!r} has no page_access_token")
        path, body = self._call(request, account)
        try:
            response = await self._client.post(
                f"{self._graph}/{path}", params={"access_token": token}, json=body
            )
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            raise Retryable(f"{request.channel.value} could not be reached: {exc!r}") from exc
        except httpx.TransportError as exc:
            raise Uncertain(
                f"no answer from {request.channel.value} after the reply was sent: {exc!r}"
            ) from exc
        if response.status_code == 429 or response.status_code >= 500:
            raise Retryable(error_text(response), retry_after(response))
        if response.status_code >= 400:
            raise Refused(error_text(response))
        try:
            answer = response.json()
            posted = answer.get("id") or answer.get("message_id")
        except (ValueError, AttributeError):
            posted = None
        if not posted:
            raise Uncertain(f"{request.channel.value} took the reply without giving its id")
        return str(posted)
