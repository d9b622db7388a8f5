"""A rule change recompiles only what changed, so a large rule book reloads quickly."""

from __future__ import annotations

from uuid import uuid4

from contracts.rules import RuleDefinition
from rules.domain.matching import CompiledRule, RuleSet, recompile


def definition(name: str, keyword: str) -> RuleDefinition:
    return RuleDefinition.model_validate(
        {"name": name, "when": {"text_any": [keyword]}, "then": {"add_tags": [name]}}
    )


def test_only_new_or_changed_rules_are_compiled_again_and_deleted_ones_leave() -> None:
    ids = [uuid4() for _ in range(3)]
    first = [definition("a", "anatel"), definition("b", "procon"), definition("c", "defeito")]
    pairs = enumerate(zip(ids, first, strict=True))
    before = RuleSet([CompiledRule.compile(i, d, p) for p, (i, d) in pairs])
    kept, changed = before.rules[0], before.rules[1]

    new_id = uuid4()
    now = [first[0], definition("b", "reclame aqui"), definition("d", "golpe")]
    after = recompile(before, now, [ids[0], ids[1], new_id])

    assert [r.id for r in after.rules] == [ids[0], ids[1], new_id]
    assert after.rules[0].conditions is kept.conditions
    assert after.rules[1].conditions is not changed.conditions
    assert after.rules[1].definition.when.text_any == ["reclame aqui"]
    assert [r.position for r in after.rules] == [0, 1, 2]
    assert ids[2] not in {r.id for r in after.rules}
