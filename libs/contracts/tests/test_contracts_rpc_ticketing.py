"""Ticketing's request/reply shapes (``contracts.rpc_ticketing``): every method has a
parameters model and an answer, the wire names stay what the gateway and older replicas
send, and each parameters model is held to a JSON-Schema snapshot like the events are.
Refresh the snapshots with `SOCIALDESK_UPDATE_SCHEMAS=1 make unit`."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, ValidationError

from contracts.approvals import ApprovalQuery, ApprovalRead
from contracts.canned import CannedQuery, CannedRead
from contracts.console_pages import (
    InboxPageQuery,
    InboxPageRead,
    TicketPageQuery,
    TicketPageRead,
)
from contracts.credentials import AccessLinkRequest, PasswordSetting, SessionKey, SignInAttempt
from contracts.reports import BacklogQuery, TimesQuery, VolumeQuery
from contracts.rpc_ticketing import (
    ANSWERS,
    PARAMS,
    AgentReplace,
    ApprovalEditing,
    ApprovalRef,
    ApprovalRejecting,
    ApprovalResubmitting,
    CalendarReplace,
    CannedRef,
    CannedReplace,
    DirectoryKey,
    GroupMembership,
    GroupMembersQuery,
    GroupReplace,
    InteractionTagging,
    LevelReplace,
    NoParams,
    OpinionRequesting,
    PersonRef,
    PersonSplitting,
    PersonUnifying,
    PersonUpdate,
    TeamReplace,
    TicketAssignment,
    TicketChild,
    TicketExportRequest,
    TicketingMethod,
    TicketMerging,
    TicketNote,
    TicketRef,
    TicketUpdate,
    ViewRef,
    ViewReplace,
    ViewTickets,
)
from contracts.views import Board, SearchQuery, SearchResults, ViewCreate, ViewRead

from .snapshots import check_snapshot

RPC_TICKETING_CONTRACTS: list[type[BaseModel]] = [
    NoParams,
    TicketRef,
    TicketUpdate,
    TicketAssignment,
    TicketNote,
    TicketMerging,
    TicketChild,
    TicketExportRequest,
    OpinionRequesting,
    InteractionTagging,
    DirectoryKey,
    AgentReplace,
    TeamReplace,
    LevelReplace,
    CalendarReplace,
    PersonRef,
    PersonUpdate,
    PersonUnifying,
    PersonSplitting,
    GroupReplace,
    GroupMembersQuery,
    GroupMembership,
    AccessLinkRequest,
    PasswordSetting,
    SignInAttempt,
    SessionKey,
    VolumeQuery,
    TimesQuery,
    BacklogQuery,
    ViewRef,
    ViewReplace,
    ViewTickets,
    ViewCreate,
    ViewRead,
    Board,
    SearchQuery,
    SearchResults,
    ApprovalRef,
    ApprovalEditing,
    ApprovalRejecting,
    ApprovalResubmitting,
    ApprovalQuery,
    ApprovalRead,
    CannedRef,
    CannedReplace,
    CannedQuery,
    CannedRead,
    TicketPageQuery,
    TicketPageRead,
    InboxPageQuery,
    InboxPageRead,
]


@pytest.mark.parametrize("contract", RPC_TICKETING_CONTRACTS, ids=lambda c: c.__name__)
def test_ticketing_params_schema_is_compatible_with_its_snapshot(
    contract: type[BaseModel],
) -> None:
    check_snapshot(contract)


def test_every_ticketing_method_has_its_parameters_and_its_answer() -> None:
    assert set(PARAMS) == set(TicketingMethod)
    assert set(ANSWERS) == set(TicketingMethod)


def test_the_wire_names_of_ticketing_methods_do_not_change() -> None:
    areas = {method.value.split(".")[0] for method in TicketingMethod}
    assert areas == {
        "tickets",
        "interactions",
        "agents",
        "teams",
        "levels",
        "calendars",
        "opinions",
        "desk",
        "people",
        "groups",
        "credentials",
        "sessions",
        "reports",
        "views",
        "search",
        "approvals",
        "canned",
        "console",
    }
    assert TicketingMethod.TICKETS_LIST == "tickets.list"
    assert TicketingMethod.OPINIONS_REQUEST == "opinions.request"
    assert TicketingMethod.INTERACTIONS_TAG == "interactions.tag"
    assert all(m.value == m.name.lower().replace("_", ".", 1) for m in TicketingMethod)


def test_a_ticket_update_keeps_only_the_fields_the_agent_sent() -> None:
    update = TicketUpdate.model_validate({"ref": "2026-000001", "patch": {"status": "open"}})
    assert update.model_dump(mode="json", exclude_unset=True) == {
        "ref": "2026-000001",
        "patch": {"status": "open"},
    }


def test_params_refuse_fields_they_do_not_know() -> None:
    with pytest.raises(ValidationError):
        TicketRef.model_validate({"ref": "2026-000001", "reff": "x"})
