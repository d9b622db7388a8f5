"""What every RuleStore adapter must do for digest rules: collect each window's interactions,
and hand each closed window to exactly one replica, once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from contracts.events import DigestItem
from contracts.interaction import Interaction
from rules.domain.digest import item_of
from rules.store.port import DigestEntry, DigestWindow, LoggedInteraction, RuleStore

HOUR = datetime(2026, 11, 25, 9, tzinfo=UTC)
RULE = uuid4()


def window(start: datetime = HOUR, rule_id: UUID = RULE, name: str = "bad reviews") -> DigestWindow:
    return DigestWindow(rule_id, name, ("gerente@example.com",), start, start + timedelta(hours=1))


def entry(external_id: str, minute: int) -> LoggedInteraction:
    interaction = Interaction.model_validate(
        {
            "channel": "google_business",
            "account": "loja",
            "external_id": external_id,
            "kind": "review",
            "rating": 1,
            "author": {"id": "u1", "name": "Ana"},
            "text": "péssimo",
            "occurred_at": HOUR + timedelta(minutes=minute),
        }
    )
    return LoggedInteraction(interaction, received_at=HOUR + timedelta(minutes=minute))


async def collect(store: RuleStore, external_id: str, minute: int, into: DigestWindow) -> None:
    logged = entry(external_id, minute)
    await store.log_interaction(logged, [DigestEntry(into, item_of(logged.interaction))])


def keys(items: list[DigestItem]) -> list[str]:
    return [i.interaction_key for i in items]


async def test_a_window_lists_its_interactions_in_time_order_with_the_total(
    store: RuleStore,
) -> None:
    for external_id, minute in [("b", 20), ("a", 5), ("c", 40)]:
        await collect(store, external_id, minute, window())
    items, total = await store.digest_items(RULE, HOUR, limit=2)
    assert (keys(items), total) == (["google_business:a", "google_business:b"], 3)
    assert items[0].rating == 1 and items[0].author == "Ana"


async def test_an_interaction_collected_twice_is_listed_once(store: RuleStore) -> None:
    await asyncio.gather(*(collect(store, "same", 5, window()) for _ in range(3)))
    assert (await store.digest_items(RULE, HOUR, limit=10))[1] == 1


async def test_only_closed_windows_are_claimed(store: RuleStore) -> None:
    await collect(store, "a", 5, window())
    await collect(store, "b", 5, window(HOUR + timedelta(hours=1)))
    claimed = await store.claim_closed_windows(
        HOUR + timedelta(hours=1, minutes=30), now=HOUR, lease_seconds=60
    )
    assert [(w.rule_id, w.start, w.rule_name) for w in claimed] == [(RULE, HOUR, "bad reviews")]
    assert claimed[0].emails == ("gerente@example.com",)


async def test_of_two_replicas_claiming_at_once_each_window_goes_to_one(backend: Any) -> None:
    first, second = await backend.open(), await backend.open()
    rules = [uuid4() for _ in range(6)]
    for rule_id in rules:
        await collect(first, "a", 5, window(rule_id=rule_id))
    later = HOUR + timedelta(hours=2)
    claims = await asyncio.gather(
        *(
            replica.claim_closed_windows(later, now=later, lease_seconds=60)
            for replica in (first, second, first, second)
        )
    )
    claimed = [w.rule_id for claim in claims for w in claim]
    assert sorted(claimed) == sorted(rules)


async def test_a_claim_whose_lease_ran_out_is_taken_again_but_a_sent_window_never(
    store: RuleStore,
) -> None:
    await collect(store, "a", 5, window())
    later = HOUR + timedelta(hours=2)
    assert len(await store.claim_closed_windows(later, now=later, lease_seconds=60)) == 1
    assert await store.claim_closed_windows(later, now=later, lease_seconds=60) == []
    after_lease = later + timedelta(seconds=61)
    assert len(await store.claim_closed_windows(later, now=after_lease, lease_seconds=60)) == 1
    await store.mark_digest_sent(RULE, HOUR, at=after_lease)
    much_later = later + timedelta(hours=5)
    assert await store.claim_closed_windows(much_later, now=much_later, lease_seconds=60) == []


async def test_a_windows_latest_rule_name_and_addresses_are_kept(store: RuleStore) -> None:
    await collect(store, "a", 5, window())
    await collect(store, "b", 6, window(name="renamed"))
    later = HOUR + timedelta(hours=2)
    [claimed] = await store.claim_closed_windows(later, now=later, lease_seconds=60)
    assert claimed.rule_name == "renamed"


async def test_pruning_forgets_sent_windows_that_ended_before_the_limit(store: RuleStore) -> None:
    await collect(store, "a", 5, window())
    later = HOUR + timedelta(hours=2)
    await store.claim_closed_windows(later, now=later, lease_seconds=60)
    await store.mark_digest_sent(RULE, HOUR, at=later)
    await store.prune_log(HOUR + timedelta(days=1))
    assert await store.digest_items(RULE, HOUR, limit=10) == ([], 0)
