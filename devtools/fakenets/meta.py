"""Fake Meta (Facebook Pages, Messenger, Instagram): webhook deliveries signed with
``X-Hub-Signature-256`` and the Graph API calls the connectors make.

Shapes, as summarised in CHANNELS.md "Meta", come from developers.facebook.com:
- delivery envelope, signature, verification: graph-api/webhooks/getting-started;
- page ``feed`` changes (comments added/edited/removed): graph-api/webhooks/reference/page and
  pages-api/webhooks-for-pages;
- Messenger ``messaging`` events and echoes: messenger-platform/webhooks;
- Instagram comments and messages: instagram-platform/webhooks/examples;
- Send API answers: messenger-platform/send-api-reference; comment replies: pages/publishing;
- the reconciliation poll's reads: graph-api/reference/page/feed (posts with ``comments``),
  graph-api/reference/page/conversations (``messages``), ``data[]`` and ``paging.next``.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import time
from datetime import UTC, datetime
from email.parser import BytesParser
from email.policy import default
from typing import Any

import httpx
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from devtools.fakenets.state import FakeState, Recorded

GRAPH_VERSION = "v21.0"
_ids = itertools.count(1)


def sign(body: bytes, app_secret: str) -> str:
    """The ``X-Hub-Signature-256`` header value: HMAC-SHA256 of the raw body, lowercase hex."""
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


def encode(delivery: dict[str, Any]) -> bytes:
    """As Meta sends it: non-ASCII escaped (``\\u00e9``), which is what the signature covers."""
    return json.dumps(delivery, ensure_ascii=True, separators=(",", ":")).encode()


def delivery(object_: str, entries: list[dict[str, Any]]) -> dict[str, Any]:
    """``{"object": "page" | "instagram", "entry": [...]}``; up to 1,000 entries."""
    return {"object": object_, "entry": entries}


def page_comment(
    *,
    page_id: str,
    comment_id: str,
    post_id: str,
    from_id: str,
    from_name: str = "",
    message: str = "",
    verb: str = "add",
    parent_id: str | None = None,
    created_time: int | None = None,
) -> dict[str, Any]:
    """One page entry with one ``feed`` change about a comment (verb add, edited, remove...).
    ``created_time`` is Unix seconds, as the page webhook reference shows it."""
    created = created_time if created_time is not None else int(time.time())
    return {
        "id": page_id,
        "time": created,
        "changes": [
            {
                "field": "feed",
                "value": {
                    "item": "comment",
                    "verb": verb,
                    "comment_id": comment_id,
                    "post_id": post_id,
                    "parent_id": parent_id or post_id,
                    "from": {"id": from_id, "name": from_name},
                    "message": message,
                    "created_time": created,
                },
            }
        ],
    }


def direct_message(
    *,
    account_id: str,
    customer_id: str,
    mid: str,
    text: str,
    echo: bool = False,
    timestamp_ms: int | None = None,
) -> dict[str, Any]:
    """One Messenger (object page) or Instagram (object instagram) messaging entry. An echo is
    the brand's own message: the sender is the page and the recipient the customer."""
    stamp = timestamp_ms if timestamp_ms is not None else int(time.time() * 1000)
    sender, recipient = (account_id, customer_id) if echo else (customer_id, account_id)
    message: dict[str, Any] = {"mid": mid, "text": text}
    if echo:
        message["is_echo"] = True
    return {
        "id": account_id,
        "time": stamp,
        "messaging": [
            {
                "sender": {"id": sender},
                "recipient": {"id": recipient},
                "timestamp": stamp,
                "message": message,
            }
        ],
    }


def instagram_comment(
    *,
    ig_id: str,
    comment_id: str,
    media_id: str,
    from_id: str,
    username: str,
    text: str,
    parent_id: str | None = None,
) -> dict[str, Any]:
    """One instagram entry with one ``comments`` change."""
    value: dict[str, Any] = {
        "id": comment_id,
        "from": {"id": from_id, "username": username},
        "text": text,
        "media": {"id": media_id, "media_product_type": "FEED"},
    }
    if parent_id:
        value["parent_id"] = parent_id
    return {
        "id": ig_id,
        "time": int(time.time()),
        "changes": [{"field": "comments", "value": value}],
    }


def _graph_time(unix: int) -> str:
    """The Graph API's times: ``2026-11-30T12:00:00+0000``."""
    return datetime.fromtimestamp(unix, UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


def graph_error(status: int, message: str, code: int, **headers: str) -> JSONResponse:
    """Graph API errors: ``{"error": {"message", "type", "code", "fbtrace_id"}}``
    (developers.facebook.com/docs/graph-api/guides/error-handling)."""
    body = {
        "error": {"message": message, "type": "OAuthException", "code": code, "fbtrace_id": "F"}
    }
    return JSONResponse(body, status_code=status, headers=headers)


def _scripted(state: FakeState) -> JSONResponse | None:
    answer = state.scripted()
    if answer is None:
        return None
    headers = {"Retry-After": str(answer["retry_after"])} if "retry_after" in answer else {}
    return graph_error(
        int(answer.get("status", 500)),
        str(answer.get("message", "scripted failure")),
        int(answer.get("code", 2)),
        **headers,
    )


def _form(content_type: str, raw: bytes) -> dict[str, Any]:
    """An attachment upload (``multipart/form-data``: ``recipient`` and ``message`` as JSON,
    the file as ``filedata``), read with the standard library's MIME parser. The file is
    recorded by its name, type, size and SHA-256."""
    parsed = BytesParser(policy=default).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + raw
    )
    body: dict[str, Any] = {}
    for part in parsed.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True) or b""
        if name == "filedata":
            body["filedata"] = {
                "filename": part.get_filename(),
                "content_type": part.get_content_type(),
                "size": len(payload),
                "sha256": hashlib.sha256(payload).hexdigest(),
            }
        elif name in ("recipient", "message"):
            body[str(name)] = json.loads(payload)
        elif name:
            body[str(name)] = payload.decode()
    return body


def router(state: FakeState) -> APIRouter:
    api = APIRouter()
    feed: list[dict[str, Any]] = state.data.setdefault("meta_comments", [])
    inbox: list[dict[str, Any]] = state.data.setdefault("meta_messages", [])

    @api.post("/_fake/meta/comments")
    async def add_comment(request: Request) -> dict[str, int]:
        """A comment the page's feed shows (whether or not its webhook was ever sent):
        {page_id, post_id, comment_id, from_id, from_name, message, created_time (Unix),
        parent_id?}."""
        feed.append(await request.json())
        return {"comments": len(feed)}

    ig_comments: list[dict[str, Any]] = state.data.setdefault("instagram_comments", [])

    @api.post("/_fake/instagram/comments")
    async def add_ig_comment(request: Request) -> dict[str, int]:
        """A comment on an Instagram account's media (a reply with ``parent_id``): {ig_id,
        media_id, comment_id, from_id, username, text, created_time (Unix), parent_id?}."""
        ig_comments.append(await request.json())
        return {"comments": len(ig_comments)}

    @api.get("/{version}/{ig_id}/media", response_model=None)
    async def ig_media(version: str, ig_id: str, request: Request) -> Any:
        """``GET /{ig-user-id}/media`` with each media's comments and their replies
        (instagram-platform/instagram-graph-api/reference/ig-user/media)."""
        async with state.serving("meta", ig_id, request) as fault:
            if fault is not None:
                return fault
            since = int(request.query_params.get("since") or 0)
            mine = sorted(
                (c for c in ig_comments if c["ig_id"] == ig_id and c["created_time"] >= since),
                key=lambda c: c["created_time"],
            )

            def shown(c: dict[str, Any]) -> dict[str, Any]:
                return {
                    "id": c["comment_id"],
                    "text": c.get("text", ""),
                    "from": {"id": c["from_id"], "username": c.get("username", "")},
                    "timestamp": _graph_time(c["created_time"]),
                }

            media: dict[str, dict[str, dict[str, Any]]] = {}
            for c in mine:
                if not c.get("parent_id"):
                    media.setdefault(c["media_id"], {})[c["comment_id"]] = {
                        **shown(c),
                        "replies": {"data": []},
                    }
            for c in mine:
                top = media.get(c["media_id"], {}).get(c.get("parent_id") or "")
                if top is not None:
                    top["replies"]["data"].append(shown(c))
            items = [{"id": m, "comments": {"data": list(cs.values())}} for m, cs in media.items()]
            return _page(request, items)

    @api.post("/_fake/meta/messages")
    async def add_message(request: Request) -> dict[str, int]:
        """A Messenger message in the page's conversations: {page_id, customer_id, mid, text,
        echo, created_time (Unix)}."""
        inbox.append(await request.json())
        return {"messages": len(inbox)}

    def _page(request: Request, items: list[dict[str, Any]], size: int = 25) -> dict[str, Any]:
        start = int(request.query_params.get("after") or 0)
        answer: dict[str, Any] = {"data": items[start : start + size], "paging": {}}
        if start + size < len(items):
            query = dict(request.query_params) | {"after": str(start + size)}
            answer["paging"]["next"] = str(request.url.replace_query_params(**query))
        return answer

    @api.get("/{version}/{page_id}/feed", response_model=None)
    async def page_feed(version: str, page_id: str, request: Request) -> Any:
        async with state.serving("meta", page_id, request) as fault:
            if fault is not None:
                return fault
            since = int(request.query_params.get("since") or 0)
            mine = [c for c in feed if c["page_id"] == page_id and c["created_time"] >= since]
            posts: dict[str, list[dict[str, Any]]] = {}
            for c in sorted(mine, key=lambda c: c["created_time"]):
                comment: dict[str, Any] = {
                    "id": c["comment_id"],
                    "message": c.get("message", ""),
                    "from": {"id": c["from_id"], "name": c.get("from_name", "")},
                    "created_time": _graph_time(c["created_time"]),
                }
                if c.get("parent_id") and c["parent_id"] != c["post_id"]:
                    comment["parent"] = {"id": c["parent_id"]}
                posts.setdefault(c["post_id"], []).append(comment)
            items = [{"id": p, "comments": {"data": cs}} for p, cs in posts.items()]
            return _page(request, items)

    @api.get("/{version}/{page_id}/conversations", response_model=None)
    async def conversations(version: str, page_id: str, request: Request) -> Any:
        async with state.serving("meta", page_id, request) as fault:
            if fault is not None:
                return fault
            threads: dict[str, list[dict[str, Any]]] = {}
            for m in sorted(inbox, key=lambda m: m["created_time"]):
                if m["page_id"] != page_id:
                    continue
                sender, to = (
                    (page_id, m["customer_id"]) if m.get("echo") else (m["customer_id"], page_id)
                )
                threads.setdefault(m["customer_id"], []).append(
                    {
                        "id": m["mid"],
                        "message": m.get("text", ""),
                        "from": {"id": sender},
                        "to": {"data": [{"id": to}]},
                        "created_time": _graph_time(m["created_time"]),
                    }
                )
            items = [
                {
                    "id": f"t_{customer}",
                    "updated_time": messages[-1]["created_time"],
                    "messages": {"data": list(reversed(messages))},
                }
                for customer, messages in threads.items()
            ]
            return _page(request, items)

    @api.post("/_fake/meta/script")
    async def script(request: Request) -> dict[str, int]:
        """Queue answers for the next publishing calls (replies, messages), e.g.
        ``[{"status": 429, "retry_after": 1, "code": 4}]``; each call takes one, then calls
        succeed again. Scripted calls are recorded like the others."""
        return {"queued": state.queue_answers(await request.json())}

    @api.post("/_fake/meta/deliver")
    async def deliver(request: Request) -> dict[str, Any]:
        """Sends the posted delivery to the webhook, signed; ``?signature=`` overrides the
        header (``none`` leaves it out) and ``?tamper=1`` changes the body after signing, for
        the refusal tests. Answers with the webhook's status and body."""
        body = await request.body()
        headers = {"Content-Type": "application/json"}
        override = request.query_params.get("signature")
        if override != "none":
            headers["X-Hub-Signature-256"] = override or sign(body, state.meta_app_secret)
        if request.query_params.get("tamper"):
            body = body.replace(b'"', b' "', 1)
        async with httpx.AsyncClient(timeout=30) as client:
            answer = await client.post(state.meta_webhook_url, content=body, headers=headers)
        return {"status": answer.status_code, "body": answer.text}

    @api.post("/_fake/meta/verify")
    async def verify(request: Request) -> dict[str, Any]:
        """Meta's verification request, with the configured token unless ``?token=`` says."""
        challenge = str(next(_ids) * 7919)
        params = {
            "hub.mode": "subscribe",
            "hub.verify_token": request.query_params.get("token", state.meta_verify_token),
            "hub.challenge": challenge,
        }
        async with httpx.AsyncClient(timeout=30) as client:
            answer = await client.get(state.meta_webhook_url, params=params)
        return {"status": answer.status_code, "body": answer.text, "challenge": challenge}

    @api.post("/{version}/{node_id}/messages")
    async def send_message(version: str, node_id: str, request: Request) -> Any:
        """Send API: ``{recipient_id, message_id}``. A private reply names
        ``recipient.comment_id``; a second one to the same comment fails with code 10900,
        as Meta's private replies guide says."""
        if request.headers.get("content-type", "").startswith("multipart/form-data"):
            body = _form(request.headers["content-type"], await request.body())
        else:
            body = await request.json()
        state.record(Recorded("meta", "POST", request.url.path, dict(request.query_params), body))
        await asyncio.sleep(state.meta_delay_seconds)
        if (failure := _scripted(state)) is not None:
            return failure
        recipient = body.get("recipient", {})
        comment = recipient.get("comment_id")
        if comment and not state.first_private_reply(str(comment)):
            return graph_error(400, "Activity already replied to", 10900)
        return {"recipient_id": recipient.get("id", ""), "message_id": f"m_{next(_ids)}"}

    moderated: dict[str, str] = state.data.setdefault("meta_moderation", {})

    @api.post("/{version}/{node_id}", response_model=None)
    async def update_node(version: str, node_id: str, request: Request) -> Any:
        """Hide or unhide a comment: Facebook ``is_hidden``, Instagram ``hide``."""
        if not version.startswith("v"):
            return JSONResponse({"detail": "Not Found"}, 404)
        query = dict(request.query_params)
        state.record(Recorded("meta", "POST", request.url.path, query, {}))
        flag = query.get("is_hidden", query.get("hide"))
        if flag is None:
            return graph_error(400, "(#100) Nothing to update", 100)
        moderated[node_id] = "hidden" if flag == "true" else "visible"
        return {"success": True}

    @api.delete("/{version}/{node_id}", response_model=None)
    async def delete_node(version: str, node_id: str, request: Request) -> Any:
        query = dict(request.query_params)
        state.record(Recorded("meta", "DELETE", request.url.path, query, {}))
        if moderated.get(node_id) == "deleted":
            return graph_error(400, "(#100) Object does not exist", 100)
        moderated[node_id] = "deleted"
        return {"success": True}

    @api.post("/{version}/{node_id}/{edge}")
    async def publish(version: str, node_id: str, edge: str, request: Request) -> Any:
        """Comment replies (``comments``, Instagram ``replies``) and ``subscribed_apps``."""
        raw = await request.body()
        body = json.loads(raw) if raw.strip() else {}
        state.record(Recorded("meta", "POST", request.url.path, dict(request.query_params), body))
        if edge == "subscribed_apps":
            return {"success": True}
        await asyncio.sleep(state.meta_delay_seconds)
        if (failure := _scripted(state)) is not None:
            return failure
        return {"id": f"{node_id}_{next(_ids)}"}

    return api
