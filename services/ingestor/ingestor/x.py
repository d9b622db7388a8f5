"""X (Twitter) Account Activity deliveries to interactions, and the webhook's CRC and signature.

Shapes as in docs/channels.md "X" (sources: developer.x.com account-activity-api guides
securing-webhooks and data objects; docs.x.com x-api/account-activity): one delivery names the
account in ``for_user_id`` and carries ``tweet_create_events`` (mentions and replies, the
account's own tweets among them), ``direct_message_events`` (``message_create``, the account's
own DMs among them), ``tweet_delete_events``, and the ``users`` map of the DMs' senders. Every
event is one item: an interaction, a change, or set aside with the reason.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from contracts.accounts import AccountRead, Collect
from contracts.events import InteractionChangedV1
from contracts.interaction import Author, Channel, Direction, Interaction, Kind, Visibility
from ingestor.deliveries import SetAside

SIGNATURE = "x-twitter-webhooks-signature"
NETWORK = "network:twitter"
EVENTS = ("tweet_create_events", "direct_message_events", "tweet_delete_events")
"""The events read; every other list X sends (favorites, follows, typing, read receipts) is
one ``not_collected`` item."""


def digest(secret: str, data: bytes) -> str:
    """``sha256=`` + base64 HMAC-SHA256, the form of both the CRC answer and the signature."""
    mac = hmac.new(secret.encode(), data, hashlib.sha256).digest()
    return "sha256=" + base64.b64encode(mac).decode()


def crc_response(consumer_secret: str, crc_token: str) -> dict[str, str]:
    return {"response_token": digest(consumer_secret, crc_token.encode())}


def signature_ok(body: bytes, header: str, consumer_secret: str) -> bool:
    """Over the raw bytes as received, compared in constant time (base64 is case-sensitive)."""
    return hmac.compare_digest(digest(consumer_secret, body).encode(), header.strip().encode())


@dataclass(frozen=True)
class Item:
    position: str  # "tweet_create_events 2"
    network_id: str  # for_user_id: the account the delivery is for
    kind: str  # one of EVENTS
    value: Mapping[str, Any]
    users: Mapping[str, Any]
    channel: Channel = Channel.TWITTER


def items(delivery: Any) -> Iterator[Item | SetAside]:
    if not isinstance(delivery, dict) or not isinstance(delivery.get("for_user_id"), str | int):
        yield SetAside("unnormalisable", "no for_user_id")
        return
    account = str(delivery["for_user_id"])
    users = delivery.get("users") if isinstance(delivery.get("users"), dict) else {}
    for kind, listed in delivery.items():
        if kind in ("for_user_id", "users", "apps", "user_has_blocked"):
            continue
        if kind not in EVENTS:
            yield SetAside("not_collected", f"{kind}: not a tweet, DM or deletion")
            continue
        for i, value in enumerate(listed if isinstance(listed, list) else [None]):
            where = f"{kind} {i}"
            if not isinstance(value, dict):
                yield SetAside("unnormalisable", f"{where} is not an object")
                continue
            yield Item(where, account, kind, value, users or {})


def normalise(item: Item, account: AccountRead) -> Interaction | InteractionChangedV1:
    if item.kind == "tweet_delete_events":
        return _deletion(item)
    if item.kind == "direct_message_events":
        return _message(item, account)
    return _tweet(item, account)


def _collecting(account: AccountRead, what: Collect, item: Item) -> None:
    if what not in account.collect:
        raise SetAside("not_collected", f"{item.position}: {account.id} does not collect {what}")


def _tweet_time(value: Mapping[str, Any]) -> datetime:
    """``created_at`` as X writes it ("Wed Oct 10 20:19:24 +0000 2018"), else ``timestamp_ms``."""
    if isinstance(value.get("created_at"), str):
        return datetime.strptime(value["created_at"], "%a %b %d %H:%M:%S %z %Y")
    return datetime.fromtimestamp(int(value["timestamp_ms"]) / 1000, UTC)


def _text(tweet: Mapping[str, Any]) -> str:
    """A long tweet's whole text is in ``extended_tweet``; ``text`` is cut at 140."""
    extended = tweet.get("extended_tweet")
    if isinstance(extended, dict) and "full_text" in extended:
        return str(extended["full_text"])
    return str(tweet.get("full_text") or tweet.get("text") or "")


def _tweet(item: Item, account: AccountRead) -> Interaction | InteractionChangedV1:
    tweet = item.value
    if "retweeted_status" in tweet:
        raise SetAside("not_collected", f"{item.position}: a retweet")
    _collecting(account, Collect.MENTIONS, item)
    tweet_id = str(tweet["id_str"])
    edits = tweet.get("edit_history")
    initial = str(edits.get("initial_tweet_id", tweet_id)) if isinstance(edits, dict) else tweet_id
    if initial != tweet_id:
        # An edited tweet arrives as a new tweet naming the first one: the text changes.
        return InteractionChangedV1(
            key=f"{Channel.TWITTER.value}:{initial}",
            change="edited",
            text=_text(tweet),
            changed_at=_tweet_time(tweet),
            actor=NETWORK,
        )
    user = tweet["user"]
    parent = tweet.get("in_reply_to_status_id_str")
    # X's v2 payloads name the conversation's first tweet; v1.1 only the tweet answered.
    thread = tweet.get("conversation_id") or parent or tweet_id
    return Interaction(
        channel=Channel.TWITTER,
        account=account.id,
        external_id=tweet_id,
        thread_id=str(thread),
        parent_id=str(parent) if parent else None,
        kind=Kind.REPLY if parent else Kind.POST,
        # The account's own tweets (its replies from X's app) are the brand's, never a customer's.
        direction=Direction.OUTBOUND
        if str(user["id_str"]) == item.network_id
        else Direction.INBOUND,
        author=Author(
            id=str(user["id_str"]),
            name=user.get("name", ""),
            handle=user.get("screen_name", ""),
            bio=(user.get("description") or "")[:5000],
            followers=user.get("followers_count"),
        ),
        text=_text(tweet),
        occurred_at=_tweet_time(tweet),
        raw=dict(tweet),
    )


def _message(item: Item, account: AccountRead) -> Interaction:
    event = item.value
    if event.get("type") != "message_create":
        raise SetAside("not_collected", f"{item.position}: {event.get('type')!r}")
    _collecting(account, Collect.DIRECT_MESSAGES, item)
    created = event["message_create"]
    sender, recipient = str(created["sender_id"]), str(created["target"]["recipient_id"])
    own = sender == item.network_id
    customer = recipient if own else sender
    profile = item.users.get(sender) or {}
    return Interaction(
        channel=Channel.TWITTER,
        account=account.id,
        external_id=str(event["id"]),
        thread_id=f"dm:{item.network_id}:{customer}",
        kind=Kind.DIRECT_MESSAGE,
        direction=Direction.OUTBOUND if own else Direction.INBOUND,
        visibility=Visibility.PRIVATE,
        author=Author(
            id=sender,
            name=account.name if own else profile.get("name", ""),
            handle=profile.get("screen_name", ""),
        ),
        text=str(created.get("message_data", {}).get("text", "")),
        occurred_at=datetime.fromtimestamp(int(event["created_timestamp"]) / 1000, UTC),
        raw=dict(event),
    )


def _deletion(item: Item) -> InteractionChangedV1:
    status = item.value["status"]
    return InteractionChangedV1(
        key=f"{Channel.TWITTER.value}:{status['id']}",
        change="removed",
        changed_at=datetime.fromtimestamp(int(item.value["timestamp_ms"]) / 1000, UTC),
        actor=NETWORK,
    )
