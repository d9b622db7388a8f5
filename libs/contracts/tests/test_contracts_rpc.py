"""Snapshots of the request/reply contracts (``contracts.rpc_*``): every method's parameters and
answer models, and the method names themselves. Same rule as test_contracts: compatible
additions pass, breaking changes (a model's or a method name removed) fail; refresh with
`SOCIALDESK_UPDATE_SCHEMAS=1 make unit`."""

from __future__ import annotations

import json
import os
from enum import StrEnum

import pytest
from pydantic import BaseModel

from contracts import rpc_ingestor, rpc_notifier, rpc_rules

from .test_contracts import SCHEMAS, breaking_changes

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
    current = sorted(m.value for m in methods)
    path = SCHEMAS / f"{methods.__name__}.json"
    if os.environ.get("SOCIALDESK_UPDATE_SCHEMAS") == "1":
        path.write_text(json.dumps(current, indent=2) + "\n")
    assert path.exists(), (
        f"no snapshot for {methods.__name__}: run with SOCIALDESK_UPDATE_SCHEMAS=1"
    )
    dropped = set(json.loads(path.read_text())) - set(current)
    assert not dropped, f"{methods.__name__} no longer serves {sorted(dropped)}"


@pytest.mark.parametrize("contract", RPC_CONTRACTS, ids=lambda c: c.__name__)
def test_rpc_contract_schema_is_compatible_with_its_snapshot(contract: type[BaseModel]) -> None:
    current = contract.model_json_schema()
    path = SCHEMAS / f"{contract.__name__}.json"
    if os.environ.get("SOCIALDESK_UPDATE_SCHEMAS") == "1":
        path.write_text(json.dumps(current, indent=2, sort_keys=True) + "\n")
    assert path.exists(), (
        f"no snapshot for {contract.__name__}: run with SOCIALDESK_UPDATE_SCHEMAS=1"
    )
    problems = breaking_changes(json.loads(path.read_text()), current)
    assert not problems, f"{contract.__name__} changed incompatibly:\n" + "\n".join(problems)
