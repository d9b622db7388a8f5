"""Ticket shapes exchanged between the gateway and ticketing (request/reply)."""

from __future__ import annotations

import base64
import binascii
import re
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from contracts.base import Contract
from contracts.interaction import Channel, Direction, Interaction, Kind, Visibility
from contracts.moderation import Moderation
from contracts.replies import Delivery

Tag = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]

MAX_PAGE_SIZE = 200
MAX_PAGE = 100_000
"""Past it a page number is refused (422): the offset must fit the stores' 64-bit integers, and
deeper reading is what ``cursor`` is for (it costs the same at any depth)."""
COUNT_LIMIT = 1_000
"""Lists count their matches up to this many; past it the total reads "1,000+"
(``total_exact`` false), so counting costs the same on a desk of any size."""


def page_cursor(value: str, ticket_id: str, sort: str = "") -> str:
    """The opaque cursor of the list position after a ticket: its sort key (``value``, the
    time the list is ordered by), its id, and for the priority sort the priority it is in."""
    text = f"{value}|{ticket_id}" + (f"|{sort}" if sort else "")
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def read_position(cursor: str) -> tuple[str, str, str]:
    """(value, id, sort part) of a cursor made by ``page_cursor``; ValueError if it is not one."""
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise ValueError("not a cursor this service gave out") from exc
    value, separator, rest = text.partition("|")
    ticket_id, _, sort = rest.partition("|")
    if not separator or not value or not ticket_id:
        raise ValueError("not a cursor this service gave out")
    return value, ticket_id, sort


SlaBand = Literal["green", "yellow", "red", "overdue"]


def read_cursor(cursor: str) -> tuple[str, str]:
    """(value, id) of a cursor made by ``page_cursor``; ValueError if it is not one."""
    value, ticket_id, _ = read_position(cursor)
    return value, ticket_id


ProtocolPart = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]

TicketSort = Literal["updated", "opened", "priority", "sla_due"]
"""``updated``: last activity; ``opened``: when the ticket was opened; ``priority``: the
desk's priority scale, highest first, then last activity; ``sla_due``: the tickets with a
running SLA clock, least time left first (overdue ones first)."""


def no_values(description: str | None = None) -> Any:
    """An empty list field's default, documented as ``[]``, made fresh by ``list()`` for each
    model: a plain ``= []`` is deep-copied by pydantic for every model built without it, and
    a ticket list's query leaves most of its thirteen list fields out (``copy.deepcopy`` was
    most of the time validating one)."""
    return Field(default_factory=list, description=description, json_schema_extra={"default": []})


class TicketFilters(BaseModel):
    """What a ticket list or a saved view selects (docs/domain.md F33); every list field is
    "any of", and the fields combine with "and". Each one is served by an index on both
    stores, so a filtered page costs the same as the whole desk's."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    status: list[str] = no_values()
    priority: list[str] = no_values()
    level: list[str] = no_values()
    tag: list[str] = no_values()
    channel: list[Channel] = no_values()
    assignee: list[str] = no_values(description='Agent ids ("mine": your own id).')
    team: list[Label] = no_values()
    account: list[Label] = no_values(description="The brand accounts tickets came in on.")
    scope: list[Visibility] = no_values(
        description="Public or private: of the interaction that opened the ticket."
    )
    kind: list[Kind] = no_values(description="Of the interaction that opened the ticket.")
    direction: list[Direction] = no_values(
        description="Received or sent: of the interaction that opened the ticket."
    )
    protocol: ProtocolPart | None = Field(
        default=None, description='The protocol number or a part of it ("000123", "2026-0001").'
    )
    text: Label | None = Field(
        default=None,
        description="Words in the title or in any interaction of the ticket, ignoring case and "
        "accents (the search index; see /v1/search).",
    )
    opened_from: AwareDatetime | None = None
    opened_to: AwareDatetime | None = Field(default=None, description="Exclusive.")
    updated_from: AwareDatetime | None = None
    updated_to: AwareDatetime | None = Field(default=None, description="Exclusive.")
    group: list[Annotated[str, StringConstraints(max_length=64)]] = no_values(
        description="Tickets with an interaction by a person in one of these groups."
    )
    sla_band: list[SlaBand] = no_values(
        description="Tickets whose worst running SLA clock is in one of these bands."
    )
    overdue: bool = Field(default=False, description="Only tickets with an overdue SLA clock.")

    @field_validator("text")
    @classmethod
    def _some_word(cls, text: str | None) -> str | None:
        return text if text is None else has_a_word(text)


def has_a_word(text: str) -> str:
    """Searches look for words: a text without a letter or digit could match nothing."""
    if not re.search(r"\w", text):
        raise ValueError("give at least one word (letters or digits)")
    return text


class TicketQuery(TicketFilters):
    """Filters, order and page of a ticket list. Tickets come most recently updated first
    (then by id) unless ``sort`` says otherwise. Page with ``cursor`` (each page's
    ``next_cursor``): it costs the same at any depth; ``page`` still works but skips over
    the earlier pages."""

    sort: TicketSort = "updated"
    order: Literal["desc", "asc"] = Field(
        default="desc", description='"asc": oldest (or lowest priority) first.'
    )
    page: Annotated[int, Field(ge=1, le=MAX_PAGE)] = 1
    page_size: Annotated[int, Field(ge=1, le=MAX_PAGE_SIZE)] = 50
    include_removed: bool = Field(
        default=False, description="Also list tickets removed from the desk (for audits)."
    )
    cursor: Annotated[str, StringConstraints(max_length=300)] | None = Field(
        default=None,
        description="The previous page's next_cursor: the page after it (page is then ignored).",
    )

    @field_validator("cursor")
    @classmethod
    def _a_cursor_we_gave_out(cls, cursor: str | None) -> str | None:
        if cursor is not None:
            read_position(cursor)
        return cursor


FieldValue = str | int | float | bool | None


class ContactData(BaseModel):
    """How to reach the customer and find them in the brand's systems (null clears one)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    email: Label | None = None
    phone: Label | None = None
    tax_id: Label | None = Field(default=None, description="e.g. a CPF or CNPJ.")
    customer_number: Label | None = None
    order_number: Label | None = None


class TicketPatch(BaseModel):
    """A partial update by an agent; absent fields are left as they are. ``assignee`` set to
    null unassigns."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        json_schema_extra={
            "examples": [
                {"status": "pending", "priority": "high", "assignee": "ana"},
                {"level": "legal", "contact": {"tax_id": "123.456.789-09"}},
            ]
        },
    )

    status: Label | None = None
    priority: Label | None = None
    level: Label | None = None
    assignee: Label | None = None
    tags: Annotated[list[Tag], Field(max_length=100)] | None = None
    team: Label | None = None
    custom_fields: Annotated[dict[Label, FieldValue], Field(max_length=100)] | None = Field(
        default=None, description="Merged into the ticket's fields; a null value removes one."
    )
    contact: ContactData | None = Field(
        default=None, description="Merged into the ticket's contact data."
    )


class SlaClock(Contract):
    """One SLA target of a ticket (first_response, next_response, resolution)."""

    target_minutes: float = Field(description="The target, in business minutes.")
    due: AwareDatetime | None = Field(
        description="When it runs out if nothing pauses it (when it ran out, once overdue); "
        "null while paused or stopped."
    )
    business_minutes_left: float = Field(description="Negative once overdue.")
    band: SlaBand
    paused: bool
    met_at: AwareDatetime | None = None
    breached_at: AwareDatetime | None = None


class TicketSla(Contract):
    """The ticket's clocks in its level's business time (docs/domain.md F14–F16)."""

    band: SlaBand | None = Field(description="The worst band of the running clocks.")
    first_response: SlaClock | None = None
    next_response: SlaClock | None = None
    resolution: SlaClock | None = None


class LevelSlaCounts(Contract):
    """How many of a level's tickets are in each band (a running clock; as of the last
    reading, which follows each band change within seconds)."""

    level: str
    green: int = 0
    yellow: int = 0
    red: int = 0
    overdue: int = 0


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
    team: str | None = None
    custom_fields: dict[str, Any] = {}
    contact: dict[str, str] = {}
    parent_ticket_id: UUID | None = Field(default=None, description="Set on a sub-ticket.")
    merged_into: UUID | None = Field(
        default=None, description="The ticket this one was merged into; it takes no new work."
    )
    removed: bool = Field(default=False, description="Hidden from the desk; kept for audit.")
    sla: TicketSla | None = Field(
        default=None, description="Its SLA clocks; null when its level has no SLA policy."
    )
    kind: Kind | None = Field(
        default=None, description="Of the interaction that opened it (none on a sub-ticket)."
    )
    scope: Visibility | None = Field(
        default=None, description="Public or private, as the interaction that opened it."
    )
    direction: Direction | None = Field(
        default=None, description="Received or sent, as the interaction that opened it."
    )


class StoredInteraction(Contract):
    id: UUID
    ticket_id: UUID | None
    received_at: AwareDatetime
    interaction: Interaction
    tags: list[str] = []
    track_engagement: bool = Field(
        default=False, description="A rule asked to keep tracking this interaction's engagement."
    )
    author_groups: list[str] = Field(
        default=[], description="The groups (VIP, press…) the author is in, as read now."
    )
    edited_at: AwareDatetime | None = Field(
        default=None, description="When the network last said its text was edited."
    )
    removed_at: AwareDatetime | None = Field(
        default=None, description="When it was removed on the network; it is kept, marked."
    )
    network_status: str | None = Field(
        default=None,
        description="Its status on the network as the network last reported a change of it "
        "(a Reclame Aqui complaint's ra_status); none until one is reported.",
    )
    network_status_at: AwareDatetime | None = Field(
        default=None, description="When the network says that status was set."
    )
    delivery: Delivery | None = Field(
        default=None,
        description="A reply's way to the network (queued, sent, failed, uncertain); none on "
        "interactions that came from the network.",
    )
    moderation: Moderation | None = Field(
        default=None,
        description="Hidden or deleted on the network by us (POST /v1/interactions/{id}/hide, "
        "/unhide, /delete), or such an action on its way; none if never moderated.",
    )


class TicketDetail(TicketRead):
    interactions: list[StoredInteraction]
    children: list[TicketRead] = Field(default=[], description="Its sub-tickets.")


class TicketPage(Contract):
    items: list[TicketRead]
    total: int = Field(
        description="Tickets matching the filters, counted up to 1,000 (see total_exact)."
    )
    total_exact: bool = Field(
        default=True,
        description='False when more than 1,000 match: show "1,000+". Counting stops there so '
        "a page costs the same on a desk of any size.",
    )
    page: int
    page_size: int
    next_cursor: str | None = Field(
        default=None, description="Pass as cursor for the next page; null on the last page."
    )


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


class TicketAssign(BaseModel):
    """Assign a ticket: to a named agent, or to one of a level's or team's active agents,
    drawn at random or the most available (fewest tickets still needing work). Without a
    level or team, the ticket's own level is used."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        json_schema_extra={
            "examples": [{"agent": "ana"}, {"strategy": "most_available", "level": "legal"}]
        },
    )

    agent: Label | None = None
    strategy: Literal["most_available", "random"] | None = None
    level: Label | None = None
    team: Label | None = None

    @model_validator(mode="after")
    def _one_way(self) -> TicketAssign:
        if (self.agent is None) == (self.strategy is None):
            raise ValueError('name either an "agent" or a "strategy" (most_available or random)')
        if self.agent is not None and (self.level or self.team):
            raise ValueError('"level" and "team" go with a "strategy", not with an "agent"')
        return self


class NoteCreate(BaseModel):
    """An internal note: kept in the ticket's history for agents, never sent to a customer."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        json_schema_extra={"examples": [{"text": "Cliente ligou; aguardando nota fiscal."}]},
    )

    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=10_000)]


class TicketCreate(BaseModel):
    """A ticket an agent opens by hand from a stored interaction ("quick ticket"). The
    conversation's other interactions that have no ticket join it."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        json_schema_extra={
            "examples": [
                {
                    "interaction_id": "6f1c2b4e-1d3a-4b5c-8d9e-0a1b2c3d4e5f",
                    "assign_to_me": True,
                    "priority": "high",
                }
            ]
        },
    )

    interaction_id: UUID
    assign_to_me: bool = Field(default=False, description="Only for agents' own tokens.")
    title: Label | None = None
    priority: Label | None = None
    level: Label | None = Field(
        default=None,
        description="Without assign_to_me, the level's most available agent gets the ticket.",
    )
    status: Literal["new", "open", "pending", "on_hold"] = "open"


class InteractionQuery(BaseModel):
    """Filters for picking stored interactions; every list field is "any of"."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    channel: list[Channel] = []
    kind: list[Kind] = []
    account: list[Label] = []
    author: list[Label] = Field(default=[], description="Author ids.")
    text: Label | None = Field(
        default=None,
        description="Contained in the text, any case (three characters or more use the index).",
    )
    has_ticket: bool | None = None
    occurred_from: AwareDatetime | None = None
    occurred_to: AwareDatetime | None = Field(default=None, description="Exclusive.")
    page: Annotated[int, Field(ge=1, le=MAX_PAGE)] = 1
    page_size: Annotated[int, Field(ge=1, le=MAX_PAGE_SIZE)] = 50


class InteractionPage(Contract):
    items: list[StoredInteraction]
    total: int = Field(description="Interactions matching, counted up to 1,000.")
    total_exact: bool = Field(
        default=True, description='False when more than 1,000 match: show "1,000+".'
    )
    page: int
    page_size: int


class InteractionTags(BaseModel):
    """Tags added to one interaction (existing ones are kept; case is ignored)."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, json_schema_extra={"examples": [{"tags": ["elogio"]}]}
    )

    tags: Annotated[list[Tag], Field(min_length=1, max_length=100)]


class TicketMerge(BaseModel):
    """Merge this ticket into an earlier ticket of the same author."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, json_schema_extra={"examples": [{"into": "2026-000123"}]}
    )

    into: Label = Field(description="The earlier ticket, by id or protocol number.")


class TicketMerged(Contract):
    source: TicketRead
    target: TicketRead


class ChildCreate(BaseModel):
    """A sub-ticket for work with a third party, linked to its parent."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        json_schema_extra={"examples": [{"title": "Pedir laudo à transportadora"}]},
    )

    title: Label
    level: Label | None = Field(default=None, description="The parent's level when absent.")


class TicketExport(Contract):
    """A ticket with its interactions and its whole history, as one JSON document."""

    ticket: TicketDetail
    history: list[HistoryEntry]
    exported_at: AwareDatetime


MAX_BULK = 1_000


class BulkChange(BaseModel):
    """What to do to every selected ticket; absent fields are left alone."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    status: Label | None = None
    priority: Label | None = None
    assignee: Label | None = None
    level: Label | None = Field(default=None, description="Move the tickets to this level.")
    add_tags: Annotated[list[Tag], Field(max_length=100)] = []

    @model_validator(mode="after")
    def _something(self) -> BulkChange:
        if not (self.status or self.priority or self.assignee or self.level or self.add_tags):
            raise ValueError("say what to change: status, priority, assignee, level or add_tags")
        return self


class TicketBulk(BaseModel):
    """A change applied to a list of tickets, or to every ticket a filter matches (up to
    1,000)."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        json_schema_extra={
            "examples": [
                {"ids": ["2026-000123", "2026-000124"], "change": {"add_tags": ["procon"]}},
                {"filter": {"tag": ["spam"]}, "change": {"status": "closed"}},
            ]
        },
    )

    ids: Annotated[list[Label], Field(min_length=1, max_length=MAX_BULK)] | None = Field(
        default=None, description="Ids or protocol numbers."
    )
    filter: TicketQuery | None = Field(
        default=None,
        description="Every ticket matching it (page, page_size and cursor are ignored).",
    )
    change: BulkChange

    @model_validator(mode="after")
    def _one_selection(self) -> TicketBulk:
        if (self.ids is None) == (self.filter is None):
            raise ValueError('select the tickets either by "ids" or by "filter"')
        return self


class BulkResult(Contract):
    ref: str
    ok: bool
    status: int = Field(description="The HTTP status this ticket's change alone would get.")
    detail: str = ""
    ticket: TicketRead | None = None


class BulkReport(Contract):
    results: list[BulkResult]
    succeeded: int
    failed: int
