"""Each filter of the rule language (docs/domain.md F24), with the reason it gives when it holds."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import pytest

from contracts.interaction import Interaction
from contracts.rules import RuleDefinition
from rules.domain.conditions import REGEX_TIMEOUT_SECONDS
from rules.domain.matching import CompiledRule


def make(**overrides: Any) -> Interaction:
    data: dict[str, Any] = {
        "channel": "facebook",
        "account": "acme",
        "external_id": "c1",
        "kind": "comment",
        "author": {"id": "u1"},
        "text": "",
        "occurred_at": datetime.now(UTC),
    }
    return Interaction.model_validate({**data, **overrides})


def reasons(when: dict[str, Any], **interaction: Any) -> list[str] | None:
    definition = RuleDefinition.model_validate({"name": "r", "when": when, "then": {}})
    return CompiledRule.compile(uuid4(), definition).reasons(make(**interaction))


def test_text_all_needs_every_phrase() -> None:
    when = {"text_all": ["cobrança", "indevida"]}
    assert reasons(when, text="Cobranca INDEVIDA de novo") == [
        "text contains all of 'cobranca', 'indevida'"
    ]
    assert reasons(when, text="cobrança correta") is None


def test_text_expression_reports_the_words_it_found() -> None:
    when = {"text_expression": "anatel OR procon AND NOT elogio"}
    assert reasons(when, text="Vou à ANATÉL") == [
        "text satisfies 'anatel OR procon AND NOT elogio' (found 'anatel')"
    ]
    assert reasons(when, text="procon, mas é um elogio") is None


def test_regex_ignores_case_and_accents() -> None:
    when = {"text_regex": [r"protocolo\s*\d{6}", "médic[oa]"]}
    assert reasons(when, text="Protocolo 123456") == [
        r"text matches /protocolo\s*\d{6}/ with 'protocolo 123456'"
    ]
    assert reasons(when, text="sou MÉDICA") is not None
    assert reasons(when, text="protocolo 12") is None


def test_a_catastrophic_regex_gives_up_instead_of_stalling() -> None:
    started = datetime.now(UTC)
    assert reasons({"text_regex": ["(a+)+$"]}, text="a" * 5_000 + "!") is None
    assert (datetime.now(UTC) - started).total_seconds() < REGEX_TIMEOUT_SECONDS * 40


def test_direction_filter() -> None:
    assert reasons({"directions": ["outbound"]}, direction="outbound") == ["direction is outbound"]
    assert reasons({"directions": ["outbound"]}) is None


def test_users_only_leaves_out_the_brands_own_posts() -> None:
    assert reasons({"authors": "users"}) == ["written by a user"]
    assert reasons({"authors": "users"}, author={"id": "acme"}) is None
    assert reasons({"authors": "users"}, direction="outbound") is None
    assert reasons({"authors": "brand"}, author={"id": "acme"}) == ["written by the brand"]


def test_account_filter() -> None:
    assert reasons({"accounts": ["acme", "acme-br"]}) == ["account is acme"]
    assert reasons({"accounts": ["other"]}) is None


def test_link_contains_a_part_ignoring_case() -> None:
    when = {"link_contains": ["Reclameaqui.com.br/acme"]}
    assert reasons(when, links=["https://www.reclameaqui.com.br/ACME/x"]) is not None
    assert reasons(when, links=["https://example.com"]) is None
    assert reasons(when) is None


def test_campaign_versus_organic() -> None:
    assert reasons({"campaign": True}, campaign=True) == ["campaign content"]
    assert reasons({"campaign": True}) is None
    assert reasons({"campaign": False}) == ["organic content"]


def test_rating_range() -> None:
    when = {"rating_min": 1, "rating_max": 2}
    assert reasons(when, kind="review", rating=2) == ["rating 2 is within 1–2"]
    assert reasons(when, kind="review", rating=5) is None
    assert reasons(when) is None  # not a review: no rating to be in range


def test_follower_range() -> None:
    when = {"followers_min": 10_000}
    assert reasons(when, author={"id": "u", "followers": 50_000}) == [
        "follower count 50000 is within 10000–…"
    ]
    assert reasons(when, author={"id": "u", "followers": 5}) is None
    assert reasons(when) is None


def test_language_covers_its_regional_variants() -> None:
    assert reasons({"languages": ["pt"]}, language="pt-BR") == ["language is pt-BR"]
    assert reasons({"languages": ["pt"]}, language="en") is None
    assert reasons({"languages": ["pt"]}, language="ptx") is None


def test_any_of_groups_need_one_group_and_all_of_every_group() -> None:
    when = {
        "channels": ["reclame_aqui", "google_business"],
        "any_of": [{"rating_max": 2}, {"text_any": ["péssimo"]}],
    }
    assert reasons(when, channel="google_business", kind="review", rating=1) is not None
    assert reasons(when, channel="reclame_aqui", text="Péssimo atendimento") is not None
    assert reasons(when, channel="reclame_aqui", kind="review", rating=4) is None
    both = {
        "all_of": [
            {"text_any": ["anatel"]},
            {"any_of": [{"kinds": ["review"]}, {"campaign": True}]},
        ]
    }
    assert reasons(both, text="anatel", campaign=True) is not None
    assert reasons(both, text="anatel") is None


@pytest.mark.parametrize(
    ("when", "message"),
    [
        ({"text_regex": ["(unclosed"]}, "the regular expression '(unclosed' is not valid"),
        ({"rating_min": 4, "rating_max": 2}, "the lowest rating (4) is above the highest (2)"),
        ({"any_of": [{}]}, "a condition group is empty"),
        ({"text_expression": "  "}, "the text expression is empty"),
        ({"text_any": ["anatel", " "]}, "this is empty: write something here"),
        ({"text_regex": [""]}, "this is empty: write something here"),
        ({"txt_any": ["x"]}, "'txt_any' is not something that can be written here"),
    ],
)
def test_invalid_conditions_are_refused_in_plain_words(when: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        RuleDefinition.model_validate({"name": "r", "when": when, "then": {}})


def test_a_rule_that_ends_before_it_starts_is_refused() -> None:
    with pytest.raises(ValueError, match="the rule ends before it starts"):
        RuleDefinition.model_validate(
            {
                "name": "r",
                "then": {},
                "starts_at": "2026-12-01T00:00:00Z",
                "ends_at": "2026-11-01T00:00:00Z",
            }
        )
