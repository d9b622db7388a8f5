"""Replies to Google Business Profile reviews, with httpx (CHANNELS.md "Google Business Profile
reviews"; developers.google.com/my-business accounts.locations.reviews/updateReply):
``PUT /v4/{review name}/reply`` with ``{"comment"}`` as the location's manager (an OAuth
``access_token``). A review holds one reply: this call creates it or replaces the one there,
so ticketing refuses a second reply to a review rather than overwrite the first unseen. The
answer is the ReviewReply (``comment``, ``updateTime``) with no id of its own: the network id
is ``<review name>/reply``. Polls ignore ``reviewReply``, so there is no echo to match."""

from __future__ import annotations

import httpx

from contracts.replies import ReplyMode, ReplyRequestedV1
from ingestor.replies.base import Refused
from ingestor.replies.http import call
from ingestor.store.accounts_port import StoredAccount


class GoogleReviewSender:
    def __init__(self, client: httpx.AsyncClient, base_url: str) -> None:
        self._client = client
        self._base = base_url.rstrip("/")

    async def send(
        self, request: ReplyRequestedV1, account: StoredAccount, credentials: dict[str, str]
    ) -> str:
        if request.mode is not ReplyMode.COMMENT_REPLY:
            raise Refused("Google reviews take only the location's public reply")
        token = credentials.get("access_token")
        if not token:
            raise Refused(f"account {account.account.id!r} has no OAuth access_token")
        name = request.target
        if not name.startswith("accounts/"):
            # The poller names reviews by reviewId; the reply needs the review's full name.
            name = f"{account.account.network_id}/reviews/{name}"
        await call(
            self._client,
            "Google",
            "PUT",
            f"{self._base}/v4/{name}/reply",
            json={"comment": request.text},
            headers={"Authorization": f"Bearer {token}"},
        )
        return f"{name}/reply"
