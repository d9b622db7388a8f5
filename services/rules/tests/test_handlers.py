"""The rules consumer, on FastStream's in-memory broker: a received interaction comes out
triaged with the decision of the stored rules; a broken message goes to the DLQ."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from faststream.rabbit import RabbitBroker, RabbitQueue, TestRabbitBroker
from faststream.rabbit.message import RabbitMessage

from contracts import topology
from contracts.events import InteractionReceivedV1, InteractionTriagedV1
from contracts.interaction import Interaction
from contracts.rules import RuleDefinition
from rules.handlers import Deps, build_router
from rules.rulebook import RuleBook
from rules.store.sqlite import SqliteRuleStore
from servicekit.consuming import ERROR_HEADER, raw_message
from servicekit.publishing import EventPublisher
from servicekit.topology import DEAD_LETTERS, EVENTS

INTERACTION = Interaction.model_validate(
    {
        "channel": "facebook",
        "account": "acme",
        "external_id": "c1",
        "kind": "comment",
        "author": {"id": "u1"},
        "text": "Vou na Anatel",
        "occurred_at": datetime.now(UTC),
    }
)


@pytest.fixture
async def harness(tmp_path: Path) -> AsyncIterator[tuple[RabbitBroker, SqliteRuleStore]]:
    store = SqliteRuleStore(tmp_path / "rules.sqlite3")
    await store.open()
    broker = RabbitBroker(apply_types=False)  # as servicekit.service.new_broker makes it
    broker.include_router(build_router(Deps(store, RuleBook(store, 0.01), EventPublisher(broker))))
    yield broker, store
    await store.close()


async def test_received_interaction_is_published_triaged_with_the_matching_rule(
    harness: tuple[RabbitBroker, SqliteRuleStore],
) -> None:
    broker, store = harness
    rule = await store.create_rule(
        RuleDefinition.model_validate(
            {"name": "anatel", "when": {"text_any": ["anatel"]}, "then": {"add_tags": ["legal"]}}
        )
    )
    triaged: list[InteractionTriagedV1] = []

    @broker.subscriber(
        RabbitQueue("test.triaged", routing_key=InteractionTriagedV1.routing_key), EVENTS
    )
    async def collect(body: dict[str, Any]) -> None:
        triaged.append(InteractionTriagedV1.model_validate(body))

    async with TestRabbitBroker(broker) as test_broker:
        received = InteractionReceivedV1(interaction=INTERACTION)
        await test_broker.publish(
            received.model_dump_json().encode(), queue=topology.RULES_INTERACTIONS.name
        )

    [event] = triaged
    assert event.correlation_id == received.id
    assert event.decision.tags == ["legal"]
    assert [m.rule_id for m in event.decision.matched] == [rule.id]


async def test_a_message_that_is_not_the_contract_is_dead_lettered_with_its_cause(
    harness: tuple[RabbitBroker, SqliteRuleStore],
) -> None:
    broker, _ = harness
    dead: list[Any] = []

    @broker.subscriber(
        RabbitQueue("test.dead", routing_key=topology.RULES_INTERACTIONS.name),
        DEAD_LETTERS,
        decoder=raw_message,
    )
    async def collect(message: RabbitMessage) -> None:
        dead.append(message.headers)

    async with TestRabbitBroker(broker) as test_broker:
        await test_broker.publish(b'{"v": 1}', queue=topology.RULES_INTERACTIONS.name)
    [headers] = dead
    assert "invalid InteractionReceivedV1" in headers[ERROR_HEADER]
