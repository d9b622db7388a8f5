"""What every MailLog adapter must do: let exactly one process send each alert e-mail, once."""

from __future__ import annotations

import asyncio
from typing import Any
from uuid import uuid4

from notifier.store.port import Claim, MailLog
from servicekit.clock import ManualClock

LEASE = 60.0


async def test_an_open_store_answers_the_health_check(store: MailLog) -> None:
    await store.ping()


async def test_claim_is_granted_once_then_done_after_sent(store: MailLog) -> None:
    event = uuid4()
    assert await store.claim(event, "ana@example.com", lease_seconds=LEASE) is Claim.GRANTED
    await store.finish(event, "ana@example.com", outcome="sent")
    assert await store.claim(event, "ana@example.com", lease_seconds=LEASE) is Claim.DONE


async def test_refused_address_is_done_for_good(store: MailLog) -> None:
    event = uuid4()
    await store.claim(event, "nobody@example.com", lease_seconds=LEASE)
    await store.finish(event, "nobody@example.com", outcome="refused")
    assert await store.claim(event, "nobody@example.com", lease_seconds=0) is Claim.DONE


async def test_claim_by_another_process_is_busy_until_its_lease_expires(
    backend: Any, clock: ManualClock
) -> None:
    first, second = await backend.open(), await backend.open()
    event = uuid4()
    assert await first.claim(event, "ana@example.com", lease_seconds=0.5) is Claim.GRANTED
    assert await second.claim(event, "ana@example.com", lease_seconds=LEASE) is Claim.BUSY
    clock.advance(0.6)
    assert await second.claim(event, "ana@example.com", lease_seconds=LEASE) is Claim.GRANTED
    assert await first.claim(event, "ana@example.com", lease_seconds=LEASE) is Claim.BUSY


async def test_released_claim_can_be_taken_again_at_once(backend: Any) -> None:
    first, second = await backend.open(), await backend.open()
    event = uuid4()
    await first.claim(event, "ana@example.com", lease_seconds=LEASE)
    await first.release(event, "ana@example.com")
    assert await second.claim(event, "ana@example.com", lease_seconds=LEASE) is Claim.GRANTED


async def test_release_after_sending_does_not_allow_a_second_mail(store: MailLog) -> None:
    event = uuid4()
    await store.claim(event, "ana@example.com", lease_seconds=LEASE)
    await store.finish(event, "ana@example.com", outcome="sent")
    await store.release(event, "ana@example.com")
    assert await store.claim(event, "ana@example.com", lease_seconds=LEASE) is Claim.DONE


async def test_each_recipient_of_an_event_is_claimed_separately(store: MailLog) -> None:
    event = uuid4()
    await store.claim(event, "ana@example.com", lease_seconds=LEASE)
    await store.finish(event, "ana@example.com", outcome="sent")
    assert await store.claim(event, "bob@example.com", lease_seconds=LEASE) is Claim.GRANTED
    assert await store.claim(uuid4(), "ana@example.com", lease_seconds=LEASE) is Claim.GRANTED


async def test_concurrent_claims_grant_exactly_one(backend: Any) -> None:
    replicas = [await backend.open() for _ in range(2)]
    event = uuid4()
    claims = await asyncio.gather(
        *(replicas[i % 2].claim(event, "ana@example.com", lease_seconds=LEASE) for i in range(6))
    )
    assert sorted(claims) == sorted([Claim.GRANTED] + [Claim.BUSY] * 5)


async def test_the_outcome_of_a_mail_is_known_once_it_is_settled(store: MailLog) -> None:
    event = uuid4()
    assert await store.outcome(event, "ana@example.com") is None
    await store.claim(event, "ana@example.com", lease_seconds=LEASE)
    await store.claim(event, "nobody@example.com", lease_seconds=LEASE)
    assert await store.outcome(event, "ana@example.com") is None
    await store.finish(event, "ana@example.com", outcome="sent")
    await store.finish(event, "nobody@example.com", outcome="refused")
    assert await store.outcome(event, "ana@example.com") == "sent"
    assert await store.outcome(event, "nobody@example.com") == "refused"
