"""Fake YouTube Data API v3: the comment threads of a channel (source:
developers.google.com/youtube/v3/docs/commentThreads/list and its resource page, as summarised
in CHANNELS.md "YouTube"). Threads newest first, ``maxResults`` per page, ``nextPageToken``;
``/_fake/youtube/comments`` adds a comment (a reply with ``parent_id``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from devtools.fakenets.state import FakeState

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
        "updatedAt": c["published_at"],
    }
    if c.get("parent_id"):
        snippet["parentId"] = c["parent_id"]
    return {"kind": "youtube#comment", "id": c["comment_id"], "snippet": snippet}


def router(state: FakeState) -> APIRouter:
    api = APIRouter()
    comments: list[dict[str, Any]] = state.data.setdefault(NETWORK, [])

    @api.post("/_fake/youtube/comments")
    async def add(request: Request) -> dict[str, Any]:
        """{channel_id, video_id, comment_id, text, author_channel_id, author_name,
        published_at (RFC 3339), parent_id?}"""
        comments.append(await request.json())
        return {"comments": len(comments)}

    @api.get("/youtube/v3/commentThreads", response_model=None)
    async def threads(request: Request) -> Any:
        q = request.query_params
        channel = q.get("allThreadsRelatedToChannelId", "")
        async with state.serving(NETWORK, channel, request) as fault:
            if fault is not None:
                return fault
            mine = [c for c in comments if c["channel_id"] == channel]
            tops = sorted(
                (c for c in mine if not c.get("parent_id")),
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
                        "canReply": True,
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

    return api
