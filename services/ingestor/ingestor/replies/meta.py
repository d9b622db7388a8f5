"""Replies on Facebook (page comments, Messenger) and Instagram through Meta's Graph API,
with httpx. Calls as in CHANNELS.md "Meta" (developers.facebook.com pages/publishing,
instagram-platform/comment-moderation, messenger-platform/send-api-reference,
messenger-platform/discovery/private-replies, instagram-platform/private-replies):

- public reply to a Facebook comment: ``POST /{comment-id}/comments`` with ``message``;
- public reply to an Instagram comment: ``POST /{ig-comment-id}/replies`` with ``message``;
- private reply to a comment: ``POST /{account-id}/messages`` with ``recipient.comment_id``;
- direct message: ``POST /{account-id}/messages`` with ``recipient.id``, ``messaging_type``
  ``RESPONSE`` (within 24 h of the customer's last message).

A Messenger direct message with attachments is one Send API call for the text and one per
file, uploaded as ``multipart/form-data`` with ``recipient``, ``message`` (``attachment``
``type`` ``image`` or ``file``, ``payload.is_reusable`` false) and ``filedata``
(messenger-platform/send-messages#file); the text's message id is the reply's. The parts
already taken are remembered per reply, so a retry after a 429 on the second file does not
post the first again (the claim keeps the reply on this process).

The page's (or Instagram account's) access token goes as ``access_token``. Errors come as
``{"error": {"message", "code", ...}}``: 429 and 5xx are retried, the rest are refusals."""

from __future__ import annotations

import json
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
        self._taken: dict[str, list[str]] = {}
        """By reply: the message ids of the parts the network took so far."""

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
        if request.attachments:
            return await self._with_attachments(request, account, token)
        return await self._post(request, *self._call(request, account), token)

    async def _with_attachments(
        self, request: ReplyRequestedV1, account: StoredAccount, token: str
    ) -> str:
        if request.channel is not Channel.FACEBOOK or request.mode is not ReplyMode.DIRECT_MESSAGE:
            raise Refused("attachments go only with Messenger direct messages")
        key = str(request.reply_id)
        taken = self._taken.setdefault(key, [])
        try:
            await self._parts(request, account, token, taken)
        except (Refused, Uncertain):
            del self._taken[key]  # settled for good: no retry comes back for the rest
            raise
        del self._taken[key]
        return taken[0]

    async def _parts(
        self, request: ReplyRequestedV1, account: StoredAccount, token: str, taken: list[str]
    ) -> None:
        path = f"{account.account.network_id}/messages"
        recipient = json.dumps({"id": request.target})
        if not taken:
            taken.append(await self._post(request, *self._call(request, account), token))
        for attachment in request.attachments[len(taken) - 1 :]:
            kind = "image" if attachment.content_type.startswith("image/") else "file"
            message = {"attachment": {"type": kind, "payload": {"is_reusable": False}}}
            form = {
                "recipient": recipient,
                "messaging_type": "RESPONSE",
                "message": json.dumps(message),
            }
            file = (attachment.filename, attachment.content(), attachment.content_type)
            taken.append(
                await self._post(request, path, None, token, form=form, files={"filedata": file})
            )

    async def _post(
        self,
        request: ReplyRequestedV1,
        path: str,
        body: dict[str, Any] | None,
        token: str,
        **upload: Any,
    ) -> str:
        try:
            if upload:
                response = await self._client.post(
                    f"{self._graph}/{path}",
                    params={"access_token": token},
                    data=upload["form"],
                    files=upload["files"],
                )
            else:
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
