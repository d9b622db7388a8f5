"""Boolean text expressions: precedence NOT > AND > OR, parentheses, quoted phrases, accents,
and errors a rule author can act on."""

from __future__ import annotations

import pytest

from rules.domain.expression import ExpressionError, evaluate, parse, required


def holds(source: str, text_words: str) -> bool:
    return evaluate(parse(source), set(text_words.split(",")) if text_words else set())


def test_and_binds_tighter_than_or() -> None:
    source = "anatel OR procon AND NOT elogio"
    assert holds(source, "anatel,elogio")  # anatel alone is enough
    assert holds(source, "procon")
    assert not holds(source, "procon,elogio")


def test_parentheses_override_precedence() -> None:
    source = "(anatel OR procon) AND NOT elogio"
    assert not holds(source, "anatel,elogio")
    assert holds(source, "anatel")


def test_not_binds_tighter_than_and() -> None:
    assert holds("NOT elogio AND procon", "procon")
    assert not holds("NOT elogio AND procon", "procon,elogio")
    assert holds("NOT NOT procon", "procon")


def test_words_side_by_side_mean_and() -> None:
    assert holds("procon anatel", "procon,anatel")
    assert not holds("procon anatel", "procon")


def test_operators_are_read_in_any_case() -> None:
    assert holds("procon or anatel", "anatel")


def test_quoted_phrases_are_one_term_and_lose_accents_and_case() -> None:
    assert parse('"NÃO   Funciona" OR Anatél') == parse('"nao funciona" OR anatel')
    assert holds('"nao funciona" AND NOT "funciona bem"', "nao funciona")


def test_quoted_operator_is_a_word() -> None:
    assert holds('"not" AND bad', "not,bad")


def test_required_phrases_let_the_index_skip_a_rule() -> None:
    assert required(parse("anatel OR procon AND NOT elogio")) == {"anatel", "procon"}
    assert required(parse("NOT elogio")) is None
    assert required(parse("NOT elogio OR procon")) is None
    assert required(parse("procon AND (anatel OR reclame)")) == {"procon"}


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("", "the expression is empty"),
        ("anatel AND", "ends where a word or phrase was expected"),
        ("(anatel OR procon", "the '(' at character 1 is never closed"),
        ("anatel)", "the ')' at character 7 has no matching '('"),
        ('"não funciona', "the quote at character 1 is never closed"),
        ("OR anatel", "'OR' at character 1 needs a word or phrase before it"),
        ('anatel AND ""', "the quoted phrase at character 12 is empty"),
    ],
)
def test_unreadable_expressions_are_refused_with_a_plain_message(source: str, message: str) -> None:
    with pytest.raises(ExpressionError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse(source)
