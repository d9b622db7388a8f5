"""Refuse, when a rule is saved, the regular expressions that backtrack catastrophically.

Evaluation already gives up on a search after ``conditions.REGEX_TIMEOUT_SECONDS``, but a
pattern like ``(a+)+$`` would then cost that much on every interaction with a long run of one
character: enough to slow the whole service. So a pattern is tried first on such runs — of
each letter or digit it names, and of a few common characters — ended by a character that
makes the match fail, which is what drives nested repetition into trying every split. This
catches the classic shapes; the timeout stays the backstop for the rest.
"""

from __future__ import annotations

from collections.abc import Iterator

import regex

from contracts.rules import RuleConditions
from rules.domain.text import strip_accents

PROBE_LENGTH = 3_000
PROBE_TIMEOUT_SECONDS = 0.02
COMMON = "a1 .-"
ENDINGS = ("!", "\x00")


def backtracks(pattern: regex.Pattern[str], source: str) -> bool:
    """Whether some probe text makes ``pattern`` take longer than the probe's time limit."""
    characters = {c for c in source.casefold() if c.isalnum()} | set(COMMON)
    for character in sorted(characters):
        for ending in ENDINGS:
            try:
                pattern.search(character * PROBE_LENGTH + ending, timeout=PROBE_TIMEOUT_SECONDS)
            except TimeoutError:
                return True
    return False


def patterns(when: RuleConditions) -> Iterator[str]:
    """Every regular expression of the conditions, groups included."""
    yield from when.text_regex
    for group in (*when.any_of, *when.all_of):
        yield from patterns(group)


def slow_pattern(when: RuleConditions) -> str | None:
    """The first regular expression of the conditions that backtracks catastrophically."""
    for source in patterns(when):
        if backtracks(regex.compile(strip_accents(source), regex.IGNORECASE), source):
            return source
    return None
