"""A rule naming a priority that is not on ticketing's scale, or a level ticketing does not
have, is refused where it is saved, tried or backtested, with every unknown name located;
before issue 9 it was accepted and its tickets silently opened at the default priority."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest

from contracts.backtest import RuleBacktest
from contracts.rpc_ticketing import DeskVocabulary
from contracts.rules import RuleDefinition, RuleTest
from rules import references, services
from rules.domain.digest import WindowClock
from rules.references import Vocabulary
from rules.rulebook import RuleBook
from rules.store.sqlite import SqliteRuleStore
from servicekit import rpc

from .test_matching import make


def rule(**then: Any) -> RuleDefinition:
    return RuleDefinition.model_validate(
        {"name": "r", "when": {"text_any": ["procon"]}, "then": then}
    )


def refused(exc: pytest.ExceptionInfo[rpc.Invalid]) -> dict[tuple[str | int, ...], str]:
    assert exc.value.status == 422
    return {tuple(e.loc): e.type for e in exc.value.errors()}


async def test_an_unknown_priority_and_level_are_refused_each_where_the_rule_names_it(
    desk: Vocabulary,
) -> None:
    bad = rule(open_ticket={"priority": "asap", "level": "nowhere"}, set_priority="soon")
    with pytest.raises(rpc.Invalid) as exc:
        await references.check(bad, desk)
    assert refused(exc) == {
        ("then", "open_ticket", "priority"): "unknown_priority",
        ("then", "open_ticket", "level"): "unknown_level",
        ("then", "set_priority"): "unknown_priority",
    }
    assert "urgent, high, medium, low" in exc.value.detail


async def test_names_ticketing_has_are_accepted(desk: Vocabulary) -> None:
    await references.check(rule(open_ticket={"priority": "high", "level": "legal"}), desk)


async def test_a_rule_naming_no_priority_or_level_is_saved_without_asking_ticketing() -> None:
    await references.check(rule(add_tags=["x"], open_ticket={}), references.unavailable)


async def test_a_rule_naming_one_while_ticketing_is_silent_is_a_503() -> None:
    with pytest.raises(references.Unavailable) as exc:
        await references.check(rule(set_priority="high"), references.unavailable)
    assert exc.value.status == 503


async def test_saving_replacing_trying_and_backtesting_all_check(
    store: SqliteRuleStore, desk: Vocabulary
) -> None:
    bad = rule(set_priority="asap")
    book = RuleBook(store, 0.01)
    with pytest.raises(rpc.Invalid):
        await services.create_rule(
            store=store,
            rulebook=book,
            definition=bad,
            actor="a",
            clock=WindowClock(),
            vocabulary=desk,
        )
    good = await services.create_rule(
        store=store,
        rulebook=book,
        definition=rule(),
        actor="a",
        clock=WindowClock(),
        vocabulary=desk,
    )
    with pytest.raises(rpc.Invalid):
        await services.replace_rule(
            store=store,
            rulebook=book,
            rule_id=good.id,
            definition=bad,
            actor="a",
            clock=WindowClock(),
            vocabulary=desk,
        )
    with pytest.raises(rpc.Invalid) as tried:
        await services.dry_run(request=RuleTest(rule=bad, interaction=make()), vocabulary=desk)
    assert refused(tried) == {("rule", "then", "set_priority"): "unknown_priority"}
    now = datetime.now(UTC)
    backtest = RuleBacktest.model_validate(
        {"from": now - timedelta(days=1), "to": now, "rule": bad.model_dump(mode="json")}
    )
    with pytest.raises(rpc.Invalid) as drafted:
        await services.backtest(store=store, rule_id=uuid4(), request=backtest, vocabulary=desk)
    assert refused(drafted) == {("rule", "then", "set_priority"): "unknown_priority"}


async def test_ticketings_answer_is_read_as_it_comes() -> None:
    known = DeskVocabulary(priorities=["p1", "p2"], levels=[])

    async def custom_scale() -> DeskVocabulary:
        return known

    await references.check(rule(set_priority="p2"), custom_scale)
    with pytest.raises(rpc.Invalid):
        await references.check(rule(set_priority="high"), custom_scale)
