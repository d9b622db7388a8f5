"""YouTube comment threads of a channel (CHANNELS.md "YouTube"; source:
developers.google.com/youtube/v3/docs/commentThreads/list, youtube/v3/determine_quota_cost).

``GET /youtube/v3/commentThreads?part=snippet,replies&allThreadsRelatedToChannelId=…&
order=time&maxResults=100&pageToken=…`` costs 1 unit of the daily quota (reset at midnight
Pacific). Newest first: paging stops at the newest comment the last complete poll saw. A 403
whose reason is ``quotaExceeded`` throttles the account until the reset.

Edits and removals (youtube/v3/docs/comments: ``snippet.updatedAt``; comments/list by
``parentId``): the threads published within the re-check window are remembered in the cursor
with each comment's ``updatedAt``. Every poll re-reads a few of them (the least recently
checked first, so the units a poll spends stay bounded): ``commentThreads.list?id=…`` (1 unit
for up to 50 threads) and each one's replies whole with ``comments.list?parentId=…`` (1 unit a
page). An ``updatedAt`` that moved is an edit, a comment no longer listed was deleted (a
thread gone takes its replies with it), and a reply never seen is a new interaction, however
old its thread's page is."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx

from contracts.events import InteractionChangedV1
from contracts.interaction import Author, Channel, Direction, Interaction, Kind
from ingestor.pollers.base import Poll
from ingestor.pollers.http import Quota, Throttled

PATH = "/youtube/v3/commentThreads"
COMMENTS = "/youtube/v3/comments"
ACTOR = f"network:{Channel.YOUTUBE.value}"
IDS_PER_CALL = 50
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


class Threads:
    """The poller of a channel's comment threads (runner.channels builds it from the
    settings): ``recheck`` is how long after it was published a thread is re-read for edits,
    removals and late replies, ``per_poll`` how many remembered threads one poll re-reads."""

    def __init__(self, recheck: timedelta, per_poll: int) -> None:
        self.recheck, self.per_poll = recheck, per_poll

    async def __call__(self, poll: Poll) -> dict[str, Any]:
        # Progress is written into poll.state as it is made, so a poll cut short (throttled)
        # keeps what it already found and re-read.
        recent: dict[str, dict[str, Any]] = {
            thread: {**entry, "comments": dict(entry.get("comments") or {})}
            for thread, entry in (poll.state.get("recent") or {}).items()
            if _when(entry["published"]) >= poll.now - self.recheck
        }
        poll.state["recent"] = recent
        # Which poll this is: a thread remembers the one that last read it, and the
        # least recently read are re-read first (whatever the clock says).
        poll.state["turn"] = int(poll.state.get("turn", 0)) + 1
        request = _Request(poll)
        poll.state["newest"] = await self._listing(poll, request, recent)
        await self._recheck(poll, request, recent)
        return {"newest": poll.state["newest"], "recent": recent, "turn": poll.state["turn"]}

    async def _listing(
        self, poll: Poll, request: _Request, recent: dict[str, dict[str, Any]]
    ) -> str | None:
        newest_seen = poll.state.get("newest")
        newest = newest_seen
        params: dict[str, Any] = {
            "part": "snippet,replies",
            "allThreadsRelatedToChannelId": poll.account.network_id,
            "order": "time",
            "maxResults": 100,
        }
        while True:
            page = await request.get(PATH, params)
            reached = False
            for thread in page.get("items", []):
                with poll.found.item(f"thread {thread.get('id')}", thread):
                    snippet = thread["snippet"]
                    top = snippet["topLevelComment"]
                    published = top["snippet"]["publishedAt"]
                    if newest_seen is not None and _when(published) <= _when(newest_seen):
                        reached = True
                    video = str(
                        snippet.get("videoId") or top["snippet"].get("videoId") or thread["id"]
                    )
                    can_reply = bool(snippet.get("canReply", True))
                    entry = recent.get(str(top["id"]))
                    if entry is None and _when(published) >= poll.now - self.recheck:
                        entry = recent.setdefault(
                            str(top["id"]),
                            # Just read: re-read after those waiting longest.
                            {
                                "video": video,
                                "published": published,
                                "comments": {},
                                "checked": poll.state["turn"],
                            },
                        )
                    if entry is not None:
                        entry["can_reply"] = can_reply
                    poll.found.interactions.append(_comment(poll, top, video, None, can_reply))
                    _compare(poll, entry, top)
                    if newest is None or _when(published) > _when(newest):
                        newest = published
                    for reply in (thread.get("replies") or {}).get("comments", []):
                        with poll.found.item(f"reply {reply.get('id')}", reply):
                            poll.found.interactions.append(
                                _comment(poll, reply, video, str(top["id"]), can_reply)
                            )
                            _compare(poll, entry, reply)
            token = page.get("nextPageToken")
            if reached or not token:
                break
            params["pageToken"] = token
        return newest

    async def _recheck(
        self, poll: Poll, request: _Request, recent: dict[str, dict[str, Any]]
    ) -> None:
        due = sorted(recent, key=lambda t: int(recent[t].get("checked", 0)))[: self.per_poll]
        for start in range(0, len(due), IDS_PER_CALL):
            ids = due[start : start + IDS_PER_CALL]
            page = await request.get(
                PATH, {"part": "snippet", "id": ",".join(ids), "maxResults": IDS_PER_CALL}
            )
            listed = {str(t.get("id")): t for t in page.get("items", [])}
            for thread_id in ids:
                entry = recent[thread_id]
                if thread_id not in listed:
                    # The thread was deleted: its top comment and every reply with it.
                    for comment_id in sorted(entry["comments"]):
                        _removed(poll, comment_id)
                    del recent[thread_id]
                    continue
                with poll.found.item(f"thread {thread_id}", listed[thread_id]):
                    _compare(poll, entry, listed[thread_id]["snippet"]["topLevelComment"])
                await self._replies(poll, request, thread_id, entry)
                entry["checked"] = poll.state["turn"]

    async def _replies(
        self, poll: Poll, request: _Request, thread_id: str, entry: dict[str, Any]
    ) -> None:
        """Every reply of the thread (read whole, so a known one missing was deleted)."""
        params: dict[str, Any] = {
            "part": "snippet",
            "parentId": thread_id,
            "maxResults": 100,
            "textFormat": "plainText",
        }
        listed: set[str] = set()
        can_reply = bool(entry.get("can_reply", True))
        while True:
            page = await request.get(COMMENTS, params)
            for reply in page.get("items", []):
                with poll.found.item(f"reply {reply.get('id')}", reply):
                    listed.add(str(reply["id"]))
                    if str(reply["id"]) not in entry["comments"]:
                        poll.found.interactions.append(
                            _comment(poll, reply, entry["video"], thread_id, can_reply)
                        )
                    _compare(poll, entry, reply)
            token = page.get("nextPageToken")
            if not token:
                break
            params["pageToken"] = token
        for comment_id in sorted(set(entry["comments"]) - listed - {thread_id}):
            _removed(poll, comment_id)
            del entry["comments"][comment_id]


class _Request:
    """The account's key or token on every call (each one counted by the runner's quota)."""

    def __init__(self, poll: Poll) -> None:
        self.network = poll.network
        self.params: dict[str, Any] = {}
        self.headers: dict[str, str] = {}
        if "api_key" in poll.credentials:
            self.params["key"] = poll.credentials["api_key"]
        if "access_token" in poll.credentials:
            self.headers["Authorization"] = f"Bearer {poll.credentials['access_token']}"

    async def get(self, path: str, params: dict[str, Any]) -> dict[str, Any]:
        answer: dict[str, Any] = await self.network.get(
            path, params={**params, **self.params}, headers=self.headers
        )
        return answer


def _compare(poll: Poll, entry: dict[str, Any] | None, comment: dict[str, Any]) -> None:
    """An edit when a remembered comment's ``updatedAt`` moved; the comment remembered."""
    if entry is None:
        return  # a thread older than the re-check window: not followed
    snippet = comment["snippet"]
    updated = str(snippet.get("updatedAt") or snippet["publishedAt"])
    known = entry["comments"].get(str(comment["id"]))
    if known is not None and _when(updated) > _when(known):
        poll.found.changes.append(
            InteractionChangedV1(
                key=f"{Channel.YOUTUBE.value}:{comment['id']}",
                change="edited",
                text=snippet.get("textOriginal") or snippet.get("textDisplay", ""),
                changed_at=_when(updated),
                actor=ACTOR,
            )
        )
    if known is None or _when(updated) > _when(known):
        entry["comments"][str(comment["id"])] = updated


def _removed(poll: Poll, comment_id: str) -> None:
    poll.found.changes.append(
        InteractionChangedV1(
            key=f"{Channel.YOUTUBE.value}:{comment_id}",
            change="removed",
            changed_at=poll.now,
            actor=ACTOR,
        )
    )
