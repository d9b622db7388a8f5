"""Fake YouTube Data API v3: the comment threads of a channel (source:
developers.google.com/youtube/v3/docs/commentThreads/list and its resource page, as summarised
in CHANNELS.md "YouTube"; comments/list for a thread's replies by ``parentId``). Threads newest
first, ``maxResults`` per page, ``nextPageToken``, or by ``id`` (comma separated);
``/_fake/youtube/comments`` adds a comment (a reply with ``parent_id``), ``PATCH`` edits one
(its ``updatedAt`` moves) and ``DELETE`` removes one (a top-level comment with its replies)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse, Response

from devtools.fakenets.state import FakeState, Recorded

_ids = itertools.count(1)

NETWORK = "youtube"
QUOTA_EXCEEDED = {
    "error": {
        "code": 403,
        "message": "The request cannot be completed because you have exceeded your quota.",
        "errors": [{"domain": "youtube.quota", "reason": "quotaExceeded"}],
    }
}
"""The body of YouTube's answer once the day's units are spent."""


def _comment(c: dict[str, Any]) -> dict[str, Any]:
    snippet = {
        "videoId": c["video_id"],
        "textDisplay": c["text"],
        "textOriginal": c["text"],
        "authorDisplayName": c.get("author_name", ""),
        "authorChannelId": {"value": c["author_channel_id"]},
        "publishedAt": c["published_at"],
        "updatedAt": c.get("updated_at") or c["published_at"],
    }
    if c.get("parent_id"):
        snippet["parentId"] = c["parent_id"]
    return {"kind": "youtube#comment", "id": c["comment_id"], "snippet": snippet}


def _now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def router(state: FakeState) -> APIRouter:
    api = APIRouter()
    comments: list[dict[str, Any]] = state.data.setdefault(NETWORK, [])

    @api.post("/_fake/youtube/comments")
    async def add(request: Request) -> dict[str, Any]:
        """{channel_id, video_id, comment_id, text, author_channel_id, author_name,
        published_at (RFC 3339), parent_id?, no_replies? (the thread accepts no replies)}"""
        comments.append(await request.json())
        return {"comments": len(comments)}

    @api.patch("/_fake/youtube/comments/{comment_id}")
    async def edit(comment_id: str, request: Request) -> dict[str, Any]:
        """{text, updated_at? (RFC 3339, now by default)}: the author edited the comment."""
        body = await request.json()
        comment = _find(comment_id)
        comment["text"] = body["text"]
        comment["updated_at"] = body.get("updated_at") or _now()
        return {"comment_id": comment_id}

    @api.delete("/_fake/youtube/comments/{comment_id}")
    async def delete(comment_id: str) -> dict[str, Any]:
        """The author (or the channel) deleted the comment; a thread goes with its replies."""
        _find(comment_id)
        gone = [c for c in comments if comment_id in (c["comment_id"], c.get("parent_id"))]
        for c in gone:
            comments.remove(c)
        return {"removed": len(gone)}

    def _find(comment_id: str) -> dict[str, Any]:
        for c in comments:
            if c["comment_id"] == comment_id:
                return c
        raise HTTPException(404, f"no comment {comment_id}")

    @api.get("/youtube/v3/comments", response_model=None)
    async def replies(request: Request) -> Any:
        """comments.list by ``parentId``: every reply of a thread, oldest first, paged."""
        q = request.query_params
        parent = q.get("parentId", "")
        top = next((c for c in comments if c["comment_id"] == parent), None)
        channel = top["channel_id"] if top else ""
        async with state.serving(NETWORK, channel, request) as fault:
            if fault is not None:
                return fault
            if top is None:
                return JSONResponse(
                    {
                        "error": {
                            "code": 404,
                            "message": "The comment identified by parentId was not found.",
                            "errors": [{"reason": "commentNotFound"}],
                        }
                    },
                    404,
                )
            found = [c for c in comments if c.get("parent_id") == parent]
            size = min(int(q.get("maxResults", 20)), 100)
            start = int(q.get("pageToken") or 0)
            answer: dict[str, Any] = {
                "kind": "youtube#commentListResponse",
                "items": [_comment(c) for c in found[start : start + size]],
            }
            if start + size < len(found):
                answer["nextPageToken"] = str(start + size)
            return answer

    @api.get("/youtube/v3/commentThreads", response_model=None)
    async def threads(request: Request) -> Any:
        q = request.query_params
        wanted = [i for i in q.get("id", "").split(",") if i]
        channel = q.get("allThreadsRelatedToChannelId", "")
        if wanted and not channel:
            known = next((c for c in comments if c["comment_id"] in wanted), None)
            channel = known["channel_id"] if known else ""
        async with state.serving(NETWORK, channel, request) as fault:
            if fault is not None:
                return fault
            mine = [c for c in comments if c["channel_id"] == channel]
            tops = sorted(
                (
                    c
                    for c in mine
                    if not c.get("parent_id") and (not wanted or c["comment_id"] in wanted)
                ),
                key=lambda c: c["published_at"],
                reverse=True,
            )
            size = min(int(q.get("maxResults", 20)), 100)
            start = int(q.get("pageToken") or 0)
            items = []
            for top in tops[start : start + size]:
                replies = [c for c in mine if c.get("parent_id") == top["comment_id"]]
                thread: dict[str, Any] = {
                    "kind": "youtube#commentThread",
                    "id": top["comment_id"],
                    "snippet": {
                        "channelId": channel,
                        "videoId": top["video_id"],
                        "topLevelComment": _comment(top),
                        "canReply": not top.get("no_replies", False),
                        "totalReplyCount": len(replies),
                        "isPublic": True,
                    },
                }
                if replies:
                    thread["replies"] = {"comments": [_comment(r) for r in replies]}
                items.append(thread)
            answer: dict[str, Any] = {
                "kind": "youtube#commentThreadListResponse",
                "pageInfo": {"totalResults": len(tops), "resultsPerPage": size},
                "items": items,
            }
            if start + size < len(tops):
                answer["nextPageToken"] = str(start + size)
            return answer

    @api.post("/youtube/v3/comments", response_model=None)
    async def insert(request: Request) -> Any:
        """comments.insert: a reply under a top-level comment, as the channel whose token
        calls; listed by the next commentThreads poll with the id returned."""
        body = await request.json()
        state.record(
            Recorded(
                NETWORK,
                "POST",
                request.url.path,
                dict(request.query_params),
                body,
                authorization=request.headers.get("authorization", ""),
            )
        )
        snippet = body.get("snippet") or {}
        parent = next((c for c in comments if c["comment_id"] == snippet.get("parentId")), None)
        if parent is None:
            return JSONResponse(
                {
                    "error": {
                        "code": 404,
                        "message": "The parent comment was not found.",
                        "errors": [{"reason": "parentCommentNotFound"}],
                    }
                },
                404,
            )
        if parent.get("no_replies"):
            return JSONResponse(
                {
                    "error": {
                        "code": 400,
                        "message": "The thread does not accept replies.",
                        "errors": [{"reason": "operationNotSupported"}],
                    }
                },
                400,
            )
        reply_id = f"{parent['comment_id']}.reply{next(_ids)}"
        now = _now()
        comments.append(
            {
                "channel_id": parent["channel_id"],
                "video_id": parent["video_id"],
                "comment_id": reply_id,
                "text": snippet.get("textOriginal", ""),
                "author_channel_id": parent["channel_id"],
                "author_name": "Acme Brasil",
                "published_at": now,
                "parent_id": parent["comment_id"],
            }
        )
        return {"kind": "youtube#comment", "id": reply_id, "snippet": snippet}

    @api.post("/youtube/v3/comments/setModerationStatus", response_model=None)
    async def set_moderation_status(request: Request) -> Any:
        """``?id=…&moderationStatus=rejected|published|heldForReview`` → 204."""
        state.record(
            Recorded(
                NETWORK,
                "POST",
                request.url.path,
                dict(request.query_params),
                {},
                authorization=request.headers.get("authorization", ""),
            )
        )
        status = request.query_params.get("moderationStatus")
        if status not in ("rejected", "published", "heldForReview"):
            return JSONResponse(
                {
                    "error": {
                        "code": 400,
                        "message": "Invalid moderation status.",
                        "errors": [{"reason": "invalidModerationStatus"}],
                    }
                },
                400,
            )
        for c in comments:
            if c["comment_id"] == request.query_params.get("id"):
                c["moderation_status"] = status
        return Response(status_code=204)

    return api
