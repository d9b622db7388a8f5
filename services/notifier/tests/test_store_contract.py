"""What every MailLog adapter must do: let exactly one process send each alert e-mail, once,
and let a claim left behind by a dead process be taken over once its lease ran out."""

from __future__ import annotations

import asyncio
from typing import Any
from uuid import uuid4

from notifier.store.port import Claim, MailLog
from servicekit.clock import ManualClock

LEASE = 60.0
ANA = "ana@example.com"


async def test_an_open_store_answers_the_health_check(store: MailLog) -> None:
    await store.ping()


async def test_claim_is_granted_once_then_done_after_sent(store: MailLog) -> None:
    event = uuid4()
    assert await store.claim(event, ANA, owner="a", lease_seconds=LEASE) is Claim.GRANTED
    await store.finish(event, ANA, outcome="sent")
    assert await store.claim(event, ANA, owner="a", lease_seconds=LEASE) is Claim.DONE
    assert await store.claim(event, ANA, owner="b", lease_seconds=LEASE) is Claim.DONE


async def test_refused_address_is_done_for_good(store: MailLog) -> None:
    event = uuid4()
    await store.claim(event, "nobody@example.com", owner="a", lease_seconds=LEASE)
    await store.finish(event, "nobody@example.com", outcome="refused")
    assert await store.claim(event, "nobody@example.com", owner="b", lease_seconds=0) is Claim.DONE


async def test_claim_by_another_process_is_busy_until_its_lease_expires(
    backend: Any, clock: ManualClock
) -> None:
    first, second = await backend.open(), await backend.open()
    event = uuid4()
    assert await first.claim(event, ANA, owner="a", lease_seconds=0.5) is Claim.GRANTED
    assert await second.claim(event, ANA, owner="b", lease_seconds=LEASE) is Claim.BUSY
    clock.advance(0.6)
    assert await second.claim(event, ANA, owner="b", lease_seconds=LEASE) is Claim.GRANTED
    assert await first.claim(event, ANA, owner="a", lease_seconds=LEASE) is Claim.BUSY


async def test_a_claim_held_by_its_own_owner_is_busy_for_a_second_attempt(
    store: MailLog,
) -> None:
    """Two deliveries of one event in one process must not both send."""
    event = uuid4()
    assert await store.claim(event, ANA, owner="a", lease_seconds=LEASE) is Claim.GRANTED
    assert await store.claim(event, ANA, owner="a", lease_seconds=LEASE) is Claim.BUSY


async def test_renewing_keeps_a_live_owner_s_claim_past_its_first_lease(
    backend: Any, clock: ManualClock
) -> None:
    sender, other = await backend.open(), await backend.open()
    event = uuid4()
    await sender.claim(event, ANA, owner="a", lease_seconds=10)
    clock.advance(8)
    assert await sender.renew(event, ANA, owner="a", lease_seconds=10) is True
    clock.advance(8)  # 16 s after the claim: the first lease alone would have run out
    assert await other.claim(event, ANA, owner="b", lease_seconds=LEASE) is Claim.BUSY
    clock.advance(3)  # nobody renewed: the owner is taken for dead
    assert await other.claim(event, ANA, owner="b", lease_seconds=LEASE) is Claim.GRANTED


async def test_an_owner_taken_over_can_neither_renew_nor_release_the_new_claim(
    backend: Any, clock: ManualClock
) -> None:
    stale, new = await backend.open(), await backend.open()
    event = uuid4()
    await stale.claim(event, ANA, owner="a", lease_seconds=1)
    clock.advance(2)
    assert await new.claim(event, ANA, owner="b", lease_seconds=LEASE) is Claim.GRANTED
    assert await stale.renew(event, ANA, owner="a", lease_seconds=LEASE) is False
    await stale.release(event, ANA, owner="a")
    assert await stale.claim(event, ANA, owner="c", lease_seconds=LEASE) is Claim.BUSY
    assert await new.renew(event, ANA, owner="b", lease_seconds=LEASE) is True


async def test_released_claim_can_be_taken_again_at_once(backend: Any) -> None:
    first, second = await backend.open(), await backend.open()
    event = uuid4()
    await first.claim(event, ANA, owner="a", lease_seconds=LEASE)
    await first.release(event, ANA, owner="a")
    assert await second.claim(event, ANA, owner="b", lease_seconds=LEASE) is Claim.GRANTED


async def test_release_after_sending_does_not_allow_a_second_mail(store: MailLog) -> None:
    event = uuid4()
    await store.claim(event, ANA, owner="a", lease_seconds=LEASE)
    await store.finish(event, ANA, outcome="sent")
    await store.release(event, ANA, owner="a")
    assert await store.renew(event, ANA, owner="a", lease_seconds=LEASE) is False
    assert await store.claim(event, ANA, owner="b", lease_seconds=LEASE) is Claim.DONE


async def test_a_mail_sent_by_an_owner_whose_lease_ran_out_stays_sent(
    backend: Any, clock: ManualClock
) -> None:
    """The slow sender's SMTP accepted it after all: that is recorded, and the owner that took
    the claim over meanwhile finds the mail settled rather than sending it again."""
    slow, other = await backend.open(), await backend.open()
    event = uuid4()
    await slow.claim(event, ANA, owner="a", lease_seconds=1)
    clock.advance(2)
    await slow.finish(event, ANA, outcome="sent")
    assert await other.claim(event, ANA, owner="b", lease_seconds=LEASE) is Claim.DONE
    await other.finish(event, ANA, outcome="refused")  # a settled mail stays as it was
    assert await other.outcome(event, ANA) == "sent"


async def test_each_recipient_of_an_event_is_claimed_separately(store: MailLog) -> None:
    event = uuid4()
    await store.claim(event, ANA, owner="a", lease_seconds=LEASE)
    await store.finish(event, ANA, outcome="sent")
    assert await store.claim(event, "bob@example.com", owner="a", lease_seconds=LEASE) is (
        Claim.GRANTED
    )
    assert await store.claim(uuid4(), ANA, owner="a", lease_seconds=LEASE) is Claim.GRANTED


async def test_concurrent_claims_grant_exactly_one(backend: Any) -> None:
    replicas = [await backend.open() for _ in range(2)]
    event = uuid4()
    claims = await asyncio.gather(
        *(replicas[i % 2].claim(event, ANA, owner=f"o{i}", lease_seconds=LEASE) for i in range(6))
    )
    assert sorted(claims) == sorted([Claim.GRANTED] + [Claim.BUSY] * 5)


async def test_the_outcome_of_a_mail_is_known_once_it_is_settled(store: MailLog) -> None:
    event = uuid4()
    assert await store.outcome(event, ANA) is None
    await store.claim(event, ANA, owner="a", lease_seconds=LEASE)
    await store.claim(event, "nobody@example.com", owner="a", lease_seconds=LEASE)
    assert await store.outcome(event, ANA) is None
    await store.finish(event, ANA, outcome="sent")
    await store.finish(event, "nobody@example.com", outcome="refused")
    assert await store.outcome(event, ANA) == "sent"
    assert await store.outcome(event, "nobody@example.com") == "refused"
