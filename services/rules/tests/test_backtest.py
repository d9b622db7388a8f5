"""Backtests: what a stored or draft rule would have done to the logged interactions of a date
range, with reasons, decisions and totals, and nothing done."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest

from contracts.backtest import RuleBacktest
from contracts.interaction import Interaction
from contracts.rules import RuleDefinition
from rules import services
from rules.references import Vocabulary
from rules.store.port import LoggedInteraction
from rules.store.sqlite import SqliteRuleStore
from servicekit import rpc

START = datetime(2026, 11, 20, tzinfo=UTC)


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteRuleStore]:
    opened = SqliteRuleStore(tmp_path / "rules.sqlite3")
    await opened.open()
    texts = ["Vou na Anatel", "ótimo", "ANATÉL de novo", "procon", "anatel, última vez"]
    for day, text in enumerate(texts):
        interaction = Interaction.model_validate(
            {
                "channel": "facebook",
                "account": "acme",
                "external_id": f"c{day}",
                "kind": "comment",
                "author": {"id": "u1", "name": "Ana"},
                "text": text,
                "occurred_at": START + timedelta(days=day),
            }
        )
        await opened.log_interaction(LoggedInteraction(interaction, datetime.now(UTC)))
    yield opened
    await opened.close()


def rule(**fields: Any) -> RuleDefinition:
    return RuleDefinition.model_validate(
        {
            "name": "anatel",
            "when": {"text_any": ["anatel"]},
            "then": {"open_ticket": {"priority": "urgent"}, "add_tags": ["legal"]},
            **fields,
        }
    )


def request(days: int = 10, **fields: Any) -> RuleBacktest:
    return RuleBacktest.model_validate(
        {"from": START.isoformat(), "to": (START + timedelta(days=days)).isoformat(), **fields}
    )


async def test_a_stored_rule_lists_what_it_would_have_matched_with_reasons_and_decisions(
    store: SqliteRuleStore, desk: Vocabulary
) -> None:
    stored = await store.create_rule(rule(active=False))
    result = await services.backtest(
        store=store, rule_id=stored.id, request=request(), vocabulary=desk
    )
    assert (result.evaluated, result.matched, result.complete) == (5, 3, True)
    assert [m.interaction_key for m in result.matches] == [
        "facebook:c0",
        "facebook:c2",
        "facebook:c4",
    ]
    assert result.matches[1].reasons == ["text contains 'anatel'"]
    assert result.matches[1].decision.open_ticket is not None
    assert result.matches[1].decision.open_ticket.priority == "urgent"
    assert result.matches[1].decision.tags == ["legal"]


async def test_only_the_range_is_evaluated(store: SqliteRuleStore, desk: Vocabulary) -> None:
    stored = await store.create_rule(rule())
    result = await services.backtest(
        store=store, rule_id=stored.id, request=request(days=2), vocabulary=desk
    )
    assert (result.evaluated, result.matched) == (2, 1)


async def test_a_draft_is_tried_instead_of_the_stored_version(
    store: SqliteRuleStore, desk: Vocabulary
) -> None:
    stored = await store.create_rule(rule())
    draft = rule(when={"text_any": ["procon"]}).model_dump(mode="json")
    result = await services.backtest(
        store=store, rule_id=stored.id, request=request(rule=draft), vocabulary=desk
    )
    assert [m.interaction_key for m in result.matches] == ["facebook:c3"]
    assert (await store.get_rule(stored.id)) == stored


async def test_the_limit_cuts_the_list_but_not_the_totals(
    store: SqliteRuleStore, desk: Vocabulary
) -> None:
    stored = await store.create_rule(rule())
    result = await services.backtest(
        store=store, rule_id=stored.id, request=request(limit=1), vocabulary=desk
    )
    assert (len(result.matches), result.matched) == (1, 3)


async def test_a_range_too_large_for_one_backtest_says_it_is_incomplete(
    store: SqliteRuleStore, monkeypatch: pytest.MonkeyPatch, desk: Vocabulary
) -> None:
    monkeypatch.setattr(services, "BACKTEST_PAGE", 2)
    monkeypatch.setattr(services, "BACKTEST_MAX_EVALUATED", 4)
    stored = await store.create_rule(rule())
    result = await services.backtest(
        store=store, rule_id=stored.id, request=request(), vocabulary=desk
    )
    assert (result.evaluated, result.complete) == (4, False)
    exact = await services.backtest(
        store=store, rule_id=stored.id, request=request(days=4), vocabulary=desk
    )
    assert (exact.evaluated, exact.complete) == (4, True)


async def test_backtesting_an_unknown_rule_is_not_found(
    store: SqliteRuleStore, desk: Vocabulary
) -> None:
    with pytest.raises(rpc.NotFound):
        await services.backtest(store=store, rule_id=uuid4(), request=request(), vocabulary=desk)


def test_a_range_that_ends_before_it_starts_is_refused() -> None:
    with pytest.raises(ValueError, match="the date range ends before it starts"):
        request(days=-1)
