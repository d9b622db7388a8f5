"""Replies on YouTube through the Data API v3, with httpx (CHANNELS.md "YouTube";
developers.google.com/youtube/v3/docs/comments/insert): ``POST /youtube/v3/comments?
part=snippet`` with ``{"snippet": {"parentId": <top-level comment>, "textOriginal"}}``, as the
channel (an OAuth ``access_token`` with the ``youtube.force-ssl`` scope). It costs 50 quota
units. A thread whose ``canReply`` is false answers ``operationNotSupported``; ticketing refuses
those replies before they are queued when the poll saw it. The id returned is the reply
comment's, which the next poll lists as the channel's own comment (the echo, ``youtube:<id>``)."""

from __future__ import annotations

import httpx

from contracts.replies import ReplyMode, ReplyRequestedV1
from ingestor.replies.base import Refused, Uncertain
from ingestor.replies.http import call
from ingestor.store.accounts_port import StoredAccount


class YouTubeSender:
    def __init__(self, client: httpx.AsyncClient, base_url: str) -> None:
        self._client = client
        self._base = base_url.rstrip("/")

    async def send(
        self, request: ReplyRequestedV1, account: StoredAccount, credentials: dict[str, str]
    ) -> str:
        if request.mode is not ReplyMode.COMMENT_REPLY:
            raise Refused("YouTube has no private replies or direct messages")
        token = credentials.get("access_token")
        if not token:
            raise Refused(f"account {account.account.id!r} has no OAuth access_token")
        answer = await call(
            self._client,
            "YouTube",
            "POST",
            f"{self._base}/youtube/v3/comments",
            params={"part": "snippet"},
            json={"snippet": {"parentId": request.target, "textOriginal": request.text}},
            headers={"Authorization": f"Bearer {token}"},
        )
        posted = answer.get("id") if isinstance(answer, dict) else None
        if not posted:
            raise Uncertain("YouTube took the reply without giving its id")
        return str(posted)
