"""Use cases of the rules service: triage, rule changes (audited, checked), dry runs."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

import regex

from contracts.backtest import BacktestMatch, RuleBacktest, RuleBacktestResult
from contracts.events import DigestReadyV1
from contracts.interaction import Interaction
from contracts.persons import PersonChangedV1
from contracts.rpc_ticketing import DeskVocabulary
from contracts.rules import RuleDefinition, RuleRead, RuleTest, RuleTestResult, TriageDecision
from rules import references
from rules.calendars import CalendarBook
from rules.domain import digest, hours, regex_guard
from rules.domain.digest import WindowClock
from rules.domain.expression import ExpressionError
from rules.domain.facts import Facts
from rules.domain.hours import Calendars
from rules.domain.matching import CompiledRule, Evaluation, evaluate, merge
from rules.rulebook import RuleBook
from rules.store.port import DigestEntry, DigestWindow, LoggedInteraction, RuleStore
from servicekit import rpc
from servicekit.publishing import EventPublisher

BACKTEST_MAX_EVALUATED = 100_000
"""One backtest evaluates at most this many interactions (a few seconds of work); a wider
range answers ``complete: false`` and asks for a narrower one."""
BACKTEST_PAGE = 500

DIGEST_ITEMS = 200
"""A digest lists at most this many interactions (its total says how many matched)."""
DIGEST_GRACE_SECONDS = 2.0
"""A window is sent this long after it closed, so a triage that began just before the close
has committed its item to it."""
DIGEST_LEASE_SECONDS = 60.0
"""A replica that claimed a window and died before sending it: another takes it after this."""


def compiled(definition: RuleDefinition, rule_id: UUID | None = None) -> CompiledRule:
    """The rule ready to evaluate, or a 422 saying what in it cannot be read. The contract
    already refused what it can check alone; the expression grammar and the guard against
    regular expressions that backtrack catastrophically live here."""
    try:
        rule = CompiledRule.compile(rule_id or UUID(int=0), definition)
    except ExpressionError as exc:
        raise rpc.Invalid(f"the text expression cannot be read: {exc}") from None
    except regex.error as exc:
        raise rpc.Invalid(f"a regular expression is not valid: {exc}") from None
    if (slow := regex_guard.slow_pattern(definition.when)) is not None:
        raise rpc.Invalid(
            f"the regular expression {slow!r} can take very long on some texts (it tries the "
            "same characters in many ways, as in (a+)+): simplify it, e.g. a+ instead of (a+)+"
        )
    return rule


async def triage(
    *,
    rulebook: RuleBook,
    store: RuleStore,
    interaction: Interaction,
    received_at: datetime,
    clock: WindowClock,
    calendars: CalendarBook | None = None,
) -> TriageDecision:
    """Decide; log the interaction for backtests and add it to the open window of every
    digest rule that fired, in one group-committed write."""
    rules = await rulebook.rules()
    known = await calendars.current(rules.calendars) if calendars and rules.calendars else {}
    identity = f"{interaction.channel.value}:{interaction.author.id}"
    groups = await store.author_groups(identity) if rules.needs_groups else []
    fired = evaluate(rules, interaction, at=received_at, calendars=known, groups=groups)
    digests = []
    for evaluation in fired:
        rule, wanted = evaluation.rule, evaluation.rule.definition.then.digest
        if wanted is not None:
            start, end = clock.window(received_at, wanted.every)
            window = DigestWindow(
                rule.id, rule.definition.name, tuple(map(str, wanted.emails)), start, end
            )
            digests.append(DigestEntry(window, digest.item_of(interaction)))
    await store.log_interaction(LoggedInteraction(interaction, received_at), digests)
    return merge(fired, interaction)


async def keep_person(*, store: RuleStore, event: PersonChangedV1) -> None:
    """The rules' copy of who is in which group, per identity, from ticketing's announcements
    (a projection: no request to ticketing per interaction). A person absorbed by a
    unification says nothing of its identities: the absorbing person's event names them."""
    for identity in event.identities:
        await store.keep_author_groups(identity, event.groups, at=event.occurred_at)


async def send_closed_digests(*, store: RuleStore, publisher: EventPublisher, now: datetime) -> int:
    """Publish one ``DigestReadyV1`` per closed window this replica claims; how many."""
    windows = await store.claim_closed_windows(
        now - timedelta(seconds=DIGEST_GRACE_SECONDS),
        now=now,
        lease_seconds=DIGEST_LEASE_SECONDS,
    )
    for window in windows:
        items, total = await store.digest_items(window.rule_id, window.start, limit=DIGEST_ITEMS)
        if total:
            await publisher.publish(
                DigestReadyV1(
                    id=digest.digest_id(window.rule_id, window.start),
                    rule_id=window.rule_id,
                    rule_name=window.rule_name,
                    window_start=window.start,
                    window_end=window.end,
                    recipients=list(window.emails),
                    items=items,
                    total_matched=total,
                )
            )
        await store.mark_digest_sent(window.rule_id, window.start, at=now)
    return len(windows)


def check_digest(definition: RuleDefinition, clock: WindowClock) -> None:
    wanted = definition.then.digest
    if wanted is not None and wanted.every == "test_window" and not clock.test_window_seconds:
        raise rpc.Invalid(
            "the digest window 'test_window' is only for tests: choose 'hour' or 'day'",
            loc=["then", "digest", "every"],
        )


async def prune_log(*, store: RuleStore, now: datetime, keep_days: int) -> int:
    return await store.prune_log(now - timedelta(days=keep_days))


async def create_rule(
    *,
    store: RuleStore,
    rulebook: RuleBook,
    definition: RuleDefinition,
    actor: str,
    clock: WindowClock,
    vocabulary: references.Vocabulary,
) -> RuleRead:
    compiled(definition)
    check_digest(definition, clock)
    await references.check(definition, vocabulary)
    rule = await store.create_rule(definition, actor=actor)
    rulebook.invalidate()
    return rule


async def replace_rule(
    *,
    store: RuleStore,
    rulebook: RuleBook,
    rule_id: UUID,
    definition: RuleDefinition,
    actor: str,
    clock: WindowClock,
    vocabulary: references.Vocabulary,
) -> RuleRead:
    compiled(definition, rule_id)
    check_digest(definition, clock)
    await references.check(definition, vocabulary)
    rule = await store.replace_rule(rule_id, definition, actor=actor)
    if rule is None:
        raise rpc.NotFound(f"no rule {rule_id}")
    rulebook.invalidate()
    return rule


async def delete_rule(*, store: RuleStore, rulebook: RuleBook, rule_id: UUID, actor: str) -> None:
    if not await store.delete_rule(rule_id, actor=actor):
        raise rpc.NotFound(f"no rule {rule_id}")
    rulebook.invalidate()


async def dry_run(*, request: RuleTest, vocabulary: references.Vocabulary) -> RuleTestResult:
    """A dry run of a draft: its conditions against the interaction, ignoring the active flag
    and dates (a draft is tried before it is switched on). Nothing is stored or done."""
    rule = compiled(_as_draft(request.rule))
    known = await references.check(request.rule, vocabulary, at=("rule",))
    reasons = rule.reasons(Facts(request.interaction, _calendars(known)))
    fired = [] if reasons is None else [Evaluation(rule, reasons)]
    return RuleTestResult(
        matched=reasons is not None,
        reasons=reasons or [],
        decision=merge(fired, request.interaction),
    )


def _calendars(known: DeskVocabulary | None) -> Calendars:
    return hours.compiled(known.calendars) if known is not None else {}


def _as_draft(definition: RuleDefinition) -> RuleDefinition:
    """Dry runs and backtests try the conditions: the active flag and dates do not apply."""
    return definition.model_copy(update={"active": True, "starts_at": None, "ends_at": None})


async def backtest(
    *, store: RuleStore, rule_id: UUID, request: RuleBacktest, vocabulary: references.Vocabulary
) -> RuleBacktestResult:
    """What the rule (stored, or the draft in the request) would have done to the logged
    interactions of the range. Nothing is stored or done. A draft is checked like a rule
    being saved; a stored rule was checked when it was saved."""
    definition = request.rule
    known = None
    if definition is not None:
        known = await references.check(definition, vocabulary, at=("rule",))
    else:
        stored = await store.get_rule(rule_id)
        if stored is None:
            raise rpc.NotFound(f"no rule {rule_id}")
        definition = RuleDefinition(**stored.model_dump(include=set(RuleDefinition.model_fields)))
    if known is None and hours.calendar_names(definition.when):
        known = await references.ask(vocabulary)
    calendars = _calendars(known)
    rule = compiled(_as_draft(definition), rule_id)
    evaluated, matched, matches, complete = 0, 0, [], True
    cursor: tuple[str, str] | None = None
    while True:
        page = await store.logged_between(
            request.since, request.to, after=cursor, limit=BACKTEST_PAGE
        )
        for entry in page:
            evaluated += 1
            reasons = rule.reasons(Facts(entry.interaction, calendars))
            if reasons is None:
                continue
            matched += 1
            if len(matches) < request.limit:
                matches.append(_backtest_match(rule, entry, reasons))
        if len(page) < BACKTEST_PAGE:
            break
        cursor = page[-1].cursor
        if evaluated >= BACKTEST_MAX_EVALUATED:
            rest = await store.logged_between(request.since, request.to, after=cursor, limit=1)
            complete = not rest
            break
    return RuleBacktestResult(
        rule_id=rule_id,
        rule_name=definition.name,
        evaluated=evaluated,
        matched=matched,
        matches=matches,
        complete=complete,
    )


def _backtest_match(
    rule: CompiledRule, entry: LoggedInteraction, reasons: list[str]
) -> BacktestMatch:
    interaction = entry.interaction
    return BacktestMatch(
        interaction_key=interaction.key,
        occurred_at=interaction.occurred_at,
        received_at=entry.received_at,
        text=interaction.text[:280],
        reasons=reasons,
        decision=merge([Evaluation(rule, reasons)], interaction),
    )
