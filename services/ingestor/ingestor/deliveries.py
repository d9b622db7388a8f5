"""What every channel's delivery goes through once it is read (a Meta or X webhook POST, a mail
over SMTP or IMAP): its interactions and changes into the outbox, the raw bytes kept with what
became of each item, the accounts' health noted, then the publish. The caller answers the
network only after this returns: the delivery is durable, and the outbox relay publishes what
RabbitMQ did not confirm."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, TypeVar

from pydantic import ValidationError

from contracts.accounts import AccountRead
from contracts.events import InteractionChangedV1, InteractionReceivedV1
from contracts.interaction import Channel, Direction, Interaction
from ingestor.store.accounts_port import Delivery
from ingestor.store.port import IngestStore
from servicekit.clock import Clock, system_clock
from servicekit.publishing import EventPublisher, OutgoingMessage

log = logging.getLogger("ingestor.deliveries")

Change = tuple[str, InteractionChangedV1]
"""An edit or removal, with the account it came through."""


class SetAside(Exception):
    """An item that does not become an interaction, with the reason (``unknown_account``,
    ``unnormalisable``, ``not_collected``, ``not_applied``)."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason, self.detail = reason, detail


def change_key(change: InteractionChangedV1) -> str:
    """The de-duplication key of one change: a network's retries repeat it and are dropped,
    while a later edit of the same item is a new key."""
    return f"{change.key}:{change.change}:{change.changed_at.isoformat()}"


def parse_json(body: bytes) -> tuple[Any, list[dict[str, str]]]:
    """A signed body as JSON, or None and the reason it cannot be read. Nesting too deep for
    the parser is a cause like any other, never a 500 (the network would retry it for days)."""
    try:
        return json.loads(body), []
    except (ValueError, RecursionError) as exc:
        reason = "the JSON nests too deeply" if isinstance(exc, RecursionError) else str(exc)
        return None, [{"reason": "unnormalisable", "detail": reason[:1000]}]


class Item(Protocol):
    """One item of a delivery, before it is known whose it is."""

    @property
    def position(self) -> str:
        """Where it sits in the delivery ("entry 3, messaging 0"), for the reason."""
        ...

    @property
    def channel(self) -> Channel: ...

    @property
    def network_id(self) -> str: ...


ItemT = TypeVar("ItemT", bound=Item)


@dataclass
class Sorted:
    """A delivery's interactions, its edits and removals, and what was set aside (reason,
    detail)."""

    interactions: list[Interaction]
    changes: list[Change]
    set_aside: list[dict[str, str]]


def sort(
    found: Iterable[ItemT | SetAside],
    accounts: Mapping[tuple[Channel, str], AccountRead],
    normalise: Callable[[ItemT, AccountRead], Interaction | InteractionChangedV1],
) -> Sorted:
    """Each item normalised for its active account, or set aside with the reason; one odd
    item never costs the others."""
    result = Sorted([], [], [])
    for item in found:
        try:
            if isinstance(item, SetAside):
                raise item
            account = accounts.get((item.channel, item.network_id))
            if account is None or not account.active:
                raise SetAside(
                    "unknown_account",
                    f"{item.position}: no active {item.channel.value} account {item.network_id}",
                )
            normalised = normalise(item, account)
            if isinstance(normalised, InteractionChangedV1):
                result.changes.append((account.id, normalised))
            else:
                result.interactions.append(normalised)
        except SetAside as aside:
            result.set_aside.append({"reason": aside.reason, "detail": aside.detail})
        except (KeyError, TypeError, ValueError, ValidationError) as exc:
            where = getattr(item, "position", "delivery")
            detail = f"{where}: {type(exc).__name__}: {exc}"[:1000]
            result.set_aside.append({"reason": "unnormalisable", "detail": detail})
    return result


async def accounts_of(
    store: IngestStore, items: Iterable[Item]
) -> dict[tuple[Channel, str], AccountRead]:
    """The registered accounts these items name, in one query."""
    wanted = list(items)
    found = await store.accounts_by_network(
        sorted({i.channel.value for i in wanted}), sorted({i.network_id for i in wanted})
    )
    return {(s.account.channel, s.account.network_id): s.account for s in found}


THREADED_BY_PARENT = frozenset({Channel.TWITTER, Channel.EMAIL})
"""The channels whose items may name only the item they answer: X's v1.1 tweets
(``in_reply_to_status_id``) and mail with only ``In-Reply-To``. Every other network names the
thread itself (Meta's post or conversation, Instagram's media, YouTube's video, a review), so
its items need no thread memory (and a 50-entry Meta delivery writes none)."""


async def rethread(
    store: IngestStore, interactions: Sequence[Interaction]
) -> tuple[list[Interaction], dict[str, str]]:
    """Each answer joins the thread of the item it answers, when that item was seen before
    (or earlier in this delivery); and the threads to remember. A customer answering the
    brand's reply on X or by mail would otherwise start a thread (and a ticket) of its own."""
    remembered = [i for i in interactions if i.channel in THREADED_BY_PARENT]
    if not remembered:
        return list(interactions), {}
    parents = sorted({f"{i.channel.value}:{i.parent_id}" for i in remembered if i.parent_id})
    known = await store.threads_of(parents) if parents else {}
    threaded: list[Interaction] = []
    for interaction in interactions:
        if interaction.channel not in THREADED_BY_PARENT:
            threaded.append(interaction)
            continue
        parent = f"{interaction.channel.value}:{interaction.parent_id}"
        thread = known.get(parent) if interaction.parent_id else None
        if thread and thread != interaction.conversation_id:
            interaction = interaction.model_copy(update={"thread_id": thread})
        known[interaction.key] = interaction.conversation_id
        threaded.append(interaction)
    return threaded, {i.key: i.conversation_id for i in threaded if i.channel in THREADED_BY_PARENT}


@dataclass(frozen=True)
class Outcome:
    accepted: int
    duplicates: int
    set_aside: int

    def answer(self) -> dict[str, int]:
        return {
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "set_aside": self.set_aside,
        }


async def keep(
    *,
    store: IngestStore,
    publisher: EventPublisher,
    source: str,
    body: bytes,
    found: Sorted,
    clock: Clock = system_clock,
    record: bool = True,
) -> Outcome:
    """The one delivery step of every channel (webhooks, mail, pollers, replays): the
    network's echoes of our own replies dropped, answers joined to their threads, the new
    interactions and changes accepted durably and the delivery kept; then the publish,
    leaving to the relay what RabbitMQ does not confirm now."""
    now = clock()
    interactions, set_aside = list(found.interactions), list(found.set_aside)
    outbound = [i.key for i in interactions if i.direction is Direction.OUTBOUND]
    ours = await store.our_replies(outbound) if outbound else set()
    if ours:
        # The network's echo of a reply we posted: the reply is on its ticket already.
        interactions = [i for i in interactions if i.key not in ours]
        set_aside += [{"reason": "our_reply", "detail": key} for key in sorted(ours)]
    interactions, threads = await rethread(store, interactions)
    changes = found.changes
    received = [
        (i.key, OutgoingMessage.of(InteractionReceivedV1(interaction=i))) for i in interactions
    ] + [(change_key(c), OutgoingMessage.of(c)) for _, c in changes]
    touched = sorted({i.account for i in interactions} | {a for a, _ in changes})
    # The delivery's bookkeeping in one store write with the outbox rows (a webhook's
    # answer waits on every write).
    accepted = await store.accept_delivery(
        received,
        delivery=Delivery(
            id=str(uuid.uuid4()), source=source, received_at=now, body=body, set_aside=set_aside
        )
        if record  # a replay reads a delivery kept already
        else None,
        threads=threads,
        touched=touched,
        at=now,
    )
    for aside in set_aside:
        log.warning("%s delivery item set aside: %s (%s)", source, aside["reason"], aside["detail"])
    try:
        await publisher.publish_all(accepted)
        await store.mark_published([m.id for m in accepted])
    except Exception:
        log.exception("publishing a %s delivery failed; the outbox relay will", source)
    return Outcome(len(accepted), len(received) - len(accepted), len(set_aside))


Collect = Callable[[IngestStore, Any, datetime], Awaitable[Sorted]]
"""A network's reading of a parsed JSON delivery received at an instant: its items sorted
for their accounts."""


async def keep_json(
    *,
    store: IngestStore,
    publisher: EventPublisher,
    source: str,
    body: bytes,
    collect: Collect,
    clock: Clock = system_clock,
) -> Outcome:
    """A signed JSON webhook body (Meta, X) read and kept; one that is not JSON is kept with
    the cause and answered like any other, so the network does not disable the webhook."""
    data, unreadable = parse_json(body)
    found = Sorted([], [], unreadable) if unreadable else await collect(store, data, clock())
    return await keep(
        store=store, publisher=publisher, source=source, body=body, found=found, clock=clock
    )
