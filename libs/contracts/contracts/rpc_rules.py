"""Request/reply with the rules service (``rules.rpc``): the method names, and for each method
the model of its parameters and of its answer.

The gateway sends the parameters model (``Services.call``) and the rules service validates the
request with the same model (``servicekit.rpc.typed``), so a shape is written once. ``SHAPES``
lists each method's (parameters, answer) models.
"""

from __future__ import annotations

from enum import StrEnum
from uuid import UUID

from pydantic import BaseModel

from contracts.backtest import RuleBacktest, RuleBacktestResult
from contracts.base import Contract
from contracts.rules import (
    RuleDefinition,
    RuleHistory,
    RulePage,
    RuleRead,
    RuleTest,
    RuleTestResult,
)
from contracts.strict import Strict


class RulesMethod(StrEnum):
    LIST = "rules.list"
    GET = "rules.get"
    CREATE = "rules.create"
    REPLACE = "rules.replace"
    DELETE = "rules.delete"
    HISTORY = "rules.history"
    TEST = "rules.test"
    BACKTEST = "rules.backtest"


class RuleListParams(Strict):
    """Every rule, in evaluation order: nothing to choose."""


class _OneRule(Strict):
    id: UUID


class RuleGetParams(_OneRule):
    pass


class RuleDeleteParams(_OneRule):
    pass


class RuleHistoryParams(_OneRule):
    pass


class RuleReplaceParams(_OneRule):
    rule: RuleDefinition


class RuleBacktestParams(_OneRule):
    backtest: RuleBacktest


class RuleDeleted(Contract):
    deleted: bool = True


SHAPES: dict[RulesMethod, tuple[type[BaseModel], type[BaseModel]]] = {
    RulesMethod.LIST: (RuleListParams, RulePage),
    RulesMethod.GET: (RuleGetParams, RuleRead),
    RulesMethod.CREATE: (RuleDefinition, RuleRead),
    RulesMethod.REPLACE: (RuleReplaceParams, RuleRead),
    RulesMethod.DELETE: (RuleDeleteParams, RuleDeleted),
    RulesMethod.HISTORY: (RuleHistoryParams, RuleHistory),
    RulesMethod.TEST: (RuleTest, RuleTestResult),
    RulesMethod.BACKTEST: (RuleBacktestParams, RuleBacktestResult),
}
