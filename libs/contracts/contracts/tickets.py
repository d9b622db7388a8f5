"""Ticket shapes exchanged between the gateway and ticketing (request/reply)."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from contracts.base import Contract
from contracts.interaction import Channel, Interaction

Tag = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]

MAX_PAGE_SIZE = 200


class TicketQuery(BaseModel):
    """Filters for listing tickets; every list field is "any of"."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    status: list[str] = []
    priority: list[str] = []
    level: list[str] = []
    tag: list[str] = []
    channel: list[Channel] = []
    page: Annotated[int, Field(ge=1)] = 1
    page_size: Annotated[int, Field(ge=1, le=MAX_PAGE_SIZE)] = 50


class TicketPatch(BaseModel):
    """A partial update by an agent; absent fields are left as they are. ``assignee`` set to
    null unassigns."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    status: Label | None = None
    priority: Label | None = None
    level: Label | None = None
    assignee: Label | None = None
    tags: Annotated[list[Tag], Field(max_length=100)] | None = None


class TicketRead(Contract):
    id: UUID
    protocol: str
    title: str
    status: str
    priority: str
    level: str | None
    assignee: str | None
    tags: list[str]
    channel: Channel
    account: str
    thread_key: str
    opened_by: str
    previous_ticket_id: UUID | None = None
    interaction_count: int
    change_count: int
    opened_at: AwareDatetime
    updated_at: AwareDatetime


class StoredInteraction(Contract):
    id: UUID
    ticket_id: UUID | None
    received_at: AwareDatetime
    interaction: Interaction


class TicketDetail(TicketRead):
    interactions: list[StoredInteraction]


class TicketPage(Contract):
    items: list[TicketRead]
    total: int
    page: int
    page_size: int


class HistoryEntry(Contract):
    """One append-only line of a ticket's audit log."""

    id: UUID
    ticket_id: UUID
    at: AwareDatetime
    actor: str
    action: str
    field: str | None = None
    before: Any = None
    after: Any = None
    detail: dict[str, Any] = {}
