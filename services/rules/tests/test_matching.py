"""Rule matching and how matching rules' actions merge."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

from contracts.interaction import Interaction
from contracts.rules import RuleDefinition
from rules.domain.matching import CompiledRule, decide
from rules.domain.text import normalize


def make(**overrides: Any) -> Interaction:
    data: dict[str, Any] = {
        "channel": "facebook",
        "account": "acme",
        "external_id": "c1",
        "kind": "comment",
        "author": {"id": "u1", "bio": ""},
        "text": "",
        "occurred_at": datetime.now(UTC),
    }
    return Interaction.model_validate({**data, **overrides})


def rule(**definition: Any) -> CompiledRule:
    definition.setdefault("name", "r")
    definition.setdefault("then", {"open_ticket": {}})
    return CompiledRule.compile(uuid4(), RuleDefinition.model_validate(definition))


def test_normalize_ignores_case_accents_and_spacing() -> None:
    assert normalize("  ANATÉL   São\tPaulo ") == "anatel sao paulo"


def test_keyword_matches_ignoring_case_and_accents() -> None:
    anatel = rule(when={"text_any": ["anatel"]})
    assert anatel.reasons(make(text="Vou reclamar na ANATÉL hoje")) is not None
    assert rule(when={"text_any": ["Anatél"]}).reasons(make(text="procurei a anatel")) is not None


def test_keyword_matches_whole_words_only() -> None:
    assert rule(when={"text_any": ["anatel"]}).reasons(make(text="anatelecom")) is None
    assert rule(when={"text_any": ["anatel"]}).reasons(make(text="(anatel)!")) is not None


def test_phrase_matches_across_any_white_space() -> None:
    phrase = rule(when={"text_any": ["não funciona"]})
    assert phrase.reasons(make(text="O app NAO\n  funciona")) is not None
    assert phrase.reasons(make(text="funciona não")) is None


def test_bio_condition_finds_doctors() -> None:
    doctors = rule(when={"channels": ["twitter"], "author_bio_any": ["médico", "médica"]})
    assert doctors.reasons(make(channel="twitter", author={"id": "1", "bio": "Médica, SP"}))
    assert doctors.reasons(make(channel="twitter", author={"id": "1", "bio": "medicina"})) is None
    assert doctors.reasons(make(author={"id": "1", "bio": "médico"})) is None


def test_all_conditions_must_hold_and_reasons_say_which() -> None:
    matching = rule(when={"channels": ["facebook"], "kinds": ["comment"], "text_any": ["procon"]})
    assert matching.reasons(make(text="vou ao Procon")) == [
        "channel is facebook",
        "kind is comment",
        "text contains 'procon'",
    ]
    assert matching.reasons(make(text="vou ao Procon", kind="post")) is None


def test_decision_merges_rules_in_order_first_ticket_action_wins() -> None:
    first = rule(
        name="first",
        when={"text_any": ["procon"]},
        then={
            "open_ticket": {"priority": "urgent"},
            "add_tags": ["Procon"],
            "alert_emails": ["a@example.com"],
        },
    )
    second = rule(
        name="second",
        when={"text_any": ["procon"]},
        then={
            "open_ticket": {"priority": "low"},
            "add_tags": ["procon", "legal"],
            "alert_emails": ["a@example.com", "b@example.com"],
        },
    )
    decision = decide([first, second], make(text="procon"))
    assert [m.rule_name for m in decision.matched] == ["first", "second"]
    assert decision.open_ticket is not None and decision.open_ticket.priority == "urgent"
    assert decision.tags == ["Procon", "legal"]
    assert decision.alert_emails == ["a@example.com", "b@example.com"]


def test_inactive_rules_do_not_fire() -> None:
    decision = decide([rule(active=False, when={"text_any": ["x"]})], make(text="x"))
    assert decision.matched == [] and decision.open_ticket is None
