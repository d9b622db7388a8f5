from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Response, status

from contracts.backtest import RuleBacktest, RuleBacktestResult
from contracts.rpc_rules import (
    RuleBacktestParams,
    RuleDeleteParams,
    RuleGetParams,
    RuleHistoryParams,
    RuleListParams,
    RuleReplaceParams,
    RulesMethod,
)
from contracts.rules import (
    RuleDefinition,
    RuleHistory,
    RulePage,
    RuleRead,
    RuleTest,
    RuleTestResult,
)
from contracts.topology import RULES_RPC
from gateway.access import ActiveCaller
from gateway.deps import AdminCaller, ServicesDep

router = APIRouter(prefix="/v1/rules", tags=["rules"])

NOT_FOUND = {404: {"description": "No such rule"}}

EXAMPLE_RULE = {
    "name": "Anatel complaints are urgent",
    "active": True,
    "when": {"channels": ["facebook", "instagram"], "kinds": ["comment"], "text_any": ["anatel"]},
    "then": {
        "open_ticket": {"status": "new", "priority": "urgent", "level": "legal"},
        "add_tags": ["anatel"],
        "alert_emails": ["legal@example.com"],
    },
}
RuleDefinition.model_config["json_schema_extra"] = {"examples": [EXAMPLE_RULE]}
RuleDefinition.model_rebuild(force=True)


@router.get("", response_model=RulePage)
async def list_rules(caller: ActiveCaller, services: ServicesDep) -> Any:
    """Every rule, in evaluation order. Agents read them without their e-mail addresses
    (`alert_emails` and `share_emails` come empty): those are for administrators."""
    return await services.call(RULES_RPC, RulesMethod.LIST, RuleListParams(), caller)


@router.post("", response_model=RuleRead, status_code=status.HTTP_201_CREATED)
async def create_rule(rule: RuleDefinition, caller: AdminCaller, services: ServicesDep) -> Any:
    """Add a rule at the end of the evaluation order. Every rules replica uses it within a
    second."""
    return await services.call(RULES_RPC, RulesMethod.CREATE, rule, caller)


@router.post("/test", response_model=RuleTestResult)
async def test_rule(request: RuleTest, caller: ActiveCaller, services: ServicesDep) -> Any:
    """Dry run: would this draft rule match this interaction, why, and what would it do?
    Nothing is stored, sent or changed; the active flag and dates are ignored."""
    return await services.call(RULES_RPC, RulesMethod.TEST, request, caller)


@router.get("/{rule_id}/history", response_model=RuleHistory, responses=NOT_FOUND)
async def rule_history(rule_id: UUID, caller: ActiveCaller, services: ServicesDep) -> Any:
    """Every change of the rule, oldest first: who, when, the rule before and after."""
    return await services.call(
        RULES_RPC, RulesMethod.HISTORY, RuleHistoryParams(id=rule_id), caller
    )


@router.get("/{rule_id}", response_model=RuleRead, responses=NOT_FOUND)
async def get_rule(rule_id: UUID, caller: ActiveCaller, services: ServicesDep) -> Any:
    return await services.call(RULES_RPC, RulesMethod.GET, RuleGetParams(id=rule_id), caller)


@router.put("/{rule_id}", response_model=RuleRead, responses=NOT_FOUND)
async def replace_rule(
    rule_id: UUID, rule: RuleDefinition, caller: AdminCaller, services: ServicesDep
) -> Any:
    return await services.call(
        RULES_RPC,
        RulesMethod.REPLACE,
        RuleReplaceParams(id=rule_id, rule=rule),
        caller,
    )


@router.delete("/{rule_id}", status_code=status.HTTP_204_NO_CONTENT, responses=NOT_FOUND)
async def delete_rule(rule_id: UUID, caller: AdminCaller, services: ServicesDep) -> Response:
    await services.call(RULES_RPC, RulesMethod.DELETE, RuleDeleteParams(id=rule_id), caller)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/{rule_id}/backtest",
    response_model=RuleBacktestResult,
    responses={**NOT_FOUND, 403: {"description": "Only an administrator can backtest"}},
)
async def backtest_rule(
    rule_id: UUID, request: RuleBacktest, caller: ActiveCaller, services: ServicesDep
) -> Any:
    """What the rule would have done to the interactions that occurred between ``from`` and
    ``to`` (as the rules service logged them): the matches with their reasons and decisions,
    and totals. Give ``rule`` to try a draft instead of the stored version. Nothing is done.
    For administrators only: the log holds every level's interactions, and those no ticket
    holds."""
    return await services.call(
        RULES_RPC,
        RulesMethod.BACKTEST,
        RuleBacktestParams(id=rule_id, backtest=request),
        caller,
    )
