"""Rules on the author's groups (docs/domain.md F30): the condition, and the rules' copy of
who is in which group, kept from ticketing's person.changed events on every adapter."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

from contracts.persons import PersonChangedV1
from contracts.rules import RuleDefinition
from rules import services
from rules.domain.matching import CompiledRule, RuleSet, evaluate
from rules.store.port import RuleStore

from .test_filters import make

T0 = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def vip_rule(**when: object) -> CompiledRule:
    definition = RuleDefinition.model_validate(
        {"name": "vip", "when": {"author_groups_any": ["VIP"], **when}, "then": {}}
    )
    return CompiledRule.compile(uuid4(), definition)


def test_a_group_condition_holds_for_an_author_in_the_group_in_any_case() -> None:
    [fired] = evaluate([vip_rule()], make(), groups=["vip", "press"])
    assert fired.reasons == ["the author is in group 'VIP'"]
    assert evaluate([vip_rule()], make(), groups=["press"]) == []
    assert evaluate([vip_rule()], make()) == []


def test_only_rules_naming_groups_make_triage_read_them() -> None:
    plain = CompiledRule.compile(
        uuid4(), RuleDefinition.model_validate({"name": "p", "when": {}, "then": {}})
    )
    nested = vip_rule().definition.model_copy(
        update={
            "when": RuleDefinition.model_validate(
                {"name": "n", "when": {"any_of": [{"author_groups_any": ["VIP"]}]}, "then": {}}
            ).when
        }
    )
    assert not RuleSet([plain]).needs_groups
    assert RuleSet([plain, CompiledRule.compile(uuid4(), nested)]).needs_groups


async def test_the_groups_of_an_identity_follow_the_latest_announcement(store: RuleStore) -> None:
    person = uuid4()
    newer = PersonChangedV1(
        person_id=person,
        identities=["instagram:m", "email:m@x.com"],
        groups=["VIP"],
        occurred_at=T0 + timedelta(seconds=1),
    )
    older = PersonChangedV1(person_id=person, identities=["instagram:m"], groups=[], occurred_at=T0)
    await services.keep_person(store=store, event=newer)
    await services.keep_person(store=store, event=older)
    assert await store.author_groups("instagram:m") == ["VIP"]
    assert await store.author_groups("email:m@x.com") == ["VIP"]
    assert await store.author_groups("facebook:someone") == []
    removed = PersonChangedV1(person_id=person, identities=[], removed=True)
    await services.keep_person(store=store, event=removed)
    assert await store.author_groups("instagram:m") == ["VIP"]
