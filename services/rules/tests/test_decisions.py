"""Which rules fire (order, stop processing, date windows), how their actions merge, and the
word index that keeps evaluation from touching rules the text cannot match."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

from contracts.interaction import Interaction
from contracts.rules import RuleDefinition
from rules.domain.facts import Facts
from rules.domain.matching import CompiledRule, RuleSet, decide

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def make(**overrides: Any) -> Interaction:
    data: dict[str, Any] = {
        "channel": "facebook",
        "account": "acme",
        "external_id": "c1",
        "kind": "comment",
        "author": {"id": "u1"},
        "text": "",
        "occurred_at": NOW,
    }
    return Interaction.model_validate({**data, **overrides})


def rule(position: int = 0, **definition: Any) -> CompiledRule:
    definition.setdefault("name", f"r{position}")
    definition.setdefault("then", {})
    return CompiledRule.compile(uuid4(), RuleDefinition.model_validate(definition), position)


def names(rules: list[CompiledRule], text: str = "procon", at: datetime = NOW) -> list[str]:
    return [m.rule_name for m in decide(rules, make(text=text), at=at).matched]


def test_explicit_order_comes_before_age() -> None:
    rules = [rule(0, name="old", order=5), rule(1, name="new", order=1), rule(2, name="plain")]
    assert names(rules) == ["plain", "new", "old"]


def test_stop_processing_ends_the_evaluation_after_that_rule() -> None:
    rules = [
        rule(0, name="first"),
        rule(1, name="stopper", stop_processing=True, when={"text_any": ["procon"]}),
        rule(2, name="after"),
    ]
    assert names(rules) == ["first", "stopper"]
    assert names(rules, text="other") == ["first", "after"]  # it did not fire, so no stop


def test_a_rule_acts_only_inside_its_dates() -> None:
    windowed = rule(starts_at=NOW - timedelta(hours=1), ends_at=NOW + timedelta(hours=1))
    assert names([windowed]) == ["r0"]
    assert names([windowed], at=NOW - timedelta(hours=2)) == []
    assert names([windowed], at=NOW + timedelta(hours=1)) == []  # the end is exclusive


def test_inactive_rules_do_not_fire() -> None:
    assert names([rule(active=False)]) == []


def test_merge_precedence_first_ticket_and_first_priority_win_lists_accumulate() -> None:
    first = rule(
        0,
        then={
            "open_ticket": {
                "priority": "high",
                "assignee": "ana",
                "title_template": "$channel: $author_name",
            },
            "add_tags": ["Procon"],
            "interaction_tags": ["legal"],
            "author_groups": ["VIP"],
        },
    )
    second = rule(
        1,
        then={
            "open_ticket": {"priority": "low", "team": "support"},
            "set_priority": "urgent",
            "add_tags": ["procon", "escalate"],
            "interaction_tags": ["Legal"],
            "author_groups": ["press"],
            "share_emails": ["lawyer@example.com"],
            "auto_reply": {"template": "Olá $author_name, já vamos ajudar."},
            "track_engagement": True,
        },
    )
    third = rule(2, then={"set_priority": "low"})
    decision = decide(
        [first, second, third], make(text="procon", author={"id": "u", "name": "Ana"}), at=NOW
    )
    assert decision.open_ticket is not None
    assert (decision.open_ticket.priority, decision.open_ticket.assignee) == ("high", "ana")
    assert decision.ticket_title == "facebook: Ana"
    assert decision.set_priority == "urgent"
    assert decision.tags == ["Procon", "escalate"]
    assert decision.interaction_tags == ["legal"]
    assert decision.author_groups == ["VIP", "press"]
    assert decision.share_emails == ["lawyer@example.com"]
    assert [r.text for r in decision.auto_replies] == ["Olá Ana, já vamos ajudar."]
    assert decision.auto_replies[0].rule_id == second.id
    assert decision.track_engagement is True


def test_index_only_hands_over_rules_a_word_of_the_text_can_match() -> None:
    keyword_rules = [
        rule(i, when={"text_any": [f"produto{i}", f"marca {i}"]}) for i in range(1_000)
    ]
    channel_rule = rule(1_000, when={"channels": ["facebook"]})
    negative = rule(1_001, when={"text_expression": "NOT elogio"})
    rule_set = RuleSet([*keyword_rules, channel_rule, negative])
    candidates = list(rule_set.candidates(Facts(make(text="o produto7 quebrou"))))
    assert candidates == [keyword_rules[7], channel_rule, negative]


def test_indexed_evaluation_matches_evaluating_every_rule() -> None:
    rules = [
        rule(0, when={"text_any": ["não funciona"]}),
        rule(1, when={"text_expression": '"mal atendido" OR (procon AND NOT elogio)'}),
        rule(2, when={"text_all": ["cobrança", "indevida"]}),
        rule(3, when={"any_of": [{"text_any": ["anatel"]}, {"text_any": ["procon"]}]}),
        rule(4, when={"text_regex": ["proto[c]olo"]}),
    ]
    for text in [
        "O app NÃO funciona",
        "procon!",
        "procon elogio",
        "cobrança indevida",
        "protocolo",
        "nada",
    ]:
        interaction = make(text=text)
        every = [r.id for r in rules if r.reasons(interaction) is not None]
        assert [m.rule_id for m in decide(RuleSet(rules), interaction, at=NOW).matched] == every
