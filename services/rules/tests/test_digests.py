"""Digest rules: windows aligned to the clock, a matching interaction collected into its
rule's window at triage, and a closed window published once as DigestReadyV1 with an id
every replica derives alike."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from faststream.rabbit import RabbitBroker, RabbitQueue, TestRabbitBroker

from contracts.events import DigestReadyV1
from contracts.interaction import Interaction
from contracts.rules import RuleDefinition
from rules import services
from rules.domain.digest import WindowClock, digest_id
from rules.references import Vocabulary
from rules.rulebook import RuleBook
from rules.store.sqlite import SqliteRuleStore
from servicekit import rpc
from servicekit.publishing import EventPublisher
from servicekit.topology import EVENTS

AT = datetime(2026, 11, 25, 9, 41, 7, tzinfo=UTC)


def test_hour_and_day_windows_are_aligned_to_the_clock_in_utc() -> None:
    clock = WindowClock()
    nine = AT.replace(minute=0, second=0)
    assert clock.window(AT, "hour") == (nine, nine + timedelta(hours=1))
    start, end = clock.window(AT, "day")
    assert (start, end - start) == (datetime(2026, 11, 25, tzinfo=UTC), timedelta(days=1))


def test_the_test_window_is_as_long_as_the_setting_says_and_an_hour_without_it() -> None:
    assert WindowClock(10).window(AT, "test_window") == (
        AT.replace(second=0),
        AT.replace(second=10),
    )
    assert WindowClock().window(AT, "test_window") == WindowClock().window(AT, "hour")


def test_a_windows_digest_id_is_the_same_for_every_replica_and_differs_per_window() -> None:
    rule_id = uuid4()
    start = AT.replace(minute=0, second=0)
    assert digest_id(rule_id, start) == digest_id(rule_id, start)
    assert digest_id(rule_id, start) != digest_id(rule_id, start + timedelta(hours=1))


def digest_rule(every: str = "test_window", **when: Any) -> RuleDefinition:
    return RuleDefinition.model_validate(
        {
            "name": "bad reviews",
            "when": when or {"rating_max": 2},
            "then": {"digest": {"every": every, "emails": ["gerente@example.com"]}},
        }
    )


def review(external_id: str, rating: int) -> Interaction:
    return Interaction.model_validate(
        {
            "channel": "google_business",
            "account": "loja",
            "external_id": external_id,
            "kind": "review",
            "rating": rating,
            "author": {"id": "u1", "name": "Ana"},
            "text": "péssimo" if rating < 3 else "ótimo",
            "occurred_at": AT,
        }
    )


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteRuleStore]:
    opened = SqliteRuleStore(tmp_path / "rules.sqlite3")
    await opened.open()
    yield opened
    await opened.close()


async def test_the_test_window_unit_is_refused_where_the_setting_is_unset(
    store: SqliteRuleStore, desk: Vocabulary
) -> None:
    rulebook = RuleBook(store, 0.01)
    with pytest.raises(rpc.Invalid, match="'test_window' is only for tests"):
        await services.create_rule(
            store=store,
            rulebook=rulebook,
            definition=digest_rule(),
            actor="a",
            clock=WindowClock(),
            vocabulary=desk,
        )
    created = await services.create_rule(
        store=store,
        rulebook=rulebook,
        definition=digest_rule(),
        actor="a",
        clock=WindowClock(5),
        vocabulary=desk,
    )
    assert created.then.digest is not None


async def test_a_closed_window_is_published_once_with_its_items_and_an_empty_one_never(
    store: SqliteRuleStore,
) -> None:
    clock = WindowClock(60)
    rulebook = RuleBook(store, 0.01)
    rule = await store.create_rule(digest_rule())
    for external_id, rating in [("r1", 1), ("r2", 5), ("r3", 2)]:
        decision = await services.triage(
            rulebook=rulebook,
            store=store,
            interaction=review(external_id, rating),
            received_at=AT,
            clock=clock,
        )
        assert decision.digest_rules == ([rule.id] if rating < 3 else [])
    await store.create_rule(digest_rule(rating_min=3, rating_max=3))  # matches nothing

    broker = RabbitBroker(apply_types=False)
    published: list[DigestReadyV1] = []

    @broker.subscriber(RabbitQueue("test.digests", routing_key=DigestReadyV1.routing_key), EVENTS)
    async def on_digest(body: dict[str, Any]) -> None:
        published.append(DigestReadyV1.model_validate(body))

    closed = AT.replace(second=0) + timedelta(minutes=1, seconds=services.DIGEST_GRACE_SECONDS)
    async with TestRabbitBroker(broker):
        publisher = EventPublisher(broker)
        early = await services.send_closed_digests(store=store, publisher=publisher, now=AT)
        sent = await services.send_closed_digests(store=store, publisher=publisher, now=closed)
        again = await services.send_closed_digests(store=store, publisher=publisher, now=closed)

    assert (early, sent, again) == (0, 1, 0)
    [event] = published
    assert event.id == digest_id(rule.id, AT.replace(second=0))
    assert (event.rule_id, event.rule_name, event.recipients) == (
        rule.id,
        "bad reviews",
        ["gerente@example.com"],
    )
    assert [i.interaction_key for i in event.items] == ["google_business:r1", "google_business:r3"]
    assert event.total_matched == 2
    assert event.window_end - event.window_start == timedelta(minutes=1)
