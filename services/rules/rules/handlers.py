"""The rules service's handlers: triage every received interaction, and rule CRUD for the
gateway."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from faststream.rabbit import RabbitRouter
from pydantic import BaseModel, ConfigDict

from contracts import topology
from contracts.events import InteractionReceivedV1, InteractionTriagedV1
from contracts.rpc import Caller, RuleMethods
from contracts.rules import RuleDefinition, RulePage, RuleRead
from rules.domain.matching import decide
from rules.rulebook import RuleBook
from rules.store.port import RuleStore
from servicekit import consuming, rpc
from servicekit.publishing import EventPublisher


@dataclass
class Deps:
    store: RuleStore
    rulebook: RuleBook
    publisher: EventPublisher


class RuleId(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: UUID


class RuleReplacement(RuleId):
    rule: RuleDefinition


def build_router(deps: Deps) -> RabbitRouter:
    router = RabbitRouter()

    async def on_received(event: InteractionReceivedV1) -> None:
        decision = decide(await deps.rulebook.rules(), event.interaction)
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
        items = await deps.store.list_rules()
        return RulePage(items=items, total=len(items))

    async def get_rule(params: dict[str, Any], caller: Caller) -> RuleRead:
        rule_id = RuleId.model_validate(params).id
        rule = await deps.store.get_rule(rule_id)
        if rule is None:
            raise rpc.NotFound(f"no rule {rule_id}")
        return rule

    async def create_rule(params: dict[str, Any], caller: Caller) -> RuleRead:
        rule = await deps.store.create_rule(RuleDefinition.model_validate(params))
        deps.rulebook.invalidate()
        return rule

    async def replace_rule(params: dict[str, Any], caller: Caller) -> RuleRead:
        request = RuleReplacement.model_validate(params)
        rule = await deps.store.replace_rule(request.id, request.rule)
        if rule is None:
            raise rpc.NotFound(f"no rule {request.id}")
        deps.rulebook.invalidate()
        return rule

    async def delete_rule(params: dict[str, Any], caller: Caller) -> dict[str, bool]:
        rule_id = RuleId.model_validate(params).id
        if not await deps.store.delete_rule(rule_id):
            raise rpc.NotFound(f"no rule {rule_id}")
        deps.rulebook.invalidate()
        return {"deleted": True}

    rpc.serve(
        router,
        topology.RULES_RPC,
        {
            RuleMethods.LIST: list_rules,
            RuleMethods.GET: get_rule,
            RuleMethods.CREATE: create_rule,
            RuleMethods.REPLACE: replace_rule,
            RuleMethods.DELETE: delete_rule,
        },
    )
    return router
