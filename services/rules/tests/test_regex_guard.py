"""Regular expressions that backtrack catastrophically are refused when a rule is saved, in
words; ordinary ones pass quickly."""

from __future__ import annotations

import time

import pytest

from contracts.rules import RuleDefinition
from rules import services
from servicekit import rpc


def draft(*patterns: str, nested: bool = False) -> RuleDefinition:
    when = {"text_regex": list(patterns)}
    return RuleDefinition.model_validate(
        {"name": "r", "when": {"any_of": [when]} if nested else when, "then": {}}
    )


@pytest.mark.parametrize("pattern", [r"(a+)+$", r"(a|a)*$", r"(\w+\s?)+$", r"(x+x+)+y"])
def test_a_catastrophic_pattern_is_refused_in_plain_words(pattern: str) -> None:
    with pytest.raises(rpc.Invalid, match="can take very long on some texts"):
        services.compiled(draft(r"protocolo\s*\d{6}", pattern))


def test_a_catastrophic_pattern_inside_a_group_is_refused_too() -> None:
    with pytest.raises(rpc.Invalid, match=r"'\(a\+\)\+\$'"):
        services.compiled(draft(r"(a+)+$", nested=True))


def test_ordinary_patterns_pass_and_the_check_is_quick() -> None:
    started = time.process_time()
    services.compiled(
        draft(r"protocolo\s*\d{6}", "médic[oa]", r"\b\d{3}\.\d{3}\.\d{3}-\d{2}\b", r"^(re:)+")
    )
    assert time.process_time() - started < 0.5
