"""Fake Google Business Profile reviews (source: developers.google.com/my-business, v4
accounts.locations.reviews list, as summarised in CHANNELS.md "Google Business Profile
reviews"): ``reviews[]`` newest update first, ``pageSize``, ``nextPageToken``,
``averageRating``, ``totalReviewCount``. ``/_fake/google/reviews`` adds, edits (PATCH) and
deletes reviews, as their authors do."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, HTTPException, Request

from devtools.fakenets.state import FakeState, Recorded

NETWORK = "google"
STARS = ["ONE", "TWO", "THREE", "FOUR", "FIVE"]


def _now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def router(state: FakeState) -> APIRouter:
    api = APIRouter()
    reviews: dict[str, dict[str, Any]] = state.data.setdefault(NETWORK, {})

    @api.post("/_fake/google/reviews")
    async def add(request: Request) -> dict[str, Any]:
        """{location: "accounts/…/locations/…", review_id, comment, stars (1-5), reviewer}"""
        body = await request.json()
        when = body.get("create_time") or _now()
        reviews[body["review_id"]] = {
            "location": body["location"],
            "review": {
                "name": f"{body['location']}/reviews/{body['review_id']}",
                "reviewId": body["review_id"],
                "reviewer": {"displayName": body.get("reviewer", "Cliente"), "isAnonymous": False},
                "starRating": STARS[int(body.get("stars", 5)) - 1],
                "comment": body.get("comment", ""),
                "createTime": when,
                "updateTime": when,
            },
        }
        return reviews[body["review_id"]]["review"]  # type: ignore[no-any-return]

    @api.patch("/_fake/google/reviews/{review_id}")
    async def edit(review_id: str, request: Request) -> dict[str, Any]:
        """The author edits the review: new comment (and stars), a later updateTime."""
        if review_id not in reviews:
            raise HTTPException(404)
        body = await request.json()
        review = reviews[review_id]["review"]
        review["comment"] = body.get("comment", review["comment"])
        if "stars" in body:
            review["starRating"] = STARS[int(body["stars"]) - 1]
        review["updateTime"] = body.get("update_time") or _now()
        return review  # type: ignore[no-any-return]

    @api.delete("/_fake/google/reviews/{review_id}")
    async def delete(review_id: str) -> dict[str, bool]:
        """The author deletes the review: it is no longer listed."""
        return {"deleted": reviews.pop(review_id, None) is not None}

    @api.get("/v4/accounts/{account}/locations/{location}/reviews", response_model=None)
    async def listing(account: str, location: str, request: Request) -> Any:
        where = f"accounts/{account}/locations/{location}"
        async with state.serving(NETWORK, where, request) as fault:
            if fault is not None:
                return fault
            mine = sorted(
                (r["review"] for r in reviews.values() if r["location"] == where),
                key=lambda r: r["updateTime"],
                reverse=True,
            )
            size = min(int(request.query_params.get("pageSize", 50)), 50)
            start = int(request.query_params.get("pageToken") or 0)
            answer: dict[str, Any] = {
                "reviews": mine[start : start + size],
                "averageRating": (
                    sum(STARS.index(r["starRating"]) + 1 for r in mine) / len(mine) if mine else 0
                ),
                "totalReviewCount": len(mine),
            }
            if start + size < len(mine):
                answer["nextPageToken"] = str(start + size)
            return answer

    @api.put("/v4/accounts/{account}/locations/{location}/reviews/{review_id}/reply")
    async def reply(account: str, location: str, review_id: str, request: Request) -> Any:
        """updateReply: creates the review's one reply or replaces it."""
        body = await request.json()
        state.record(
            Recorded(
                NETWORK,
                "PUT",
                request.url.path,
                dict(request.query_params),
                body,
                authorization=request.headers.get("authorization", ""),
            )
        )
        if review_id not in reviews:
            raise HTTPException(404)
        answer = {"comment": body.get("comment", ""), "updateTime": _now()}
        reviews[review_id]["review"]["reviewReply"] = answer
        return answer

    return api
