"""Replies on X through the v2 API, with httpx (CHANNELS.md "X"; docs.x.com
x-api/posts/creation-of-a-post, x-api/direct-messages/manage):

- a public reply to a tweet: ``POST /2/tweets`` with ``{"text", "reply":
  {"in_reply_to_tweet_id"}}`` → ``{"data": {"id"}}``;
- a direct message: ``POST /2/dm_conversations/with/{participant_id}/messages`` with
  ``{"text"}`` → ``{"data": {"dm_conversation_id", "dm_event_id"}}``.

Both need the account's user context: an OAuth 2.0 user access token (``access_token``, scopes
``tweet.write dm.write``) sent as a Bearer token. The ids returned are the ones X's Account
Activity webhook later shows for our own tweet or DM, so the echo is matched by them
(``twitter:<id>``). X refuses a DM to a user who does not accept them with a 403, shown as
the reason."""

from __future__ import annotations

import httpx

from contracts.replies import ReplyMode, ReplyRequestedV1
from ingestor.replies.base import Refused, Uncertain
from ingestor.replies.http import call
from ingestor.store.accounts_port import StoredAccount


class XSender:
    def __init__(self, client: httpx.AsyncClient, api_url: str) -> None:
        self._client = client
        self._api = api_url.rstrip("/")

    async def send(
        self, request: ReplyRequestedV1, account: StoredAccount, credentials: dict[str, str]
    ) -> str:
        token = credentials.get("access_token")
        if not token:
            raise Refused(f"account {account.account.id!r} has no access_token (OAuth 2.0)")
        headers = {"Authorization": f"Bearer {token}"}
        if request.mode is ReplyMode.COMMENT_REPLY:
            body = {"text": request.text, "reply": {"in_reply_to_tweet_id": request.target}}
            answer = await call(
                self._client, "X", "POST", f"{self._api}/2/tweets", json=body, headers=headers
            )
            posted = (answer.get("data") or {}).get("id") if isinstance(answer, dict) else None
        elif request.mode is ReplyMode.DIRECT_MESSAGE:
            url = f"{self._api}/2/dm_conversations/with/{request.target}/messages"
            answer = await call(
                self._client, "X", "POST", url, json={"text": request.text}, headers=headers
            )
            data = (answer.get("data") or {}) if isinstance(answer, dict) else {}
            posted = data.get("dm_event_id")
        else:
            raise Refused(f"X cannot send a {request.mode.value.replace('_', ' ')}")
        if not posted:
            raise Uncertain("X took the reply without giving its id")
        return str(posted)
