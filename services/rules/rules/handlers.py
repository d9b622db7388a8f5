"""The rules service's handlers: triage every received interaction, and rule CRUD, history and
dry runs for the gateway."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from faststream.rabbit import RabbitRouter
from pydantic import BaseModel, ConfigDict

from contracts import topology
from contracts.backtest import RULES_BACKTEST, RuleBacktest, RuleBacktestResult
from contracts.events import InteractionReceivedV1, InteractionTriagedV1
from contracts.rpc import Caller, RuleMethods
from contracts.rules import (
    RULES_HISTORY,
    RULES_TEST,
    RuleDefinition,
    RuleHistory,
    RulePage,
    RuleRead,
    RuleTest,
    RuleTestResult,
)
from rules import services
from rules.domain.digest import WindowClock
from rules.domain.matching import evaluation_order
from rules.rulebook import RuleBook
from rules.store.port import RuleStore
from servicekit import consuming, rpc
from servicekit.publishing import EventPublisher


@dataclass
class Deps:
    store: RuleStore
    rulebook: RuleBook
    publisher: EventPublisher
    clock: WindowClock = field(default_factory=WindowClock)


class RuleId(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: UUID


class RuleReplacement(RuleId):
    rule: RuleDefinition


class RuleBacktestRequest(RuleId):
    backtest: RuleBacktest


def build_router(deps: Deps) -> RabbitRouter:
    router = RabbitRouter()

    async def on_received(event: InteractionReceivedV1) -> None:
        decision = await services.triage(
            rulebook=deps.rulebook,
            store=deps.store,
            interaction=event.interaction,
            received_at=datetime.now(UTC),
            clock=deps.clock,
        )
        await deps.publisher.publish(
            InteractionTriagedV1(**event.caused(), interaction=event.interaction, decision=decision)
        )

    consuming.consume(
        router,
        topology.RULES_INTERACTIONS,
        InteractionReceivedV1,
        on_received,
        publisher=deps.publisher,
    )

    async def list_rules(params: dict[str, Any], caller: Caller) -> RulePage:
        ordered = evaluation_order(await deps.store.list_rules())
        return RulePage(items=ordered, total=len(ordered))

    async def get_rule(params: dict[str, Any], caller: Caller) -> RuleRead:
        rule_id = RuleId.model_validate(params).id
        rule = await deps.store.get_rule(rule_id)
        if rule is None:
            raise rpc.NotFound(f"no rule {rule_id}")
        return rule

    async def create_rule(params: dict[str, Any], caller: Caller) -> RuleRead:
        return await services.create_rule(
            store=deps.store,
            rulebook=deps.rulebook,
            definition=RuleDefinition.model_validate(params),
            actor=caller.id,
            clock=deps.clock,
        )

    async def replace_rule(params: dict[str, Any], caller: Caller) -> RuleRead:
        request = RuleReplacement.model_validate(params)
        return await services.replace_rule(
            store=deps.store,
            rulebook=deps.rulebook,
            rule_id=request.id,
            definition=request.rule,
            actor=caller.id,
            clock=deps.clock,
        )

    async def delete_rule(params: dict[str, Any], caller: Caller) -> dict[str, bool]:
        rule_id = RuleId.model_validate(params).id
        await services.delete_rule(
            store=deps.store, rulebook=deps.rulebook, rule_id=rule_id, actor=caller.id
        )
        return {"deleted": True}

    async def history(params: dict[str, Any], caller: Caller) -> RuleHistory:
        rule_id = RuleId.model_validate(params).id
        changes = await deps.store.history(rule_id)
        if not changes:
            raise rpc.NotFound(f"no rule {rule_id}")
        return RuleHistory(items=changes)

    async def dry_run(params: dict[str, Any], caller: Caller) -> RuleTestResult:
        return services.dry_run(request=RuleTest.model_validate(params))

    async def backtest(params: dict[str, Any], caller: Caller) -> RuleBacktestResult:
        request = RuleBacktestRequest.model_validate(params)
        return await services.backtest(
            store=deps.store, rule_id=request.id, request=request.backtest
        )

    rpc.serve(
        router,
        topology.RULES_RPC,
        {
            RuleMethods.LIST: list_rules,
            RuleMethods.GET: get_rule,
            RuleMethods.CREATE: create_rule,
            RuleMethods.REPLACE: replace_rule,
            RuleMethods.DELETE: delete_rule,
            RULES_HISTORY: history,
            RULES_TEST: dry_run,
            RULES_BACKTEST: backtest,
        },
    )
    return router
