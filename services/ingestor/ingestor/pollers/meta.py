"""The reconciliation poll of Facebook pages: Meta retries a failed delivery for 36 hours and
then drops it, and some never arrive (CHANNELS.md "Meta": "keep raw payloads and reconcile by
polling"). Sources: developers.facebook.com graph-api/reference/page/feed,
graph-api/reference/object/comments, graph-api/reference/page/conversations.

Instagram professional accounts likewise (instagram-platform/instagram-graph-api/reference/
ig-user/media, ig-media/comments, ig-comment/replies): ``GET /{version}/{ig-user-id}/media?
fields=id,comments{id,text,from,timestamp,replies{…}}&since=…`` and the conversations with
``platform=instagram``.

``GET /{version}/{page-id}/feed?fields=id,comments{…}&since=…`` and
``GET /{version}/{page-id}/conversations?fields=messages{…}`` with the page access token,
following ``paging.next``. The items get the very ids (and so the keys) the webhook gives
them, so whatever the webhook already brought is a duplicate in the outbox. Only what the
account collects (comments, direct messages) is read, as the webhook sets the rest aside."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from contracts.accounts import Collect
from contracts.interaction import Author, Channel, Direction, Interaction, Kind, Visibility
from ingestor.pollers.base import Poll

VERSION = "v21.0"
COMMENT_FIELDS = "id,message,from,created_time,parent{id}"
IG_COMMENT_FIELDS = "id,text,from,timestamp"


def _when(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("+0000", "+00:00").replace("Z", "+00:00"))


async def _pages(poll: Poll, path: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    url: str | None = path
    while url:
        page = await poll.network.get(url, params=params)
        items += page.get("data", [])
        url = (page.get("paging") or {}).get("next")
        params = {}  # the next link carries them
    return items


@dataclass(frozen=True)
class Reconcile:
    """A Facebook page's reconciliation, or an Instagram professional account's (its media's
    comments and replies, ``GET /{ig-user-id}/media``, and its Instagram conversations)."""

    overlap_seconds: float
    channel: Channel = Channel.FACEBOOK

    async def __call__(self, poll: Poll) -> dict[str, Any]:
        page_id = poll.account.network_id
        token = poll.credentials.get("page_access_token", "")
        since = int(poll.state.get("since", 0))
        start = max(0, since - int(self.overlap_seconds)) if since else 0
        if Collect.COMMENTS in poll.account.collect:
            if self.channel is Channel.INSTAGRAM:
                await self._media_comments(poll, page_id, token, start)
            else:
                await self._comments(poll, page_id, token, start)
        if Collect.DIRECT_MESSAGES in poll.account.collect:
            await self._messages(poll, page_id, token, start if since else 0)
        return {"since": int(poll.now.timestamp())}

    async def _media_comments(self, poll: Poll, ig_id: str, token: str, start: int) -> None:
        media = await _pages(
            poll,
            f"/{VERSION}/{ig_id}/media",
            {
                "fields": f"id,comments.limit(100){{{IG_COMMENT_FIELDS},replies{{"
                f"{IG_COMMENT_FIELDS}}}}}",
                "since": start,
                "access_token": token,
            },
        )
        for item in media:
            media_id = str(item.get("id"))
            for comment in (item.get("comments") or {}).get("data", []):
                with poll.found.item(f"instagram comment {comment.get('id')}", comment):
                    poll.found.interactions.append(_ig_comment(poll, media_id, comment, None))
                for reply in (comment.get("replies") or {}).get("data", []):
                    with poll.found.item(f"instagram reply {reply.get('id')}", reply):
                        parent = str(comment["id"])
                        poll.found.interactions.append(_ig_comment(poll, media_id, reply, parent))

    async def _comments(self, poll: Poll, page_id: str, token: str, start: int) -> None:
        posts = await _pages(
            poll,
            f"/{VERSION}/{page_id}/feed",
            {
                "fields": f"id,comments.limit(100){{{COMMENT_FIELDS}}}",
                "since": start,
                "access_token": token,
            },
        )
        for post in posts:
            for comment in (post.get("comments") or {}).get("data", []):
                with poll.found.item(f"comment {comment.get('id')}", comment):
                    poll.found.interactions.append(_comment(poll, str(post["id"]), comment))

    async def _messages(self, poll: Poll, page_id: str, token: str, start: int) -> None:
        conversations = await _pages(
            poll,
            f"/{VERSION}/{page_id}/conversations",
            {
                "platform": "instagram" if self.channel is Channel.INSTAGRAM else "messenger",
                "fields": "id,updated_time,messages{id,message,from,to,created_time}",
                "access_token": token,
            },
        )
        for conversation in conversations:
            with poll.found.item(f"conversation {conversation.get('id')}", conversation):
                if _when(conversation["updated_time"]).timestamp() < start:
                    continue
                for message in (conversation.get("messages") or {}).get("data", []):
                    with poll.found.item(f"message {message.get('id')}", message):
                        poll.found.interactions.append(_message(poll, message, self.channel))


def _comment(poll: Poll, post_id: str, comment: dict[str, Any]) -> Interaction:
    author = comment["from"]
    parent = str((comment.get("parent") or {}).get("id") or post_id)
    return Interaction(
        channel=Channel.FACEBOOK,
        account=poll.account.id,
        external_id=str(comment["id"]),
        thread_id=post_id,
        parent_id=parent,
        kind=Kind.COMMENT if parent == post_id else Kind.REPLY,
        direction=(
            Direction.OUTBOUND
            if str(author["id"]) == poll.account.network_id
            else Direction.INBOUND
        ),
        author=Author(id=str(author["id"]), name=author.get("name", "")),
        text=comment.get("message", ""),
        occurred_at=_when(comment["created_time"]),
        raw={**comment, "post_id": post_id},
    )


def _ig_comment(
    poll: Poll, media_id: str, comment: dict[str, Any], parent: str | None
) -> Interaction:
    """As the webhook makes it (ingestor.meta), so the two are one interaction."""
    author = comment["from"]
    return Interaction(
        channel=Channel.INSTAGRAM,
        account=poll.account.id,
        external_id=str(comment["id"]),
        thread_id=media_id,
        parent_id=parent or media_id,
        kind=Kind.REPLY if parent else Kind.COMMENT,
        direction=(
            Direction.OUTBOUND
            if str(author["id"]) == poll.account.network_id
            else Direction.INBOUND
        ),
        author=Author(id=str(author["id"]), handle=author.get("username", "")),
        text=comment.get("text", ""),
        occurred_at=_when(comment["timestamp"]),
        raw={**{k: v for k, v in comment.items() if k != "replies"}, "media": {"id": media_id}},
    )


def _message(poll: Poll, message: dict[str, Any], channel: Channel) -> Interaction:
    page = poll.account.network_id
    sender = str(message["from"]["id"])
    echo = sender == page
    recipients = [str(r["id"]) for r in (message.get("to") or {}).get("data", [])]
    customer = next((r for r in recipients if r != page), sender) if echo else sender
    return Interaction(
        channel=channel,
        account=poll.account.id,
        external_id=str(message["id"]),
        thread_id=f"dm:{page}:{customer}",
        kind=Kind.DIRECT_MESSAGE,
        direction=Direction.OUTBOUND if echo else Direction.INBOUND,
        visibility=Visibility.PRIVATE,
        author=Author(id=sender, name=poll.account.name if echo else ""),
        text=message.get("message", ""),
        occurred_at=_when(message["created_time"]),
        raw=dict(message),
    )
