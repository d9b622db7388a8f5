"""Meta webhook deliveries (Facebook Pages, Messenger, Instagram) to interactions.

Shapes as in docs/channels.md (sources: developers.facebook.com graph-api/webhooks/reference/
page, messenger-platform/webhooks, instagram-platform/webhooks/examples). Every item of every
entry (a ``changes[]`` or ``messaging[]`` element) is one interaction, or is set aside with the
reason; one odd item never costs the others.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from contracts.accounts import AccountRead, Collect
from contracts.events import InteractionChangedV1
from contracts.interaction import Author, Channel, Direction, Interaction, Kind, Visibility
from ingestor.deliveries import SetAside

CHANNELS = {"page": Channel.FACEBOOK, "instagram": Channel.INSTAGRAM}


@dataclass(frozen=True)
class Item:
    """One change or message of one entry, before it is known whose it is."""

    position: str  # "entry 3, messaging 0": where it sits in the delivery, for the reason
    channel: Channel
    network_id: str
    kind: str  # "changes" or "messaging"
    value: Mapping[str, Any]
    entry_time: Any
    received_at: datetime
    """When the ingestor received the delivery (its clock): the time of an entry without one."""


def items(delivery: Any, received_at: datetime) -> Iterator[Item | SetAside]:
    """The items of a parsed delivery received at ``received_at``, or a SetAside for the
    parts that cannot be read."""
    if not isinstance(delivery, dict) or delivery.get("object") not in CHANNELS:
        yield SetAside("unnormalisable", "not a page or instagram delivery ('object')")
        return
    channel = CHANNELS[delivery["object"]]
    entries = delivery.get("entry")
    if not isinstance(entries, list):
        yield SetAside("unnormalisable", "'entry' is not a list")
        return
    for e, entry in enumerate(entries):
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), str | int):
            yield SetAside("unnormalisable", f"entry {e} has no id")
            continue
        for kind in ("changes", "messaging"):
            listed = entry.get(kind) or []
            for i, value in enumerate(listed if isinstance(listed, list) else [None]):
                where = f"entry {e}, {kind} {i}"
                if not isinstance(value, dict):
                    yield SetAside("unnormalisable", f"{where} is not an object")
                    continue
                yield Item(
                    where, channel, str(entry["id"]), kind, value, entry.get("time"), received_at
                )


def _when(value: Any, *, millis: bool = False) -> datetime:
    """Meta's times: Unix seconds (feed), milliseconds (messaging) or ISO 8601 strings."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(value / 1000 if millis else value, UTC)
    if isinstance(value, str):
        parsed = datetime.fromisoformat(value.replace("+0000", "+00:00"))
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    raise ValueError(f"no usable time: {value!r}")


CHANGES = {"edited": "edited", "remove": "removed"}
"""Meta's comment verbs that change an interaction already accepted, and what they become."""


def normalise(item: Item, account: AccountRead) -> Interaction | InteractionChangedV1:
    """The interaction of one item of ``account``, or the change (edit, removal) it makes to
    one; SetAside for items not collected or not applied; KeyError/TypeError/ValueError
    (pydantic's included) for malformed ones."""
    if item.kind == "messaging":
        return _message(item, account)
    field, value = item.value.get("field"), item.value["value"]
    if field == "feed" and value.get("item") == "comment":
        return _page_comment(item, account, value)
    if field == "comments" and item.channel is Channel.INSTAGRAM:
        return _instagram_comment(item, account, value)
    raise SetAside("not_collected", f"{item.position}: {field!r} {value.get('item', '')!r}")


def _collecting(account: AccountRead, what: Collect, item: Item) -> None:
    if what not in account.collect:
        raise SetAside("not_collected", f"{item.position}: {account.id} does not collect {what}")


def _page_comment(
    item: Item, account: AccountRead, value: Mapping[str, Any]
) -> Interaction | InteractionChangedV1:
    _collecting(account, Collect.COMMENTS, item)
    verb = value.get("verb")
    if verb in CHANGES:
        return _comment_change(item, value, CHANGES[verb])
    if verb != "add":
        # hide, unhide…: the brand's own moderation, not a change to the customer's words.
        raise SetAside("not_applied", f"{item.position}: comment {verb!r}")
    author = value["from"]
    post_id, parent_id = str(value["post_id"]), str(value.get("parent_id") or value["post_id"])
    return Interaction(
        channel=Channel.FACEBOOK,
        account=account.id,
        external_id=str(value["comment_id"]),
        thread_id=post_id,
        parent_id=parent_id,
        kind=Kind.COMMENT if parent_id == post_id else Kind.REPLY,
        # The page's own comments are the brand's, never a customer's.
        direction=Direction.OUTBOUND if str(author["id"]) == item.network_id else Direction.INBOUND,
        author=Author(id=str(author["id"]), name=author.get("name", "")),
        text=value.get("message", ""),
        occurred_at=_when(value.get("created_time", item.entry_time)),
        raw=dict(value),
    )


def _comment_change(item: Item, value: Mapping[str, Any], change: str) -> InteractionChangedV1:
    """An edit or removal of a page comment. Its time is the entry's (when Meta reports the
    change), else the value's: a retried delivery repeats it, so it de-duplicates."""
    return InteractionChangedV1(
        key=f"{Channel.FACEBOOK.value}:{value['comment_id']}",
        change=change,  # type: ignore[arg-type]  # one of CHANGES' values
        text=value.get("message", "") if change == "edited" else None,
        changed_at=_when(item.entry_time or value.get("created_time")),
        actor=f"network:{Channel.FACEBOOK.value}",
    )


def _instagram_comment(item: Item, account: AccountRead, value: Mapping[str, Any]) -> Interaction:
    _collecting(account, Collect.COMMENTS, item)
    author, media = value["from"], value["media"]
    parent = value.get("parent_id")
    return Interaction(
        channel=Channel.INSTAGRAM,
        account=account.id,
        external_id=str(value["id"]),
        thread_id=str(media["id"]),
        parent_id=str(parent or media["id"]),
        kind=Kind.REPLY if parent else Kind.COMMENT,
        direction=Direction.OUTBOUND if str(author["id"]) == item.network_id else Direction.INBOUND,
        author=Author(id=str(author["id"]), handle=author.get("username", "")),
        text=value.get("text", ""),
        occurred_at=_when(item.entry_time) if item.entry_time else item.received_at,
        raw=dict(value),
    )


def _message(item: Item, account: AccountRead) -> Interaction:
    value = item.value
    message = value.get("message")
    if not isinstance(message, dict):
        # Read and delivery receipts, reactions, postbacks: not messages.
        raise SetAside("not_collected", f"{item.position}: not a message")
    _collecting(account, Collect.DIRECT_MESSAGES, item)
    echo = bool(message.get("is_echo"))
    sender, recipient = str(value["sender"]["id"]), str(value["recipient"]["id"])
    # An echo is the brand's own message: the conversation is the recipient's.
    customer = recipient if echo else sender
    return Interaction(
        channel=item.channel,
        account=account.id,
        external_id=str(message["mid"]),
        thread_id=f"dm:{item.network_id}:{customer}",
        kind=Kind.DIRECT_MESSAGE,
        direction=Direction.OUTBOUND if echo else Direction.INBOUND,
        visibility=Visibility.PRIVATE,
        author=Author(id=sender, name=account.name if echo else ""),
        text=message.get("text", ""),
        occurred_at=_when(value["timestamp"], millis=True),
        raw=dict(value),
    )
