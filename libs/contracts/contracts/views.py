"""Saved and built-in views of the ticket list, the board, and full-text search
(docs/domain.md F33; docs/api.md "Views, board and search")."""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
)

from contracts.base import Contract
from contracts.tickets import (
    MAX_PAGE_SIZE,
    Label,
    TicketFilters,
    TicketRead,
    TicketSort,
    has_a_word,
)

ViewName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
MAX_SHARED_LEVELS = 50


class ViewCreate(BaseModel):
    """A saved view: a name, a filter set and an order. Without ``shared_with`` it is its
    owner's alone; with levels, every agent of those levels sees it too (admins see all)."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        json_schema_extra={
            "examples": [
                {
                    "name": "Reclame Aqui urgente",
                    "filters": {"channel": ["reclame_aqui"], "priority": ["urgent"]},
                    "sort": "opened",
                    "shared_with": ["N2"],
                }
            ]
        },
    )

    name: ViewName
    filters: TicketFilters = TicketFilters()
    sort: TicketSort = "updated"
    order: Literal["desc", "asc"] = "desc"
    shared_with: Annotated[list[Label], Field(max_length=MAX_SHARED_LEVELS)] = Field(
        default=[], description="Levels whose agents see the view; empty: only its owner."
    )


class ViewRead(Contract):
    id: str = Field(description='A UUID, or "builtin:<name>" for the views every desk has.')
    name: str
    filters: TicketFilters
    sort: TicketSort
    order: Literal["desc", "asc"] = "desc"
    shared_with: list[str] = []
    owner: str | None = Field(default=None, description="The agent who saved it; null if built in.")
    builtin: bool = False
    count: int | None = Field(
        default=None, description="Tickets it holds that you may see, counted up to 1,000."
    )
    count_exact: bool = Field(default=True, description='False past 1,000: show "1,000+".')
    created_at: AwareDatetime | None = None


class ViewTicketsQuery(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    status: Label | None = Field(
        default=None, description="Only this status (a board column's further pages)."
    )
    page_size: Annotated[int, Field(ge=1, le=MAX_PAGE_SIZE)] = 50
    cursor: Annotated[str, StringConstraints(max_length=300)] | None = Field(
        default=None, description="The previous page's next_cursor."
    )


class BoardColumn(Contract):
    status: str
    count: int
    count_exact: bool = True
    items: list[TicketRead]
    next_cursor: str | None = Field(
        default=None,
        description="The column's next page: GET /v1/views/{id}/tickets?status=<status>&cursor=…",
    )


class Board(Contract):
    """A view's tickets by status, for a kanban: each column's count and first page."""

    view: ViewRead
    columns: list[BoardColumn]


class SearchQuery(BaseModel):
    """Full-text search over tickets' titles and interactions' texts."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    q: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)] = (
        Field(description="Words to find, any case, with or without accents; all must match.")
    )
    limit: Annotated[int, Field(ge=1, le=100)] = 20

    @field_validator("q")
    @classmethod
    def _some_word(cls, q: str) -> str:
        return has_a_word(q)


class SearchHit(Contract):
    """One ticket or interaction that matches, best first. ``highlight`` is the matching
    text with each matched word between ``<mark>`` and ``</mark>`` (the rest is escaped)."""

    kind: Literal["ticket", "interaction"]
    id: UUID = Field(description="The ticket's id, or the interaction's.")
    ticket_id: UUID | None
    protocol: str | None = None
    interaction_id: UUID | None = None
    field: Literal["title", "text"]
    highlight: str
    score: float = Field(description="Higher is better; a title match outweighs a text match.")


class SearchResults(Contract):
    q: str
    items: list[SearchHit]
