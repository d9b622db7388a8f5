"""Replaying an account's kept raw deliveries (``POST /v1/accounts/{id}/replay``): each one
received in the window is read again through today's normalisation, and what belongs to the
account goes through the same delivery step as when it arrived. The outbox de-duplicates: what
is already stored is a duplicate, and what the code of the day missed (or set aside because
the account was not registered yet) arrives now.

Replays read webhook and mail deliveries, whose raw bytes are kept whole. Polls keep only the
items they set aside; a poller reads its network again from its cursor instead."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from contracts.accounts import AccountRead, Replayed
from contracts.interaction import Channel
from ingestor import deliveries, mail, webhooks, webhooks_x
from ingestor.store.accounts_port import Delivery
from ingestor.store.port import IngestStore
from servicekit.clock import Clock, system_clock
from servicekit.publishing import EventPublisher

SOURCES: dict[Channel, tuple[str, ...]] = {
    Channel.FACEBOOK: ("meta",),
    Channel.INSTAGRAM: ("meta",),
    Channel.TWITTER: ("x",),
    Channel.EMAIL: ("smtp", "imap"),
}
"""Which kept deliveries can hold an account's items, by its channel."""

Read = Callable[[IngestStore, Delivery, AccountRead, Clock], Awaitable[deliveries.Sorted]]


async def _json(
    collect: deliveries.Collect, store: IngestStore, delivery: Delivery
) -> deliveries.Sorted:
    data, unreadable = deliveries.parse_json(delivery.body)
    if unreadable:
        return deliveries.Sorted([], [], unreadable)
    # Read as when it was received: an entry without a time gets the same instant again.
    return await collect(store, data, delivery.received_at)


async def _meta(store: IngestStore, d: Delivery, _: AccountRead, __: Clock) -> deliveries.Sorted:
    return await _json(webhooks.collect, store, d)


async def _x(store: IngestStore, d: Delivery, _: AccountRead, __: Clock) -> deliveries.Sorted:
    return await _json(webhooks_x.collect, store, d)


async def _mail(
    store: IngestStore, d: Delivery, account: AccountRead, clock: Clock
) -> deliveries.Sorted:
    try:
        found = mail.items(d.body, [account.network_id], clock(), d.source)
    except Exception as exc:  # as in mailin: the parser's failures have no common type
        return deliveries.Sorted([], [], [{"reason": "unnormalisable", "detail": str(exc)}])
    accounts = await deliveries.accounts_of(store, found)
    return deliveries.sort(found, accounts, mail.normalise)


READERS: dict[str, Read] = {"meta": _meta, "x": _x, "smtp": _mail, "imap": _mail}


def _only(found: deliveries.Sorted, account: str) -> deliveries.Sorted:
    """The account's own interactions and changes: the rest of a delivery belongs to other
    accounts (or nobody), and was counted when it arrived."""
    return deliveries.Sorted(
        [i for i in found.interactions if i.account == account],
        [(a, c) for a, c in found.changes if a == account],
        [],
    )


async def replay(
    *,
    store: IngestStore,
    publisher: EventPublisher,
    account: AccountRead,
    since: datetime,
    until: datetime,
    clock: Clock = system_clock,
) -> Replayed:
    kept = await store.deliveries_between(SOURCES.get(account.channel, ()), since, until)
    accepted = duplicates = 0
    for delivery in kept:
        found = _only(await READERS[delivery.source](store, delivery, account, clock), account.id)
        if not (found.interactions or found.changes):
            continue
        outcome = await deliveries.keep(
            store=store,
            publisher=publisher,
            source=f"replay:{delivery.source}",
            body=b"",
            found=found,
            clock=clock,
            record=False,
        )
        accepted += outcome.accepted
        duplicates += outcome.duplicates
    return Replayed(deliveries=len(kept), accepted=accepted, duplicates=duplicates)
