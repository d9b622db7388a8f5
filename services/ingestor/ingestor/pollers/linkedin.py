"""Comments on a LinkedIn organisation's posts (Community Management API; not in CHANNELS.md:
source learn.microsoft.com/linkedin/marketing/community-management/shares/posts-api and
…/shares/comments-api, treated as unconfirmed like every shape no official page here confirmed).

``GET /rest/posts?q=author&author={organisation urn}&count=N`` lists the latest posts, then
``GET /rest/socialActions/{post urn}/comments?start=…&count=100`` their comments, with the
``LinkedIn-Version`` and ``X-Restli-Protocol-Version: 2.0.0`` headers. The cursor keeps the
newest comment time seen; older comments read again are skipped before the outbox."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from contracts.interaction import Author, Channel, Direction, Interaction, Kind
from ingestor.pollers.base import Poll

VERSION = "202411"


def organisation(network_id: str) -> str:
    return network_id if network_id.startswith("urn:") else f"urn:li:organization:{network_id}"


@dataclass(frozen=True)
class Posts:
    latest: int

    async def __call__(self, poll: Poll) -> dict[str, Any]:
        org = organisation(poll.account.network_id)
        headers = {
            "Authorization": f"Bearer {poll.credentials.get('access_token', '')}",
            "LinkedIn-Version": VERSION,
            "X-Restli-Protocol-Version": "2.0.0",
        }
        since = int(poll.state.get("since", 0))
        newest = since
        posts = await poll.network.get(
            "/rest/posts",
            params={"q": "author", "author": org, "count": self.latest},
            headers=headers,
        )
        for post in posts.get("elements", [])[: self.latest]:
            urn = str(post["id"])
            start = 0
            while True:
                page = await poll.network.get(
                    f"/rest/socialActions/{quote(urn, safe='')}/comments",
                    params={"start": start, "count": 100},
                    headers=headers,
                )
                elements = page.get("elements", [])
                for comment in elements:
                    with poll.found.item(f"comment {comment.get('id')}", comment):
                        created = int(comment["created"]["time"])
                        newest = max(newest, created)
                        if created > since:
                            poll.found.interactions.append(_comment(poll, org, urn, comment))
                start += len(elements)
                total = int((page.get("paging") or {}).get("total", start))
                if not elements or start >= total:
                    break
        return {"since": newest}


def _comment(poll: Poll, org: str, post: str, comment: dict[str, Any]) -> Interaction:
    actor = str(comment.get("actor") or comment["created"]["actor"])
    parent = comment.get("parentComment")
    return Interaction(
        channel=Channel.LINKEDIN,
        account=poll.account.id,
        external_id=str(comment.get("commentUrn") or comment["id"]),
        thread_id=post,
        parent_id=str(parent or post),
        kind=Kind.REPLY if parent else Kind.COMMENT,
        direction=Direction.OUTBOUND if actor == org else Direction.INBOUND,
        author=Author(id=actor),
        text=(comment.get("message") or {}).get("text", ""),
        occurred_at=datetime.fromtimestamp(int(comment["created"]["time"]) / 1000, UTC),
        raw=dict(comment),
    )
