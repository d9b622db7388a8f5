"""Google Business Profile reviews of a location (CHANNELS.md "Google Business Profile
reviews"; source: developers.google.com/my-business v4 accounts.locations.reviews list).

``GET /v4/{accounts/…/locations/…}/reviews?pageSize=50&orderBy=updateTime desc&pageToken=…``.
Each poll reads the whole list (a location's reviews are few; 300 calls a minute): a review
never seen is an interaction, one whose ``updateTime`` moved is an edit
(interaction.changed.v1), and one no longer listed was deleted (removed). The cursor keeps
each known review's ``updateTime``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from contracts.events import InteractionChangedV1
from contracts.interaction import Author, Channel, Interaction, Kind
from ingestor.pollers.base import Poll

STARS = {"ONE": 1, "TWO": 2, "THREE": 3, "FOUR": 4, "FIVE": 5}
ACTOR = f"network:{Channel.GOOGLE_BUSINESS.value}"


def _when(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _review(poll: Poll, review: dict[str, Any]) -> Interaction:
    reviewer = review.get("reviewer") or {}
    name = reviewer.get("displayName", "")
    return Interaction(
        channel=Channel.GOOGLE_BUSINESS,
        account=poll.account.id,
        external_id=str(review["reviewId"]),
        thread_id=str(review.get("name") or review["reviewId"]),
        kind=Kind.REVIEW,
        author=Author(id=reviewer.get("profilePhotoUrl") or name or "anonymous", name=name),
        text=review.get("comment", ""),
        rating=STARS.get(review.get("starRating", "")),
        occurred_at=_when(review["createTime"]),
        raw={k: v for k, v in review.items() if k != "reviewReply"},
    )


async def poll(poll: Poll) -> dict[str, Any]:
    known: dict[str, str] = dict(poll.state.get("known") or {})
    headers = {"Authorization": f"Bearer {poll.credentials.get('access_token', '')}"}
    params: dict[str, Any] = {"pageSize": 50, "orderBy": "updateTime desc"}
    listed: dict[str, dict[str, Any]] = {}
    while True:
        page = await poll.network.get(
            f"/v4/{poll.account.network_id}/reviews", params=params, headers=headers
        )
        for review in page.get("reviews", []):
            with poll.found.item("review without a reviewId", review):
                listed[str(review["reviewId"])] = review
        token = page.get("nextPageToken")
        if not token:
            break
        params["pageToken"] = token
    # Only a complete listing gets here: a review missing from it was deleted.
    key = Channel.GOOGLE_BUSINESS.value
    for review_id, review in listed.items():
        with poll.found.item(f"review {review_id}", review):
            updated = review.get("updateTime") or review["createTime"]
            if review_id not in known:
                poll.found.interactions.append(_review(poll, review))
            elif known[review_id] != updated:
                poll.found.changes.append(
                    InteractionChangedV1(
                        key=f"{key}:{review_id}",
                        change="edited",
                        text=review.get("comment", ""),
                        changed_at=_when(updated),
                        actor=ACTOR,
                    )
                )
    for review_id in sorted(set(known) - set(listed)):
        poll.found.changes.append(
            InteractionChangedV1(
                key=f"{key}:{review_id}", change="removed", changed_at=poll.now, actor=ACTOR
            )
        )
    return {
        "known": {
            # A review set aside above is passed too: the cursor moves past it.
            review_id: str(review.get("updateTime") or review.get("createTime") or "")
            for review_id, review in listed.items()
        }
    }
