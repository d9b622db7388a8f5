"""A rule's conditions compiled once: each check answers why it holds (one reason per
condition, naming the text that satisfied it) or None when it does not."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import regex

from contracts.rules import RuleConditions
from contracts.schedule import BusinessHours
from rules.domain import expression
from rules.domain.facts import Facts
from rules.domain.hours import Schedule
from rules.domain.text import normalize, phrase_pattern, strip_accents

REGEX_TIMEOUT_SECONDS = 0.05
"""A pathological pattern gives up after this long and counts as not matching, so one rule
cannot stall the evaluation of every interaction."""

Check = Callable[[Facts], str | None]


def _phrases(label: str, phrases: list[str], field: Callable[[Facts], str]) -> Check | None:
    pattern = phrase_pattern(phrases)
    if pattern is None:
        return None

    def check(facts: Facts) -> str | None:
        found = pattern.search(field(facts))
        return f"{label} contains {found.group(0)!r}" if found else None

    return check


def _every_phrase(phrases: list[str]) -> Check | None:
    patterns = [(p, phrase_pattern([p])) for p in phrases]
    if not patterns:
        return None

    def check(facts: Facts) -> str | None:
        found = [pattern.search(facts.text) for _, pattern in patterns if pattern is not None]
        if not all(found):
            return None
        return "text contains all of " + ", ".join(repr(f.group(0)) for f in found if f)

    return check


def _expression(source: str | None) -> tuple[Check | None, frozenset[str] | None]:
    if source is None:
        return None, None
    tree = expression.parse(source)
    patterns = {term: phrase_pattern([term]) for term in expression.terms(tree)}

    def check(facts: Facts) -> str | None:
        present = {t for t, p in patterns.items() if p is not None and p.search(facts.text)}
        if not expression.evaluate(tree, present):
            return None
        found = ", ".join(repr(t) for t in sorted(present)) or "none of its words"
        return f"text satisfies {source!r} (found {found})"

    return check, expression.required(tree)


def _regexes(sources: list[str]) -> Check | None:
    if not sources:
        return None
    compiled = [regex.compile(strip_accents(s), regex.IGNORECASE) for s in sources]

    def check(facts: Facts) -> str | None:
        for source, pattern in zip(sources, compiled, strict=True):
            try:
                found = pattern.search(facts.text, timeout=REGEX_TIMEOUT_SECONDS)
            except TimeoutError:
                continue
            if found is not None:
                return f"text matches /{source}/ with {found.group(0)!r}"
        return None

    return check


def _within(
    label: str, low: int | None, high: int | None, value: Callable[[Facts], int | None]
) -> Check | None:
    if low is None and high is None:
        return None

    def check(facts: Facts) -> str | None:
        actual = value(facts)
        if (
            actual is None
            or (low is not None and actual < low)
            or (high is not None and actual > high)
        ):
            return None
        bounds = f"{'…' if low is None else low}–{'…' if high is None else high}"
        return f"{label} {actual} is within {bounds}"

    return check


def _member(label: str, allowed: list[str], value: Callable[[Facts], str]) -> Check | None:
    if not allowed:
        return None
    wanted = set(allowed)

    def check(facts: Facts) -> str | None:
        actual = value(facts)
        return f"{label} is {actual}" if actual in wanted else None

    return check


def _groups(wanted: list[str]) -> Check | None:
    if not wanted:
        return None
    folded = {g.casefold(): g for g in wanted}

    def check(facts: Facts) -> str | None:
        found = sorted(folded[g] for g in facts.groups if g in folded)
        return f"the author is in group {found[0]!r}" if found else None

    return check


def names_groups(when: RuleConditions) -> bool:
    """Whether the conditions (nested groups included) look at the author's groups."""
    return bool(when.author_groups_any) or any(
        names_groups(group) for group in [*when.all_of, *when.any_of]
    )


@dataclass(frozen=True)
class CompiledConditions:
    checks: tuple[Check, ...]
    required: frozenset[str] | None
    """Phrases at least one of which the text must contain for these conditions to hold (None:
    they can hold without text), so the rule index can skip a rule no word of the text names."""

    @classmethod
    def compile(cls, when: RuleConditions) -> CompiledConditions:
        checks: list[Check | None] = [
            _member(
                "channel", [c.value for c in when.channels], lambda f: f.interaction.channel.value
            ),
            _member("kind", [k.value for k in when.kinds], lambda f: f.interaction.kind.value),
            _member(
                "direction",
                [d.value for d in when.directions],
                lambda f: f.interaction.direction.value,
            ),
            _member("account", list(when.accounts), lambda f: f.interaction.account),
            _groups(when.author_groups_any),
            _authors(when.authors),
            _campaign(when.campaign),
            _languages(when.languages),
            _business_hours(when.business_hours),
            _links(when.link_contains),
            _within("rating", when.rating_min, when.rating_max, lambda f: f.interaction.rating),
            _within(
                "follower count",
                when.followers_min,
                when.followers_max,
                lambda f: f.interaction.author.followers,
            ),
            _phrases("text", when.text_any, lambda f: f.text),
            _every_phrase(when.text_all),
        ]
        check_expression, from_expression = _expression(when.text_expression)
        checks += [
            check_expression,
            _regexes(when.text_regex),
            _phrases("author bio", when.author_bio_any, lambda f: f.bio),
            _sentiments(list(when.sentiments)),
        ]
        every = [cls.compile(group) for group in when.all_of]
        some = [cls.compile(group) for group in when.any_of]
        checks += [_all(every), _any(some)]

        candidates: list[frozenset[str]] = [g.required for g in every if g.required is not None]
        if when.text_any:
            candidates.append(frozenset(normalize(p) for p in when.text_any))
        if when.text_all:
            candidates.append(frozenset({normalize(max(when.text_all, key=len))}))
        if from_expression is not None:
            candidates.append(from_expression)
        if some and all(g.required is not None for g in some):
            candidates.append(frozenset().union(*(g.required or () for g in some)))
        return cls(
            checks=tuple(c for c in checks if c is not None),
            required=min(candidates, key=len) if candidates else None,
        )

    def reasons(self, facts: Facts) -> list[str] | None:
        reasons = []
        for check in self.checks:
            reason = check(facts)
            if reason is None:
                return None
            reasons.append(reason)
        return reasons


def _all(groups: list[CompiledConditions]) -> Check | None:
    if not groups:
        return None

    def check(facts: Facts) -> str | None:
        found = [g.reasons(facts) for g in groups]
        if any(r is None for r in found):
            return None
        return "all of (" + "; ".join("; ".join(r or ["anything"]) for r in found) + ")"

    return check


def _any(groups: list[CompiledConditions]) -> Check | None:
    if not groups:
        return None

    def check(facts: Facts) -> str | None:
        for group in groups:
            found = group.reasons(facts)
            if found is not None:
                return "any of (" + "; ".join(found or ["anything"]) + ")"
        return None

    return check


def _authors(authors: str) -> Check | None:
    if authors == "anyone":
        return None

    def check(facts: Facts) -> str | None:
        if facts.from_brand == (authors == "brand"):
            return "written by the brand" if facts.from_brand else "written by a user"
        return None

    return check


def _campaign(campaign: bool | None) -> Check | None:
    if campaign is None:
        return None

    def check(facts: Facts) -> str | None:
        if facts.interaction.campaign != campaign:
            return None
        return "campaign content" if campaign else "organic content"

    return check


def _languages(languages: list[str]) -> Check | None:
    if not languages:
        return None
    wanted = [language.casefold() for language in languages]

    def check(facts: Facts) -> str | None:
        found, source = facts.language
        actual = (found or "").casefold()
        # "pt" covers "pt-BR": a rule names a language, a network may add the region.
        if any(actual == w or actual.startswith(f"{w}-") for w in wanted):
            return f"language is {found}" + ("" if source == "given" else f" ({source})")
        return None

    return check


def _sentiments(wanted: list[str]) -> Check | None:
    if not wanted:
        return None

    def check(facts: Facts) -> str | None:
        reading = facts.sentiment
        return reading.reason if reading.sentiment in wanted else None

    return check


def _business_hours(hours: BusinessHours | None) -> Check | None:
    if hours is None:
        return None
    if hours.calendar is not None:
        return _named_hours(hours.calendar, hours.inside)
    schedule = Schedule.of(hours)

    def check(facts: Facts) -> str | None:
        is_open, why = schedule.open_at(facts.interaction.occurred_at)
        return why if is_open == hours.inside else None

    return check


def _named_hours(name: str, inside: bool) -> Check:
    """A calendar this replica does not know (yet) decides nothing: the condition does not
    hold either way, rather than guessing whether the desk was open."""

    def check(facts: Facts) -> str | None:
        calendar = facts.calendars.get(name)
        if calendar is None:
            return None
        is_open, why = Schedule.named(name, calendar).open_at(facts.interaction.occurred_at)
        return why if is_open == inside else None

    return check


def _links(parts: list[str]) -> Check | None:
    if not parts:
        return None
    wanted = [strip_accents(part.casefold()) for part in parts]

    def check(facts: Facts) -> str | None:
        for link in facts.links:
            for part in wanted:
                if part in link:
                    return f"link {link!r} contains {part!r}"
        return None

    return check
