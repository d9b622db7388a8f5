"""Fake LinkedIn Community Management API: an organisation's posts and their comments (source:
learn.microsoft.com/linkedin/marketing/community-management/shares/posts-api and
…/shares/comments-api; not in CHANNELS.md, so treated as unconfirmed). ``elements[]`` with
``paging {start, count, total}``. ``/_fake/linkedin/comments`` adds a comment (and its post)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from devtools.fakenets.state import FakeState

NETWORK = "linkedin"


def router(state: FakeState) -> APIRouter:
    api = APIRouter()
    posts: dict[str, list[str]] = state.data.setdefault("linkedin_posts", {})
    comments: dict[str, list[dict[str, Any]]] = state.data.setdefault(NETWORK, {})

    @api.post("/_fake/linkedin/comments")
    async def add(request: Request) -> dict[str, Any]:
        """{organization: "urn:li:organization:…", post: "urn:li:share:…", comment_id, actor,
        text, time_ms}"""
        body = await request.json()
        org_posts = posts.setdefault(body["organization"], [])
        if body["post"] not in org_posts:
            org_posts.insert(0, body["post"])
        activity = body["post"].rsplit(":", 1)[-1]
        comments.setdefault(body["post"], []).append(
            {
                "id": body["comment_id"],
                "commentUrn": f"urn:li:comment:(urn:li:activity:{activity},{body['comment_id']})",
                "actor": body["actor"],
                "object": body["post"],
                "message": {"text": body["text"]},
                "created": {"actor": body["actor"], "time": body["time_ms"]},
                "lastModified": {"actor": body["actor"], "time": body["time_ms"]},
            }
        )
        return {"comments": sum(len(c) for c in comments.values())}

    @api.get("/rest/posts", response_model=None)
    async def list_posts(request: Request) -> Any:
        org = request.query_params.get("author", "")
        async with state.serving(NETWORK, org, request) as fault:
            if fault is not None:
                return fault
            count = int(request.query_params.get("count", 10))
            mine = posts.get(org, [])[:count]
            return {
                "elements": [{"id": p, "author": org} for p in mine],
                "paging": {"start": 0, "count": count, "total": len(posts.get(org, []))},
            }

    @api.get("/rest/socialActions/{urn}/comments", response_model=None)
    async def list_comments(urn: str, request: Request) -> Any:
        org = next((o for o, p in posts.items() if urn in p), "")
        async with state.serving(NETWORK, org, request) as fault:
            if fault is not None:
                return fault
            start = int(request.query_params.get("start", 0))
            count = int(request.query_params.get("count", 10))
            mine = comments.get(urn, [])
            return {
                "elements": mine[start : start + count],
                "paging": {"start": start, "count": count, "total": len(mine)},
            }

    return api
