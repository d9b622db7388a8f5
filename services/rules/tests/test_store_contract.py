"""What every RuleStore adapter must do: keep rules in evaluation order and move the
revision with every change, so replicas notice it; keep the log of triaged interactions that
backtests read."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

from contracts.interaction import Interaction
from contracts.rules import RuleActions, RuleConditions, RuleDefinition
from rules.store.port import LoggedInteraction, RuleStore
from servicekit.clock import ManualClock


def rule(name: str, *keywords: str, tag: str = "lead") -> RuleDefinition:
    return RuleDefinition(
        name=name,
        when=RuleConditions(text_any=list(keywords or ("buy",))),
        then=RuleActions(add_tags=[tag]),
    )


async def test_an_open_store_answers_the_health_check(store: RuleStore) -> None:
    await store.ping()


async def test_revision_starts_at_zero(store: RuleStore) -> None:
    assert await store.revision() == 0


async def test_created_rule_reads_back_as_defined(store: RuleStore) -> None:
    definition = rule("Leads", "buy", "price")
    created = await store.create_rule(definition)
    assert created.version == 1
    assert created.created_at == created.updated_at
    assert RuleDefinition(**created.model_dump(include=set(RuleDefinition.model_fields))) == (
        definition
    )
    assert await store.get_rule(created.id) == created


async def test_rules_are_listed_in_creation_order(store: RuleStore) -> None:
    names = ["first", "second", "third"]
    for name in names:
        await store.create_rule(rule(name))
    assert [r.name for r in await store.list_rules()] == names


async def test_every_change_moves_the_revision(store: RuleStore) -> None:
    seen = [await store.revision()]
    created = await store.create_rule(rule("Leads"))
    seen.append(await store.revision())
    await store.replace_rule(created.id, rule("Leads", "purchase"))
    seen.append(await store.revision())
    await store.delete_rule(created.id)
    seen.append(await store.revision())
    assert seen == sorted(set(seen))


async def test_a_change_through_one_replica_moves_the_revision_another_reads(
    backend: Any,
) -> None:
    first, second = await backend.open(), await backend.open()
    before = await second.revision()
    created = await first.create_rule(rule("Leads"))
    assert await second.revision() > before
    assert [r.id for r in await second.list_rules()] == [created.id]


async def test_concurrent_changes_each_move_the_revision(backend: Any) -> None:
    first, second = await backend.open(), await backend.open()
    await asyncio.gather(*((first, second)[i % 2].create_rule(rule(f"rule {i}")) for i in range(6)))
    assert await first.revision() == 6
    assert len(await first.list_rules()) == 6


async def test_replacing_a_rule_bumps_its_version_and_keeps_its_place(store: RuleStore) -> None:
    first = await store.create_rule(rule("first"))
    await store.create_rule(rule("second"))
    replaced = await store.replace_rule(first.id, rule("first, renamed", "purchase"))
    assert replaced is not None
    assert (replaced.id, replaced.version, replaced.name) == (first.id, 2, "first, renamed")
    assert replaced.when.text_any == ["purchase"]
    assert replaced.created_at == first.created_at
    assert replaced.updated_at >= first.updated_at
    assert await store.get_rule(first.id) == replaced
    assert [r.name for r in await store.list_rules()] == ["first, renamed", "second"]


async def test_deleted_rule_is_gone(store: RuleStore) -> None:
    doomed = await store.create_rule(rule("doomed"))
    kept = await store.create_rule(rule("kept"))
    assert await store.delete_rule(doomed.id) is True
    assert await store.get_rule(doomed.id) is None
    assert [r.id for r in await store.list_rules()] == [kept.id]


async def test_rule_created_after_a_deletion_comes_last(store: RuleStore) -> None:
    await store.create_rule(rule("first"))
    second = await store.create_rule(rule("second"))
    await store.delete_rule(second.id)
    await store.create_rule(rule("third"))
    assert [r.name for r in await store.list_rules()] == ["first", "third"]


async def test_changing_an_unknown_rule_changes_nothing(store: RuleStore) -> None:
    await store.create_rule(rule("Leads"))
    revision = await store.revision()
    assert await store.replace_rule(uuid4(), rule("ghost")) is None
    assert await store.delete_rule(uuid4()) is False
    assert await store.revision() == revision


async def test_every_change_is_in_the_rules_history_with_who_and_before_after(
    store: RuleStore,
) -> None:
    created = await store.create_rule(rule("Leads", "buy"), actor="ana")
    await store.replace_rule(created.id, rule("Leads", "purchase"), actor="bruno")
    await store.delete_rule(created.id, actor="carla")
    history = await store.history(created.id)
    assert [(c.action, c.version, c.actor) for c in history] == [
        ("created", 1, "ana"),
        ("replaced", 2, "bruno"),
        ("deleted", 2, "carla"),
    ]
    assert history[0].before is None and history[0].after == rule("Leads", "buy")
    assert history[1].before == rule("Leads", "buy")
    assert history[1].after == rule("Leads", "purchase")
    assert history[2].before == rule("Leads", "purchase") and history[2].after is None
    assert history[0].at <= history[1].at <= history[2].at


async def test_each_change_is_stamped_with_the_stores_clock(
    store: RuleStore, clock: ManualClock
) -> None:
    created_at = clock()
    created = await store.create_rule(rule("Leads", "buy"), actor="ana")
    clock.advance(90)
    await store.replace_rule(created.id, rule("Leads", "purchase"), actor="bruno")
    history = await store.history(created.id)
    assert [c.at for c in history] == [created_at, created_at + timedelta(seconds=90)]


async def test_a_refused_change_leaves_no_history(store: RuleStore) -> None:
    ghost = uuid4()
    await store.replace_rule(ghost, rule("ghost"), actor="ana")
    await store.delete_rule(ghost, actor="ana")
    assert await store.history(ghost) == []


async def test_new_rule_fields_survive_the_store(store: RuleStore) -> None:
    definition = RuleDefinition.model_validate(
        {
            "name": "bad reviews",
            "order": -3,
            "stop_processing": True,
            "starts_at": "2026-11-01T00:00:00Z",
            "when": {
                "kinds": ["review"],
                "rating_max": 2,
                "text_expression": 'péssimo OR "não volto"',
                "any_of": [{"languages": ["pt"]}, {"campaign": False}],
            },
            "then": {"set_priority": "high", "auto_reply": {"template": "Olá $author_name"}},
        }
    )
    created = await store.create_rule(definition)
    assert RuleDefinition(**created.model_dump(include=set(RuleDefinition.model_fields))) == (
        definition
    )


def logged(external_id: str, occurred_at: datetime, text: str = "") -> LoggedInteraction:
    interaction = Interaction.model_validate(
        {
            "channel": "facebook",
            "account": "acme",
            "external_id": external_id,
            "kind": "comment",
            "author": {"id": "u1"},
            "text": text,
            "occurred_at": occurred_at,
        }
    )
    return LoggedInteraction(interaction, received_at=occurred_at + timedelta(seconds=1))


async def test_logged_interactions_of_a_range_come_back_in_time_order(store: RuleStore) -> None:
    start = datetime(2026, 11, 25, 9, tzinfo=UTC)
    for minutes, name in [(30, "c"), (0, "a"), (10, "b"), (60, "outside")]:
        await store.log_interaction(logged(name, start + timedelta(minutes=minutes), name))
    found = await store.logged_between(start, start + timedelta(hours=1), after=None, limit=10)
    assert [e.interaction.external_id for e in found] == ["a", "b", "c"]
    assert found[0].interaction.text == "a"
    assert found[0].received_at == start + timedelta(seconds=1)


async def test_the_log_keeps_what_rules_read_but_not_the_networks_raw_payload(
    store: RuleStore,
) -> None:
    at = datetime(2026, 11, 25, 9, tzinfo=UTC)
    original = logged("a", at, "péssimo")
    with_raw = LoggedInteraction(
        original.interaction.model_copy(update={"raw": {"big": "x" * 10_000}}),
        original.received_at,
    )
    await store.log_interaction(with_raw)
    [kept] = await store.logged_between(at, at + timedelta(1), after=None, limit=1)
    assert kept.interaction == original.interaction


async def test_the_log_reads_page_after_page_without_losing_equal_times(store: RuleStore) -> None:
    at = datetime(2026, 11, 25, 9, tzinfo=UTC)
    for name in ["e", "a", "d", "b", "c"]:
        await store.log_interaction(logged(name, at))
    seen, cursor = [], None
    while page := await store.logged_between(at, at + timedelta(1), after=cursor, limit=2):
        seen += [e.interaction.external_id for e in page]
        cursor = page[-1].cursor
    assert seen == ["a", "b", "c", "d", "e"]


async def test_logging_an_interaction_twice_keeps_it_once(store: RuleStore) -> None:
    at = datetime(2026, 11, 25, 9, tzinfo=UTC)
    await asyncio.gather(*(store.log_interaction(logged("same", at)) for _ in range(3)))
    assert len(await store.logged_between(at, at + timedelta(1), after=None, limit=10)) == 1


async def test_pruning_forgets_only_what_was_received_before_the_limit(store: RuleStore) -> None:
    old = datetime(2026, 8, 1, tzinfo=UTC)
    recent = datetime(2026, 11, 1, tzinfo=UTC)
    await store.log_interaction(logged("old", old))
    await store.log_interaction(logged("recent", recent))
    assert await store.prune_log(datetime(2026, 10, 1, tzinfo=UTC)) == 1
    kept = await store.logged_between(old, recent + timedelta(1), after=None, limit=10)
    assert [e.interaction.external_id for e in kept] == ["recent"]
