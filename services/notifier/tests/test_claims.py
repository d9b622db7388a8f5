"""A mail claimed by a process that died or whose handler was cancelled is neither lost to the
DLQ nor sent twice: the claim is settled or released, or taken over when its lease ran out."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from notifier.mail import Mail
from notifier.sending import ClaimPolicy, MailsPending, send_once
from notifier.store.port import Claim
from notifier.store.sqlite import SqliteNotifierStore
from servicekit.clock import ManualClock

from .test_send_once import EVENT, RecordingMailer, alert_mails

POLICY = ClaimPolicy(lease_seconds=15, wait_seconds=10, poll_seconds=0.01, max_poll_seconds=0.05)
DEADLINE = 10.0


class CountingStore(SqliteNotifierStore):
    """The SQLite mail log, counting the claims and renewals it was asked for."""

    claims = 0
    renewals = 0

    async def claim(self, *args: Any, **kwargs: Any) -> Claim:
        self.claims += 1
        return await super().claim(*args, **kwargs)

    async def renew(self, *args: Any, **kwargs: Any) -> bool:
        self.renewals += 1
        return await super().renew(*args, **kwargs)


class BlockingMailer(RecordingMailer):
    """An SMTP server that takes its time: each send waits until the test lets it finish."""

    def __init__(self) -> None:
        super().__init__()
        self.started = asyncio.Event()
        self.go_on = asyncio.Event()
        self.fail = False

    async def send(self, mail: Mail) -> None:
        self.started.set()
        await self.go_on.wait()
        if self.fail:
            raise ConnectionError("SMTP connection lost")
        await super().send(mail)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
async def store(tmp_path: Path, clock: ManualClock) -> AsyncIterator[CountingStore]:
    store = CountingStore(tmp_path / "notifier.sqlite3", clock=clock)
    await store.open()
    yield store
    await store.close()


async def until(condition: Callable[[], bool | Awaitable[bool]], what: str) -> None:
    async def check() -> None:
        while True:
            result = condition()
            if result if isinstance(result, bool) else await result:
                return
            await asyncio.sleep(0.01)

    try:
        await asyncio.wait_for(check(), DEADLINE)
    except TimeoutError:
        raise AssertionError(f"no {what} within {DEADLINE}s") from None


def one_mail() -> Mail:
    return alert_mails(EVENT, "http://desk")[0]


async def test_a_claim_left_by_a_dead_owner_is_taken_over_once_its_lease_runs_out(
    store: CountingStore, clock: ManualClock
) -> None:
    mail, mailer = one_mail(), RecordingMailer()
    await store.claim(mail.event_id, mail.recipient, owner="killed:1/x", lease_seconds=15)
    delivery = asyncio.create_task(
        send_once(log_store=store, mailer=mailer, mails=[mail], policy=POLICY)
    )
    await until(lambda: store.claims >= 3, "second look at the busy claim")
    assert mailer.sent == []  # the dead owner's lease still runs: nobody sends yet
    clock.advance(16)
    await asyncio.wait_for(delivery, DEADLINE)
    assert mailer.sent == [mail.recipient]
    assert await store.outcome(mail.event_id, mail.recipient) == "sent"


async def test_a_mail_a_live_owner_sends_meanwhile_is_waited_for_not_sent_again(
    store: CountingStore,
) -> None:
    mail, mailer = one_mail(), RecordingMailer()
    await store.claim(mail.event_id, mail.recipient, owner="other:2/y", lease_seconds=15)
    delivery = asyncio.create_task(
        send_once(log_store=store, mailer=mailer, mails=[mail], policy=POLICY)
    )
    await until(lambda: store.claims >= 3, "second look at the busy claim")
    await store.finish(mail.event_id, mail.recipient, outcome="sent")
    await asyncio.wait_for(delivery, DEADLINE)  # settled: no MailsPending, no retry
    assert mailer.sent == []


async def test_a_mail_held_longer_than_the_wait_is_retried_later(store: CountingStore) -> None:
    mail, mailer = one_mail(), RecordingMailer()
    await store.claim(mail.event_id, mail.recipient, owner="other:2/y", lease_seconds=15)
    impatient = ClaimPolicy(lease_seconds=15, wait_seconds=0.05, poll_seconds=0.01)
    with pytest.raises(MailsPending, match="being sent by another owner"):
        await send_once(log_store=store, mailer=mailer, mails=[mail], policy=impatient)
    assert mailer.sent == []


async def test_a_cancelled_handler_still_records_the_mail_its_smtp_send_finished(
    store: CountingStore,
) -> None:
    mail, mailer = one_mail(), BlockingMailer()
    handler = asyncio.create_task(
        send_once(log_store=store, mailer=mailer, mails=[mail], policy=POLICY)
    )
    await until(mailer.started.is_set, "SMTP send")
    handler.cancel()  # the connection to RabbitMQ dropped: FastStream cancels the handler
    with pytest.raises(asyncio.CancelledError):
        await handler
    mailer.go_on.set()
    await until(lambda: _outcome_is(store, mail, "sent"), "the mail recorded as sent")
    again = RecordingMailer()  # the redelivery finds it settled
    await send_once(log_store=store, mailer=again, mails=[mail], policy=POLICY)
    assert (mailer.sent, again.sent) == ([mail.recipient], [])


async def test_a_cancelled_handler_whose_send_failed_releases_the_claim_at_once(
    store: CountingStore,
) -> None:
    mail, mailer = one_mail(), BlockingMailer()
    mailer.fail = True
    handler = asyncio.create_task(
        send_once(log_store=store, mailer=mailer, mails=[mail], policy=POLICY)
    )
    await until(mailer.started.is_set, "SMTP send")
    handler.cancel()
    with pytest.raises(asyncio.CancelledError):
        await handler
    mailer.go_on.set()
    await until(lambda: _claimable(store, mail.event_id, mail.recipient), "the claim released")
    redelivery = RecordingMailer()
    await send_once(log_store=store, mailer=redelivery, mails=[mail], policy=POLICY)
    assert redelivery.sent == [mail.recipient]


async def test_a_slow_send_keeps_its_claim_by_renewing_it(
    store: CountingStore, clock: ManualClock
) -> None:
    mail, mailer = one_mail(), BlockingMailer()
    quick = ClaimPolicy(lease_seconds=0.3, wait_seconds=0, poll_seconds=0.01)
    sending = asyncio.create_task(
        send_once(log_store=store, mailer=mailer, mails=[mail], policy=quick)
    )
    await until(mailer.started.is_set, "SMTP send")
    clock.advance(0.2)
    await until(lambda: store.renewals >= 1, "a renewal")
    clock.advance(0.2)  # past the first lease, within the renewed one
    other = await store.claim(mail.event_id, mail.recipient, owner="other", lease_seconds=1)
    assert other is Claim.BUSY
    mailer.go_on.set()
    await asyncio.wait_for(sending, DEADLINE)
    assert mailer.sent == [mail.recipient]


async def test_a_replay_of_a_sent_event_from_the_dlq_sends_nothing(
    store: CountingStore, tmp_path: Path, clock: ManualClock
) -> None:
    mails, mailer = alert_mails(EVENT, "http://desk"), RecordingMailer()
    await send_once(log_store=store, mailer=mailer, mails=mails, policy=POLICY)
    replica = SqliteNotifierStore(tmp_path / "notifier.sqlite3", clock=clock)
    await replica.open()
    try:
        clock.advance(3600)  # replayed an hour later, on another replica
        await send_once(log_store=replica, mailer=mailer, mails=mails, policy=POLICY)
    finally:
        await replica.close()
    assert sorted(mailer.sent) == sorted(m.recipient for m in mails)


async def _outcome_is(store: SqliteNotifierStore, mail: Mail, outcome: str) -> bool:
    return await store.outcome(mail.event_id, mail.recipient) == outcome


async def _claimable(store: SqliteNotifierStore, event_id: UUID, recipient: str) -> bool:
    """Free without waiting for a lease: taken and given back at once to look."""
    if await store.claim(event_id, recipient, owner="probe", lease_seconds=60) is Claim.BUSY:
        return False
    await store.release(event_id, recipient, owner="probe")
    return True
