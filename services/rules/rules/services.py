"""Use cases of the rules service: triage, rule changes (audited, checked), dry runs."""

from __future__ import annotations

from uuid import UUID

import regex

from contracts.interaction import Interaction
from contracts.rules import RuleDefinition, RuleRead, RuleTest, RuleTestResult, TriageDecision
from rules.domain.expression import ExpressionError
from rules.domain.matching import CompiledRule, Evaluation, decide, merge
from rules.rulebook import RuleBook
from rules.store.port import RuleStore
from servicekit import rpc


def compiled(definition: RuleDefinition, rule_id: UUID | None = None) -> CompiledRule:
    """The rule ready to evaluate, or a 422 saying what in it cannot be read. The contract
    already refused what it can check alone; the expression grammar lives here."""
    try:
        return CompiledRule.compile(rule_id or UUID(int=0), definition)
    except ExpressionError as exc:
        raise rpc.Invalid(f"the text expression cannot be read: {exc}") from None
    except regex.error as exc:
        raise rpc.Invalid(f"a regular expression is not valid: {exc}") from None


async def triage(*, rulebook: RuleBook, interaction: Interaction) -> TriageDecision:
    return decide(await rulebook.rules(), interaction)


async def create_rule(
    *, store: RuleStore, rulebook: RuleBook, definition: RuleDefinition, actor: str
) -> RuleRead:
    compiled(definition)
    rule = await store.create_rule(definition, actor=actor)
    rulebook.invalidate()
    return rule


async def replace_rule(
    *, store: RuleStore, rulebook: RuleBook, rule_id: UUID, definition: RuleDefinition, actor: str
) -> RuleRead:
    compiled(definition, rule_id)
    rule = await store.replace_rule(rule_id, definition, actor=actor)
    if rule is None:
        raise rpc.NotFound(f"no rule {rule_id}")
    rulebook.invalidate()
    return rule


async def delete_rule(*, store: RuleStore, rulebook: RuleBook, rule_id: UUID, actor: str) -> None:
    if not await store.delete_rule(rule_id, actor=actor):
        raise rpc.NotFound(f"no rule {rule_id}")
    rulebook.invalidate()


def dry_run(*, request: RuleTest) -> RuleTestResult:
    """A dry run of a draft: its conditions against the interaction, ignoring the active flag
    and dates (a draft is tried before it is switched on). Nothing is stored or done."""
    rule = compiled(
        request.rule.model_copy(update={"active": True, "starts_at": None, "ends_at": None})
    )
    reasons = rule.reasons(request.interaction)
    fired = [] if reasons is None else [Evaluation(rule, reasons)]
    return RuleTestResult(
        matched=reasons is not None,
        reasons=reasons or [],
        decision=merge(fired, request.interaction),
    )
