"""Fake X: Account Activity webhook deliveries signed with ``x-twitter-webhooks-signature``,
the CRC check X makes of the webhook, and the v2 calls replies make.

Shapes, as summarised in CHANNELS.md "X", come from developer.x.com:
- CRC and signature: account-activity-api/guides/securing-webhooks;
- delivery (``for_user_id``, ``tweet_create_events``, ``direct_message_events``,
  ``tweet_delete_events``, ``users``): account-activity-api/guides/account-activity-data-objects;
- replies ``POST /2/tweets`` and DMs ``POST /2/dm_conversations/with/{id}/messages``:
  docs.x.com x-api/posts/creation-of-a-post and x-api/direct-messages/manage.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import secrets
import time
from datetime import UTC, datetime
from typing import Any

import httpx
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from devtools.fakenets.state import FakeState, Recorded

SIGNATURE = "x-twitter-webhooks-signature"
_ids = itertools.count(1)


def sign(data: bytes, consumer_secret: str) -> str:
    """``sha256=`` + base64 HMAC-SHA256 with the consumer secret (CRC tokens and bodies)."""
    mac = hmac.new(consumer_secret.encode(), data, hashlib.sha256).digest()
    return "sha256=" + base64.b64encode(mac).decode()


def encode(delivery: dict[str, Any]) -> bytes:
    return json.dumps(delivery, ensure_ascii=False, separators=(",", ":")).encode()


def _created_at(when: float | None) -> str:
    """X's v1.1 time format: ``Wed Oct 10 20:19:24 +0000 2018``."""
    moment = datetime.fromtimestamp(when if when is not None else time.time(), UTC)
    return moment.strftime("%a %b %d %H:%M:%S +0000 %Y")


def user(user_id: str, screen_name: str, name: str = "") -> dict[str, Any]:
    return {
        "id": int(user_id) if user_id.isdigit() else user_id,
        "id_str": user_id,
        "name": name or screen_name,
        "screen_name": screen_name,
        "followers_count": 12,
        "description": "",
    }


def tweet(
    *,
    tweet_id: str,
    author: dict[str, Any],
    text: str,
    in_reply_to: str | None = None,
    in_reply_to_user: str | None = None,
    created: float | None = None,
    initial_tweet_id: str | None = None,
) -> dict[str, Any]:
    """One tweet as ``tweet_create_events`` carries it: a mention, a reply, or the account's
    own. ``initial_tweet_id`` makes it the edit of an earlier tweet (``edit_history``)."""
    value: dict[str, Any] = {
        "created_at": _created_at(created),
        "id_str": tweet_id,
        "text": text,
        "user": author,
        "in_reply_to_status_id_str": in_reply_to,
        "in_reply_to_user_id_str": in_reply_to_user,
        "entities": {"user_mentions": []},
        "timestamp_ms": str(int((created or time.time()) * 1000)),
        "edit_history": {
            "initial_tweet_id": initial_tweet_id or tweet_id,
            "edit_tweet_ids": [initial_tweet_id, tweet_id] if initial_tweet_id else [tweet_id],
        },
    }
    return value


def direct_message(
    *, event_id: str, sender_id: str, recipient_id: str, text: str, created_ms: int | None = None
) -> dict[str, Any]:
    """One ``direct_message_events`` element (``message_create``)."""
    return {
        "type": "message_create",
        "id": event_id,
        "created_timestamp": str(created_ms if created_ms is not None else int(time.time() * 1000)),
        "message_create": {
            "target": {"recipient_id": recipient_id},
            "sender_id": sender_id,
            "message_data": {"text": text, "entities": {}},
        },
    }


def deletion(*, tweet_id: str, user_id: str, when_ms: int | None = None) -> dict[str, Any]:
    """One ``tweet_delete_events`` element."""
    stamp = when_ms if when_ms is not None else int(time.time() * 1000)
    return {"status": {"id": tweet_id, "user_id": user_id}, "timestamp_ms": str(stamp)}


def delivery(for_user_id: str, **events: Any) -> dict[str, Any]:
    """``{"for_user_id": ..., "tweet_create_events": [...], "users": {...}, ...}``."""
    return {"for_user_id": for_user_id, **events}


def router(state: FakeState) -> APIRouter:
    api = APIRouter()

    @api.post("/_fake/x/deliver")
    async def deliver(request: Request) -> dict[str, Any]:
        """Sends the posted delivery to the webhook, signed; ``?signature=`` overrides the
        header (``none`` leaves it out) and ``?tamper=1`` changes the body after signing."""
        body = await request.body()
        headers = {"Content-Type": "application/json"}
        override = request.query_params.get("signature")
        if override != "none":
            headers[SIGNATURE] = override or sign(body, state.x_consumer_secret)
        if request.query_params.get("tamper"):
            body = body.replace(b'"', b' "', 1)
        async with httpx.AsyncClient(timeout=30) as client:
            answer = await client.post(state.x_webhook_url, content=body, headers=headers)
        return {"status": answer.status_code, "body": answer.text}

    @api.post("/_fake/x/crc")
    async def crc() -> dict[str, Any]:
        """X's CRC check: a fresh ``crc_token``; ``valid`` when the webhook's
        ``response_token`` is the one only the consumer secret's holder can compute."""
        token = secrets.token_urlsafe(24)
        async with httpx.AsyncClient(timeout=30) as client:
            answer = await client.get(state.x_webhook_url, params={"crc_token": token})
        try:
            given = answer.json().get("response_token")
        except ValueError:
            given = None
        expected = sign(token.encode(), state.x_consumer_secret)
        return {"status": answer.status_code, "valid": given == expected, "body": answer.text}

    @api.post("/2/tweets")
    async def create_tweet(request: Request) -> dict[str, Any]:
        """A reply: ``{"text", "reply": {"in_reply_to_tweet_id"}}`` → ``{"data": {id, text}}``."""
        body = await request.json()
        state.record(
            Recorded(
                "x",
                "POST",
                request.url.path,
                dict(request.query_params),
                body,
                authorization=request.headers.get("authorization", ""),
            )
        )
        return {"data": {"id": str(1_900_000_000_000 + next(_ids)), "text": body.get("text", "")}}

    closed: set[str] = state.data.setdefault("x_closed_dms", set())

    @api.post("/_fake/x/closed-dms/{user_id}")
    async def close_dms(user_id: str) -> dict[str, Any]:
        """The user accepts DMs only from accounts they follow, and not this one."""
        closed.add(user_id)
        return {"closed": sorted(closed)}

    @api.post("/2/dm_conversations/with/{participant_id}/messages", response_model=None)
    async def send_dm(participant_id: str, request: Request) -> Any:
        body = await request.json()
        state.record(
            Recorded(
                "x",
                "POST",
                request.url.path,
                dict(request.query_params),
                body,
                authorization=request.headers.get("authorization", ""),
            )
        )
        if participant_id in closed:
            return JSONResponse(
                {
                    "title": "Forbidden",
                    "detail": "You cannot send messages to users who are not following you.",
                    "type": "https://api.twitter.com/2/problems/not-authorized-for-resource",
                },
                403,
            )
        return {
            "data": {
                "dm_conversation_id": f"{participant_id}-brand",
                "dm_event_id": str(1_800_000_000_000 + next(_ids)),
            }
        }

    @api.put("/2/tweets/{tweet_id}/hidden")
    async def hide_reply(tweet_id: str, request: Request) -> dict[str, Any]:
        """Hide replies: ``{"hidden": bool}`` → ``{"data": {"hidden": bool}}``."""
        body = await request.json()
        state.record(
            Recorded(
                "x",
                "PUT",
                request.url.path,
                dict(request.query_params),
                body,
                authorization=request.headers.get("authorization", ""),
            )
        )
        return {"data": {"hidden": bool(body.get("hidden"))}}

    return api
