"""Every message contract round-trips through JSON, and its JSON Schema is compared with the
committed snapshot: a change that would break a consumer (a field removed or made required,
a type changed, an enum value dropped) fails the build. A compatible change fails
too until its snapshot is refreshed (tests/snapshots.py): refresh the snapshots with
`SOCIALDESK_UPDATE_SCHEMAS=1 make unit` and commit them."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from pydantic import BaseModel

from contracts.events import (
    ALL_EVENTS,
    DigestItem,
    DigestReadyV1,
    InteractionChangedV1,
    InteractionReceivedV1,
    InteractionTriagedV1,
    NotificationRequestedV1,
    TicketChangedV1,
    TicketOpenedV1,
)
from contracts.interaction import Interaction
from contracts.moderation import MODERATION_EVENTS
from contracts.notifications import NotificationSettings, NotificationSettingsUpdate
from contracts.opinions import (
    OpinionAnswer,
    OpinionAttachment,
    OpinionReceivedV1,
    OpinionRequestCreate,
    OpinionRequestedV1,
    OpinionUndeliverableV1,
    SharedInteraction,
)
from contracts.replies import REPLY_EVENTS, ReplyCreate
from contracts.rpc import RpcReply, RpcRequest
from contracts.rules import RuleDefinition, RuleRead, TriageDecision
from contracts.tickets import HistoryEntry, TicketDetail, TicketPage, TicketPatch, TicketQuery

from .snapshots import breaking_changes, check_snapshot

CONTRACTS: list[type[BaseModel]] = [
    *ALL_EVENTS,
    *REPLY_EVENTS,
    *MODERATION_EVENTS,
    ReplyCreate,
    Interaction,
    RuleDefinition,
    RuleRead,
    TriageDecision,
    RpcRequest,
    RpcReply,
    TicketQuery,
    TicketPatch,
    TicketDetail,
    TicketPage,
    HistoryEntry,
]

INTERACTION = Interaction.model_validate(
    {
        "channel": "google_business",
        "account": "loja-centro",
        "external_id": "rev-1",
        "kind": "review",
        "author": {"id": "g-1", "name": "João", "followers": 10},
        "text": "Atendimento péssimo",
        "rating": 1,
        "occurred_at": "2026-11-25T10:00:00-03:00",
        "links": ["https://example.com/x"],
        "raw": {"starRating": "ONE"},
    }
)
NOW = datetime(2026, 11, 25, 13, 0, tzinfo=UTC)
SNAPSHOT = {
    "id": "6f1c2b4e-1d3a-4b5c-8d9e-0a1b2c3d4e5f",
    "protocol": "2026-000001",
    "title": "t",
    "status": "new",
    "priority": "high",
    "level": None,
    "assignee": None,
    "tags": ["a"],
    "channel": "facebook",
    "account": "acme",
    "interaction_count": 1,
    "opened_at": NOW,
    "updated_at": NOW,
}
EXAMPLES: list[BaseModel] = [
    InteractionReceivedV1(interaction=INTERACTION),
    InteractionChangedV1(
        key="facebook:1_2", change="edited", text="new", changed_at=NOW, actor="network:facebook"
    ),
    InteractionTriagedV1(interaction=INTERACTION, decision=TriageDecision(tags=["x"])),
    TicketOpenedV1(ticket=SNAPSHOT, actor="system"),
    TicketChangedV1(
        ticket=SNAPSHOT,
        actor="agent:ana",
        changes=[{"field": "status", "before": "new", "after": "open"}],
    ),
    NotificationRequestedV1(
        kind="rule_alert", recipients=["a@example.com"], ticket=SNAPSHOT, ticket_opened=True
    ),
    NotificationRequestedV1(
        kind="assigned",
        recipients=["ana@example.com"],
        recipient_users={"ana@example.com": "ana"},
        ticket=SNAPSHOT,
        ticket_opened=False,
        detail={"by": "admin"},
    ),
    DigestReadyV1(
        rule_id="6f1c2b4e-1d3a-4b5c-8d9e-0a1b2c3d4e5f",
        rule_name="bad reviews",
        window_start=NOW,
        window_end=NOW,
        recipients=["gerente@example.com"],
        items=[
            DigestItem(
                interaction_key="google_business:rev-1",
                channel="google_business",
                account="loja-centro",
                kind="review",
                author="João",
                text="Atendimento péssimo",
                rating=1,
                occurred_at=NOW,
            )
        ],
        total_matched=1,
    ),
]


@pytest.mark.parametrize("message", EXAMPLES, ids=lambda m: type(m).__name__)
def test_every_event_round_trips_through_json(message: BaseModel) -> None:
    assert type(message).model_validate_json(message.model_dump_json()) == message


def test_every_event_has_a_versioned_routing_key_and_envelope() -> None:
    for event in ALL_EVENTS:
        assert event.routing_key.endswith(f".v{event.model_fields['v'].default}")
        assert event.__name__.endswith(f"V{event.model_fields['v'].default}")
        assert {"id", "occurred_at", "correlation_id", "v"} <= set(event.model_fields)


def test_readers_ignore_fields_they_do_not_know() -> None:
    body = json.loads(EXAMPLES[0].model_dump_json())
    body["added_in_a_later_version"] = True
    assert InteractionReceivedV1.model_validate(body) == EXAMPLES[0]


def test_interaction_times_are_kept_as_instants() -> None:
    assert INTERACTION.occurred_at == datetime(2026, 11, 25, 13, 0, tzinfo=UTC)


@pytest.mark.parametrize("contract", CONTRACTS, ids=lambda c: c.__name__)
def test_contract_schema_is_compatible_with_its_snapshot(contract: type[BaseModel]) -> None:
    check_snapshot(contract)


def test_the_compatibility_check_catches_breaking_changes() -> None:
    old = {
        "type": "object",
        "required": ["a"],
        "properties": {"a": {"type": "string"}, "b": {"enum": ["x", "y"]}},
    }
    assert breaking_changes(old, old) == []
    assert (
        breaking_changes(old, {**old, "properties": {**old["properties"], "c": {"type": "string"}}})
        == []
    )
    assert breaking_changes(old, {**old, "required": ["a", "b"]})
    assert breaking_changes(
        old, {**old, "properties": {"a": {"type": "integer"}, "b": {"enum": ["x", "y"]}}}
    )
    assert breaking_changes(
        old, {**old, "properties": {"a": {"type": "string"}, "b": {"enum": ["x"]}}}
    )
    assert breaking_changes(old, {**old, "properties": {"a": {"type": "string"}}})


# Notifications and opinion requests (#5): their contracts get the same checks.
OPINION_EVENTS = [
    OpinionRequestedV1(
        request_id="6f1c2b4e-1d3a-4b5c-8d9e-0a1b2c3d4e5f",
        ticket=SNAPSHOT,
        interactions=[
            SharedInteraction(
                occurred_at=NOW,
                channel="facebook",
                kind="comment",
                direction="inbound",
                author="Ana",
                text="Vou reclamar na Anatel",
            )
        ],
        note="Procede?",
        attachments=[
            OpinionAttachment(
                filename="a.pdf", content_type="application/pdf", size=4, content_base64="JVBERg=="
            )
        ],
        collaborator_email="perito@example.com",
        requested_by="agent:ana",
    ),
    OpinionReceivedV1(
        request_id="6f1c2b4e-1d3a-4b5c-8d9e-0a1b2c3d4e5f",
        ticket_id="6f1c2b4e-1d3a-4b5c-8d9e-0a1b2c3d4e5f",
        collaborator_email="perito@example.com",
        text="Procede.",
        answered_at=NOW,
    ),
    OpinionUndeliverableV1(
        request_id="6f1c2b4e-1d3a-4b5c-8d9e-0a1b2c3d4e5f",
        ticket_id="6f1c2b4e-1d3a-4b5c-8d9e-0a1b2c3d4e5f",
        collaborator_email="perito@example.com",
        reason="550 No such mailbox",
    ),
]


@pytest.mark.parametrize("message", OPINION_EVENTS, ids=lambda m: type(m).__name__)
def test_opinion_events_round_trip_through_json(message: BaseModel) -> None:
    assert type(message).model_validate_json(message.model_dump_json()) == message


@pytest.mark.parametrize(
    "contract",
    [
        OpinionRequestedV1,
        OpinionReceivedV1,
        OpinionUndeliverableV1,
        OpinionRequestCreate,
        OpinionAnswer,
        NotificationSettings,
        NotificationSettingsUpdate,
    ],
    ids=lambda c: c.__name__,
)
def test_notification_contract_schema_is_compatible_with_its_snapshot(
    contract: type[BaseModel],
) -> None:
    check_snapshot(contract)
