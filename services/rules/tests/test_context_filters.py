"""Filters on what an interaction does not state outright: its sentiment, its language when the
network gave none, and whether it arrived inside business hours."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import pytest

from contracts.interaction import Interaction
from contracts.rules import RuleDefinition
from rules.domain import language, sentiment
from rules.domain.matching import CompiledRule


def reasons(when: dict[str, Any], **overrides: Any) -> list[str] | None:
    data: dict[str, Any] = {
        "channel": "facebook",
        "account": "acme",
        "external_id": "c1",
        "kind": "comment",
        "author": {"id": "u1"},
        "text": "",
        "occurred_at": datetime(2026, 11, 25, 15, 0, tzinfo=UTC),
    }
    definition = RuleDefinition.model_validate({"name": "r", "when": when, "then": {}})
    interaction = Interaction.model_validate({**data, **overrides})
    return CompiledRule.compile(uuid4(), definition).reasons(interaction)


def test_negative_words_make_a_negative_interaction_and_the_reason_names_them() -> None:
    assert reasons({"sentiments": ["negative"]}, text="Atendimento PÉSSIMO, que vergonha") == [
        "sentiment is negative (from the words 'pessimo', 'vergonha')"
    ]


def test_positive_english_text_is_positive() -> None:
    assert reasons({"sentiments": ["positive"]}, text="Great service, thanks!") is not None
    assert reasons({"sentiments": ["negative"]}, text="Great service, thanks!") is None


def test_a_negation_turns_the_next_word_around() -> None:
    assert sentiment.read("nao gostei do produto").sentiment == "negative"
    assert sentiment.read("not bad at all").sentiment == "positive"
    assert sentiment.read("don't hate it").sentiment == "positive"


def test_text_without_opinion_words_is_neutral() -> None:
    assert reasons({"sentiments": ["neutral"]}, text="Qual o horário da loja?") == [
        "sentiment is neutral (no opinion words in the text)"
    ]


def test_a_reviews_rating_decides_its_sentiment_over_its_words() -> None:
    assert reasons({"sentiments": ["negative"]}, kind="review", rating=1, text="ótimo...") == [
        "sentiment is negative (from the 1-star rating)"
    ]
    assert sentiment.read("", 3).sentiment == "neutral"
    assert sentiment.read("", 5).sentiment == "positive"


def test_language_given_by_the_network_is_used_as_is() -> None:
    assert reasons({"languages": ["en"]}, language="en", text="que não está") == ["language is en"]


def test_language_is_detected_when_the_interaction_carries_none() -> None:
    assert reasons({"languages": ["pt"]}, text="Não recebi o meu pedido até agora") == [
        "language is pt (detected from its common words)"
    ]
    assert reasons({"languages": ["pt"]}, text="I did not get my order and the app is down") is None
    assert language.guess("i did not get my order and the app is down") == "en"
    assert language.guess("no he recibido mi pedido y la tienda no contesta") == "es"


def test_too_little_text_gives_no_language_and_a_language_rule_does_not_fire() -> None:
    assert language.guess("ok") is None
    assert reasons({"languages": ["pt", "en", "es"]}, text="👍") is None


SAO_PAULO_WEEKDAYS = {
    "timezone": "America/Sao_Paulo",
    "weekly": {
        d: [{"start": "09:00", "end": "18:00"}] for d in ("mon", "tue", "wed", "thu", "fri")
    },
    "closed_dates": ["2026-12-25"],
}


def test_business_hours_are_read_in_the_schedules_time_zone() -> None:
    # Wednesday 20:59 UTC is 17:59 in São Paulo (UTC-3): still open.
    at = datetime(2026, 11, 25, 20, 59, tzinfo=UTC).isoformat()
    assert reasons({"business_hours": SAO_PAULO_WEEKDAYS}, occurred_at=at) == [
        "Wed 2026-11-25 17:59 America/Sao_Paulo is inside business hours"
    ]
    later = datetime(2026, 11, 25, 21, 0, tzinfo=UTC).isoformat()
    assert reasons({"business_hours": SAO_PAULO_WEEKDAYS}, occurred_at=later) is None


def test_outside_business_hours_holds_at_night_at_weekends_and_on_closed_dates() -> None:
    outside = {"business_hours": {**SAO_PAULO_WEEKDAYS, "inside": False}}
    night = datetime(2026, 11, 26, 2, 0, tzinfo=UTC).isoformat()
    saturday = datetime(2026, 11, 28, 15, 0, tzinfo=UTC).isoformat()
    christmas = datetime(2026, 12, 25, 15, 0, tzinfo=UTC).isoformat()
    assert reasons(outside, occurred_at=night) == [
        "Wed 2026-11-25 23:00 America/Sao_Paulo is outside business hours"
    ]
    assert reasons(outside, occurred_at=saturday) is not None
    assert reasons(outside, occurred_at=christmas) == [
        "Fri 2026-12-25 12:00 America/Sao_Paulo is a closed date"
    ]
    weekday_noon = datetime(2026, 11, 25, 15, 0, tzinfo=UTC).isoformat()
    assert reasons(outside, occurred_at=weekday_noon) is None


@pytest.mark.parametrize(
    ("hours", "message"),
    [
        ({**SAO_PAULO_WEEKDAYS, "timezone": "Brasilia"}, "'Brasilia' is not a known time zone"),
        (
            {**SAO_PAULO_WEEKDAYS, "weekly": {"mon": [{"start": "9h", "end": "18:00"}]}},
            "'9h' is not a time of day: write it as HH:MM",
        ),
        (
            {**SAO_PAULO_WEEKDAYS, "weekly": {"mon": [{"start": "18:00", "end": "09:00"}]}},
            "the opening interval 18:00–09:00 ends before it starts",
        ),
        ({**SAO_PAULO_WEEKDAYS, "weekly": {}}, "the weekly schedule is empty"),
        ({**SAO_PAULO_WEEKDAYS, "weekly": {"monday": []}}, "Input should be 'mon'"),
    ],
)
def test_unreadable_business_hours_are_refused_in_plain_words(
    hours: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        RuleDefinition.model_validate({"name": "r", "when": {"business_hours": hours}, "then": {}})


def test_a_misspelt_condition_is_refused_naming_what_was_meant() -> None:
    with pytest.raises(ValueError, match=r"'text_anyy' is not something .*did you mean 'text_any'"):
        RuleDefinition.model_validate({"name": "r", "when": {"text_anyy": ["x"]}, "then": {}})
