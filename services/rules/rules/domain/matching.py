"""Rules compiled once for fast evaluation, the word index that picks the few rules an
interaction can match, and the merge of every matching rule's actions.

The index is what keeps evaluation sub-linear in the number of keyword rules: each rule whose
conditions need some phrase in the text is filed under the first word of each such phrase; an
interaction looks up only the words it contains, and fully evaluates only the rules found there
plus the few that need no text. A thousand keyword rules cost a dictionary lookup per word.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import TypeVar
from uuid import UUID

from contracts.interaction import Interaction
from contracts.rules import PendingReply, RuleDefinition, RuleMatch, TriageDecision
from rules.domain.conditions import CompiledConditions, names_groups
from rules.domain.facts import Facts, first_word
from rules.domain.hours import Calendars, calendar_names
from rules.domain.templates import render

RuleDefinitionT = TypeVar("RuleDefinitionT", bound=RuleDefinition)


@dataclass(frozen=True)
class CompiledRule:
    id: UUID
    definition: RuleDefinition
    conditions: CompiledConditions
    position: int = 0

    @classmethod
    def compile(cls, rule_id: UUID, definition: RuleDefinition, position: int = 0) -> CompiledRule:
        return cls(rule_id, definition, CompiledConditions.compile(definition.when), position)

    def reasons(self, interaction: Interaction | Facts) -> list[str] | None:
        """Why the rule matches (one line per condition), or None when it does not."""
        facts = interaction if isinstance(interaction, Facts) else Facts(interaction)
        return self.conditions.reasons(facts)


def evaluation_order(rules: Sequence[RuleDefinitionT]) -> list[RuleDefinitionT]:
    """``order`` first, then age (the store lists rules oldest first)."""
    return [r for _, r in sorted(enumerate(rules), key=lambda p: (p[1].order, p[0]))]


@dataclass
class RuleSet:
    """Rules in evaluation order (``order``, then age) with their word index."""

    rules: list[CompiledRule]
    by_word: dict[str, set[int]] = field(default_factory=dict)
    unindexed: set[int] = field(default_factory=set)

    calendars: frozenset[str] = frozenset()
    """The calendars the rules name: the replica makes sure it has them before evaluating."""

    needs_groups: bool = False
    """Some rule looks at the author's groups: only then are they read for an interaction."""

    def __post_init__(self) -> None:
        self.rules = sorted(self.rules, key=lambda r: (r.definition.order, r.position))
        self.calendars = frozenset().union(*(calendar_names(r.definition.when) for r in self.rules))
        self.needs_groups = any(names_groups(r.definition.when) for r in self.rules)
        for index, rule in enumerate(self.rules):
            words = [first_word(p) for p in rule.conditions.required or ()]
            if rule.conditions.required is None or None in words:
                self.unindexed.add(index)
                continue
            for word in words:
                self.by_word.setdefault(word or "", set()).add(index)

    def candidates(self, facts: Facts) -> Iterable[CompiledRule]:
        """The rules that can match, in evaluation order."""
        chosen = set(self.unindexed)
        for word in facts.words:
            chosen |= self.by_word.get(word, set())
        return (self.rules[i] for i in sorted(chosen))


def recompile(previous: RuleSet, stored: Sequence[RuleDefinition], ids: Sequence[UUID]) -> RuleSet:
    """The rule set for ``stored`` (with their ``ids``, oldest first), compiling only the
    rules that are new or changed since ``previous``: with thousands of rules, compiling them
    all on every change would hold up evaluation for seconds."""
    known = {rule.id: rule for rule in previous.rules}
    rules = []
    for position, (rule_id, definition) in enumerate(zip(ids, stored, strict=True)):
        old = known.get(rule_id)
        if old is not None and old.definition == definition:
            rules.append(replace(old, position=position))
        else:
            rules.append(CompiledRule.compile(rule_id, definition, position))
    return RuleSet(rules)


@dataclass(frozen=True)
class Evaluation:
    rule: CompiledRule
    reasons: list[str]


def evaluate(
    rules: RuleSet | Sequence[CompiledRule],
    interaction: Interaction,
    *,
    at: datetime | None = None,
    calendars: Calendars | None = None,
    groups: Iterable[str] = (),
) -> list[Evaluation]:
    """The rules that fire, in order: in effect at ``at`` (now by default), conditions holding,
    and stopping after the first one that says ``stop_processing``."""
    rule_set = rules if isinstance(rules, RuleSet) else RuleSet(list(rules))
    moment = at or datetime.now(UTC)
    facts = Facts(interaction, calendars or {}, frozenset(g.casefold() for g in groups))
    fired = []
    for rule in rule_set.candidates(facts):
        if not rule.definition.in_effect(moment):
            continue
        reasons = rule.conditions.reasons(facts)
        if reasons is None:
            continue
        fired.append(Evaluation(rule, reasons))
        if rule.definition.stop_processing:
            break
    return fired


def merge(fired: Sequence[Evaluation], interaction: Interaction) -> TriageDecision:
    """The precedence documented on ``TriageDecision``: the first rule that opens a ticket
    shapes it, the first ``set_priority`` wins, lists accumulate without repeats."""
    open_ticket = None
    set_priority = None
    tags: list[str] = []
    interaction_tags: list[str] = []
    alerts: list[str] = []
    shares: list[str] = []
    groups: list[str] = []
    replies: list[PendingReply] = []
    track = False
    digest_rules = []
    for evaluation in fired:
        actions = evaluation.rule.definition.then
        if open_ticket is None and actions.open_ticket is not None:
            open_ticket = actions.open_ticket
        set_priority = set_priority or actions.set_priority
        _add_folded(tags, actions.add_tags)
        _add_folded(interaction_tags, actions.interaction_tags)
        _add_folded(groups, actions.author_groups)
        _add_folded(alerts, [str(a) for a in actions.alert_emails])
        _add_folded(shares, [str(a) for a in actions.share_emails])
        if actions.auto_reply is not None:
            text = render(actions.auto_reply.template, interaction)
            replies.append(PendingReply(rule_id=evaluation.rule.id, text=text))
        track = track or actions.track_engagement
        if actions.digest is not None:
            digest_rules.append(evaluation.rule.id)
    title = None
    if open_ticket is not None and open_ticket.title_template is not None:
        title = render(open_ticket.title_template, interaction)
    return TriageDecision(
        matched=[
            RuleMatch(rule_id=e.rule.id, rule_name=e.rule.definition.name, reasons=e.reasons)
            for e in fired
        ],
        open_ticket=open_ticket,
        tags=tags,
        alert_emails=alerts,
        ticket_title=title,
        set_priority=set_priority,
        interaction_tags=interaction_tags,
        share_emails=shares,
        auto_replies=replies,
        author_groups=groups,
        track_engagement=track,
        digest_rules=digest_rules,
    )


def _add_folded(into: list[str], values: Iterable[str]) -> None:
    seen = {v.casefold() for v in into}
    for value in values:
        if value.casefold() not in seen:
            into.append(value)
            seen.add(value.casefold())


def decide(
    rules: RuleSet | Sequence[CompiledRule],
    interaction: Interaction,
    *,
    at: datetime | None = None,
    calendars: Calendars | None = None,
) -> TriageDecision:
    return merge(evaluate(rules, interaction, at=at, calendars=calendars), interaction)
