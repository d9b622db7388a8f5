"""What every adapter must do for the pollers: one lease holder at a time, a due time, and a
cursor that outlives the process (runs on every backend)."""

from __future__ import annotations

from datetime import timedelta

from contracts.accounts import AccountHealth, AccountRead, Collect, HealthState
from contracts.interaction import Channel
from ingestor.accounts import PollOutcome, health_event, record_poll
from ingestor.store.accounts_port import StoredAccount
from ingestor.store.port import IngestStore
from servicekit.clock import ManualClock

LEASE = timedelta(seconds=60)


async def test_one_replica_at_a_time_holds_an_account(
    store: IngestStore, clock: ManualClock
) -> None:
    now = clock()
    assert await store.claim_poll("acme-yt", "a", now=now, lease_until=now + LEASE) == {}
    assert await store.claim_poll("acme-yt", "b", now=now, lease_until=now + LEASE) is None
    # The holder dies mid-poll: once its lease expires another replica takes over.
    later = now + LEASE + timedelta(seconds=1)
    assert await store.claim_poll("acme-yt", "b", now=later, lease_until=later + LEASE) == {}
    # The old holder can no longer save over the new one's work.
    assert not await store.finish_poll("acme-yt", "a", cursor={"x": 1}, next_poll_at=later)
    assert await store.poll_cursor("acme-yt") == {}


async def test_the_cursor_is_saved_and_the_next_poll_waits_until_due(
    store: IngestStore, clock: ManualClock
) -> None:
    now = clock()
    await store.claim_poll("acme-yt", "a", now=now, lease_until=now + LEASE)
    cursor = {"state": {"newest": "2026-11-30T12:00:00Z"}, "quota": {"used": 3}}
    due = now + timedelta(seconds=300)
    assert await store.finish_poll("acme-yt", "a", cursor=cursor, next_poll_at=due)
    assert await store.poll_cursor("acme-yt") == cursor
    # Released, but not due: nobody (the last holder included) polls it before its time.
    assert await store.claim_poll("acme-yt", "b", now=now, lease_until=now + LEASE) is None
    assert await store.claim_poll("acme-yt", "a", now=now, lease_until=now + LEASE) is None
    assert await store.claim_poll("acme-yt", "b", now=due, lease_until=due + LEASE) == cursor
    assert await store.poll_cursor("never-polled") is None


async def test_poll_health_leaves_the_webhook_fields_alone(
    store: IngestStore, clock: ManualClock
) -> None:
    now = clock()
    await store.create_account(
        StoredAccount(
            AccountRead(
                id="acme-fb",
                channel=Channel.FACEBOOK,
                network_id="1001",
                name="Acme",
                collect=[Collect.COMMENTS],
                active=True,
                has_credentials=False,
                health=AccountHealth(),
                created_at=now,
                updated_at=now,
            ),
            None,
        )
    )
    await store.note_events(["acme-fb"], now)
    await store.set_health(
        "acme-fb", state=HealthState.OK, last_error=None, consecutive_failures=0, last_poll_at=now
    )
    await store.set_health(
        "acme-fb", state=HealthState.FAILING, last_error="503", consecutive_failures=3
    )
    stored = await store.account("acme-fb")
    assert stored is not None
    health = stored.account.health
    assert (health.state, health.last_error, health.consecutive_failures) == (
        HealthState.FAILING,
        "503",
        3,
    )
    assert health.last_poll_at == now and health.last_event_at == now


async def test_each_change_of_health_is_announced_once(
    store: IngestStore, clock: ManualClock
) -> None:
    """Incident and recovery each write one account.health_changed.v1 into the outbox with
    the health; a replica repeating the same transition (its write retried, or a second one
    whose lease ran out) adds nothing."""
    now = clock()
    await store.create_account(
        StoredAccount(
            AccountRead(
                id="acme-li",
                channel=Channel.LINKEDIN,
                network_id="42",
                name="Acme",
                collect=[Collect.COMMENTS],
                active=True,
                has_credentials=False,
                health=AccountHealth(),
                created_at=now,
                updated_at=now,
            ),
            None,
        )
    )

    async def poll(outcome: PollOutcome) -> list[str]:
        before = await store.outbox_backlog()
        await record_poll(store, "acme-li", outcome, now=clock(), failing_after=2)
        after = await store.outbox_backlog()
        return ["event"] * (after.events - before.events)

    failure = PollOutcome(error="NetworkError: 503")
    assert await poll(failure) == []  # one failure is not an incident yet
    assert await poll(failure) == ["event"]  # failing
    assert await poll(failure) == []  # still failing: no new mail
    stored = await store.account("acme-li")
    assert stored is not None and stored.account.health.state is HealthState.FAILING
    failing = stored.account.health
    # A second writer of the very same transition: the same key, nothing new.
    ok = failing.model_copy(update={"state": HealthState.OK})
    key_and_event = health_event(stored.account, failing, ok)
    assert key_and_event is not None
    assert await store.set_health(
        "acme-li",
        state=HealthState.OK,
        last_error=None,
        consecutive_failures=0,
        changed_at=clock(),
        event=key_and_event,
    ) == [key_and_event[1]]
    assert (
        await store.set_health(
            "acme-li",
            state=HealthState.OK,
            last_error=None,
            consecutive_failures=0,
            event=key_and_event,
        )
        == []
    )
    clock.advance(5)
    assert await poll(PollOutcome(throttled_until=clock() + timedelta(hours=1))) == ["event"]
    assert await poll(PollOutcome()) == ["event"]  # recovered
    assert await poll(PollOutcome()) == []
