"""Snapshots of the request/reply contracts (``contracts.rpc_*``): every method's parameters and
answer models, and the method names themselves. Same rule as test_contracts: compatible
additions pass, breaking changes (a model's or a method name removed) fail; refresh with
`SOCIALDESK_UPDATE_SCHEMAS=1 make unit`."""

from __future__ import annotations

from enum import StrEnum

import pytest
from pydantic import BaseModel

from contracts import rpc_ingestor, rpc_notifier, rpc_rules

from .snapshots import check_snapshot, check_value

SERVICES: dict[type[StrEnum], dict[StrEnum, tuple[type[BaseModel], type[BaseModel]]]] = {
    rpc_rules.RulesMethod: dict(rpc_rules.SHAPES),
    rpc_notifier.NotifierMethod: dict(rpc_notifier.SHAPES),
    rpc_ingestor.IngestorMethod: dict(rpc_ingestor.SHAPES),
}
RPC_CONTRACTS = sorted(
    {model for shapes in SERVICES.values() for pair in shapes.values() for model in pair},
    key=lambda model: model.__name__,
)


@pytest.mark.parametrize("methods", list(SERVICES), ids=lambda m: m.__name__)
def test_every_method_has_its_parameters_and_answer_models(methods: type[StrEnum]) -> None:
    assert set(SERVICES[methods]) == set(methods)


@pytest.mark.parametrize("methods", list(SERVICES), ids=lambda m: m.__name__)
def test_no_method_name_is_dropped(methods: type[StrEnum]) -> None:
    def dropped(kept: list[str], current: list[str]) -> list[str]:
        return [f"{methods.__name__} no longer serves {name}" for name in set(kept) - set(current)]

    check_value(methods.__name__, sorted(m.value for m in methods), dropped)


@pytest.mark.parametrize("contract", RPC_CONTRACTS, ids=lambda c: c.__name__)
def test_rpc_contract_schema_is_compatible_with_its_snapshot(contract: type[BaseModel]) -> None:
    check_snapshot(contract)
