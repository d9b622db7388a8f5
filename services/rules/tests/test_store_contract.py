"""What every RuleStore adapter must do: keep rules in evaluation order and move the
revision with every change, so replicas notice it."""

from __future__ import annotations

import asyncio
from typing import Any
from uuid import uuid4

from contracts.rules import RuleActions, RuleConditions, RuleDefinition
from rules.store.port import RuleStore


def rule(name: str, *keywords: str, tag: str = "lead") -> RuleDefinition:
    return RuleDefinition(
        name=name,
        when=RuleConditions(text_any=list(keywords or ("buy",))),
        then=RuleActions(add_tags=[tag]),
    )


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
