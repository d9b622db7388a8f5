"""A rule compiled once for fast evaluation, and the merge of every matching rule's actions."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from contracts.interaction import Interaction
from contracts.rules import RuleDefinition, RuleMatch, TriageDecision
from rules.domain.text import normalize, phrase_pattern


@dataclass(frozen=True)
class CompiledRule:
    id: UUID
    definition: RuleDefinition
    text_pattern: re.Pattern[str] | None
    bio_pattern: re.Pattern[str] | None

    @classmethod
    def compile(cls, rule_id: UUID, definition: RuleDefinition) -> CompiledRule:
        return cls(
            id=rule_id,
            definition=definition,
            text_pattern=phrase_pattern(definition.when.text_any),
            bio_pattern=phrase_pattern(definition.when.author_bio_any),
        )

    def reasons(self, interaction: Interaction) -> list[str] | None:
        """Why the rule matches (one line per condition), or None when it does not."""
        when = self.definition.when
        reasons = []
        if when.channels:
            if interaction.channel not in when.channels:
                return None
            reasons.append(f"channel is {interaction.channel.value}")
        if when.kinds:
            if interaction.kind not in when.kinds:
                return None
            reasons.append(f"kind is {interaction.kind.value}")
        for label, pattern, text in (
            ("text", self.text_pattern, interaction.text),
            ("author bio", self.bio_pattern, interaction.author.bio),
        ):
            if pattern is None:
                continue
            found = pattern.search(normalize(text))
            if found is None:
                return None
            reasons.append(f"{label} contains {found.group(0)!r}")
        return reasons


def decide(rules: Sequence[CompiledRule], interaction: Interaction) -> TriageDecision:
    """Evaluate active rules in order. Their actions merge: the first rule that opens a ticket
    sets status, priority and level; tags and alert addresses accumulate without repeats."""
    matched: list[RuleMatch] = []
    open_ticket = None
    tags: list[str] = []
    alerts: list[str] = []
    for rule in rules:
        if not rule.definition.active:
            continue
        reasons = rule.reasons(interaction)
        if reasons is None:
            continue
        matched.append(RuleMatch(rule_id=rule.id, rule_name=rule.definition.name, reasons=reasons))
        actions = rule.definition.then
        if open_ticket is None and actions.open_ticket is not None:
            open_ticket = actions.open_ticket
        tags.extend(t for t in actions.add_tags if t.casefold() not in {x.casefold() for x in tags})
        alerts.extend(str(a) for a in actions.alert_emails if str(a) not in alerts)
    return TriageDecision(matched=matched, open_ticket=open_ticket, tags=tags, alert_emails=alerts)
