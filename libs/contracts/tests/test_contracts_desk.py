"""Snapshots of the contracts added for the agents' desk (issue #3): people, levels and the
ticket actions beyond editing. Same rule as test_contracts: compatible additions pass,
breaking changes fail; refresh with `SOCIALDESK_UPDATE_SCHEMAS=1 make unit`."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from contracts.directory_events import AgentChangedV1
from contracts.people import AgentCreate, AgentRead, LevelCreate, LevelRead, TeamCreate, TeamRead
from contracts.tickets import (
    BulkReport,
    ChildCreate,
    InteractionPage,
    InteractionQuery,
    InteractionTags,
    NoteCreate,
    TicketAssign,
    TicketBulk,
    TicketCreate,
    TicketExport,
    TicketMerge,
    TicketMerged,
)

from .snapshots import check_snapshot

DESK_CONTRACTS: list[type[BaseModel]] = [
    AgentChangedV1,
    AgentCreate,
    AgentRead,
    TeamCreate,
    TeamRead,
    LevelCreate,
    LevelRead,
    TicketAssign,
    TicketCreate,
    NoteCreate,
    InteractionQuery,
    InteractionPage,
    InteractionTags,
    TicketMerge,
    TicketMerged,
    ChildCreate,
    TicketExport,
    TicketBulk,
    BulkReport,
]


@pytest.mark.parametrize("contract", DESK_CONTRACTS, ids=lambda c: c.__name__)
def test_desk_contract_schema_is_compatible_with_its_snapshot(contract: type[BaseModel]) -> None:
    check_snapshot(contract)


def test_an_assignment_names_an_agent_or_a_strategy_not_both() -> None:
    with pytest.raises(ValueError, match="either"):
        TicketAssign(agent="ana", strategy="random")
    with pytest.raises(ValueError, match="either"):
        TicketAssign()
    assert TicketAssign(strategy="random", team="night").team == "night"


def test_a_bulk_change_selects_by_ids_or_by_filter() -> None:
    with pytest.raises(ValueError, match="select"):
        TicketBulk.model_validate({"change": {"status": "open"}})
    with pytest.raises(ValueError, match="say what to change"):
        TicketBulk.model_validate({"ids": ["2026-000001"], "change": {}})
