"""YouTube comment threads of a channel (CHANNELS.md "YouTube"; source:
developers.google.com/youtube/v3/docs/commentThreads/list, youtube/v3/determine_quota_cost).

``GET /youtube/v3/commentThreads?part=snippet,replies&allThreadsRelatedToChannelId=…&
order=time&maxResults=100&pageToken=…`` costs 1 unit of the daily quota (reset at midnight
Pacific). Newest first: paging stops at the newest comment the last complete poll saw. A 403
whose reason is ``quotaExceeded`` throttles the account until the reset."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx

from contracts.interaction import Author, Channel, Direction, Interaction, Kind
from ingestor.pollers.base import Poll
from ingestor.pollers.http import Quota, Throttled

PATH = "/youtube/v3/commentThreads"
QUOTA_REASONS = {"quotaExceeded", "dailyLimitExceeded", "rateLimitExceeded"}


def classify(response: httpx.Response, now: datetime) -> None:
    if response.status_code != 403:
        return
    try:
        errors = response.json()["error"]["errors"]
        reasons = {e.get("reason") for e in errors}
    except (ValueError, KeyError, TypeError):
        return
    if reasons & QUOTA_REASONS:
        raise Throttled(Quota(None, "daily_pacific", {}).reset_at(now), "YouTube: quotaExceeded")


def _when(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _comment(
    poll: Poll, comment: dict[str, Any], video: str, parent: str | None, can_reply: bool
) -> Interaction:
    snippet = comment["snippet"]
    channel_id = (snippet.get("authorChannelId") or {}).get("value")
    author = str(channel_id or snippet["authorDisplayName"])
    return Interaction(
        channel=Channel.YOUTUBE,
        account=poll.account.id,
        external_id=str(comment["id"]),
        thread_id=video,
        parent_id=parent or video,
        kind=Kind.REPLY if parent else Kind.COMMENT,
        # The channel's own comments are the brand's.
        direction=Direction.OUTBOUND if author == poll.account.network_id else Direction.INBOUND,
        author=Author(id=author, name=snippet.get("authorDisplayName", "")),
        text=snippet.get("textOriginal") or snippet.get("textDisplay", ""),
        occurred_at=_when(snippet["publishedAt"]),
        # canReply is the thread's: replies to it are refused before they are queued.
        raw={"thread": parent or comment["id"], "snippet": snippet, "can_reply": can_reply},
    )


async def poll(poll: Poll) -> dict[str, Any]:
    newest_seen = poll.state.get("newest")
    newest = newest_seen
    params: dict[str, Any] = {
        "part": "snippet,replies",
        "allThreadsRelatedToChannelId": poll.account.network_id,
        "order": "time",
        "maxResults": 100,
    }
    headers = {}
    if "api_key" in poll.credentials:
        params["key"] = poll.credentials["api_key"]
    if "access_token" in poll.credentials:
        headers["Authorization"] = f"Bearer {poll.credentials['access_token']}"
    while True:
        page = await poll.network.get(PATH, params=params, headers=headers)
        reached = False
        for thread in page.get("items", []):
            with poll.found.item(f"thread {thread.get('id')}", thread):
                snippet = thread["snippet"]
                top = snippet["topLevelComment"]
                published = top["snippet"]["publishedAt"]
                if newest_seen is not None and _when(published) <= _when(newest_seen):
                    reached = True
                video = str(snippet.get("videoId") or top["snippet"].get("videoId") or thread["id"])
                can_reply = bool(snippet.get("canReply", True))
                poll.found.interactions.append(_comment(poll, top, video, None, can_reply))
                if newest is None or _when(published) > _when(newest):
                    newest = published
                for reply in (thread.get("replies") or {}).get("comments", []):
                    with poll.found.item(f"reply {reply.get('id')}", reply):
                        poll.found.interactions.append(
                            _comment(poll, reply, video, str(top["id"]), can_reply)
                        )
        token = page.get("nextPageToken")
        if reached or not token:
            break
        params["pageToken"] = token
    return {"newest": newest}
