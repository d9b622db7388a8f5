"""Mail in: one received mail (over SMTP, or read from an IMAP mailbox) through the same
delivery step as the webhooks (ingestor.deliveries)."""

from __future__ import annotations

from collections.abc import Sequence

from contracts.interaction import Channel
from ingestor import deliveries, mail
from ingestor.store.port import IngestStore
from servicekit.clock import Clock, system_clock
from servicekit.publishing import EventPublisher


async def mailbox_account(store: IngestStore, address: str) -> str | None:
    """The id of the active mailbox account for ``address``, if one is registered."""
    found = await store.accounts_by_network([Channel.EMAIL.value], [address.strip().lower()])
    return next((s.account.id for s in found if s.account.active), None)


async def receive(
    *,
    store: IngestStore,
    publisher: EventPublisher,
    data: bytes,
    mailboxes: Sequence[str],
    source: str,
    clock: Clock = system_clock,
) -> deliveries.Outcome:
    """One interaction per registered mailbox the mail is for; a mail that cannot be read is
    kept with the cause, never refused (the sender would only retry it)."""
    try:
        found = mail.items(data, list(mailboxes), clock(), source)
    except Exception as exc:  # the parser's failures have no common type; the cause is kept
        detail = f"{source}: {type(exc).__name__}: {exc}"[:1000]
        sorted_ = deliveries.Sorted([], [], [{"reason": "unnormalisable", "detail": detail}])
    else:
        accounts = await deliveries.accounts_of(store, found)
        sorted_ = deliveries.sort(found, accounts, mail.normalise)
    return await deliveries.keep(
        store=store, publisher=publisher, source=source, body=data, found=sorted_, clock=clock
    )
