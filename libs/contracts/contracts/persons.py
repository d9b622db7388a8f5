"""People (the customers behind the authors), their unification and their groups, as the
gateway submits them and ticketing answers (docs/domain.md F28-F30). Every author of every
channel is a person; an identity is one author on one channel (``channel:author id``)."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, EmailStr, Field, StringConstraints

from contracts.base import Contract, Event
from contracts.interaction import Channel
from contracts.tickets import MAX_PAGE, MAX_PAGE_SIZE, StoredInteraction, TicketRead

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1_000)]
GroupName = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=64, pattern=r"^[\w][\w .@-]*$"
    ),
]
IdentityKey = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=3, max_length=300, pattern=":")
]
FieldValue = str | int | float | bool | None


class _Closed(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Identity(Contract):
    """One author on one channel, as the network showed them last."""

    key: str = Field(description="channel:author id, unique across people.")
    channel: Channel
    author_id: str
    name: str = ""
    handle: str = ""
    email: str | None = Field(
        default=None, description="The address the channel itself proved (an e-mail's sender)."
    )


class PersonChange(Contract):
    """One line of a person's history: an edit, a unification, a split, a group change."""

    at: AwareDatetime
    actor: str
    action: Literal["created", "edited", "unified", "split", "grouped", "ungrouped"]
    field: str | None = None
    before: Any = None
    after: Any = None
    reason: str | None = None
    detail: dict[str, Any] = {}


class Unification(Contract):
    """A person absorbed into another: enough to split them apart again as they were."""

    id: UUID
    at: AwareDatetime
    actor: str
    reason: str
    absorbed_id: UUID
    identities: list[str]
    data: dict[str, Any] = Field(description="The absorbed person's own data, restored on split.")


class PersonRead(Contract):
    id: UUID
    name: str
    tax_id: str | None = None
    emails: list[str] = []
    phones: list[str] = []
    fields: dict[str, Any] = {}
    identities: list[Identity] = []
    groups: list[str] = []
    channels: list[Channel] = []
    unifications: list[Unification] = []
    created_at: AwareDatetime
    updated_at: AwareDatetime
    version: int


class PersonCounts(Contract):
    open_here: int = Field(description="Open tickets in the caller's levels (all, for admins).")
    open_elsewhere: int = Field(description="Open tickets in other levels.")
    past: int = Field(description="Resolved or closed tickets.")
    interactions: int = Field(description="Interactions across every channel (up to 1,000).")


class PersonDetail(PersonRead):
    """The author panel (F28): the person, their tickets and their interactions on every
    channel, newest first."""

    open_here: list[TicketRead] = []
    open_elsewhere: list[TicketRead] = Field(
        default=[], description="Agents see only those of other levels they may see."
    )
    past: list[TicketRead] = []
    interactions: list[StoredInteraction] = []
    counts: PersonCounts
    history: list[PersonChange] = []


class PersonPatch(_Closed):
    """Editable person data; absent fields stay as they are, null clears one."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        json_schema_extra={
            "examples": [{"name": "Maria Souza", "tax_id": "529.982.247-25", "emails": ["m@x.com"]}]
        },
    )

    name: Text | None = None
    tax_id: Text | None = Field(
        default=None, description="A CPF (11 digits) or CNPJ (14), check digits verified."
    )
    emails: Annotated[list[EmailStr], Field(max_length=20)] | None = None
    phones: Annotated[list[Text], Field(max_length=20)] | None = None
    fields: Annotated[dict[Text, FieldValue], Field(max_length=100)] | None = Field(
        default=None, description="Merged into the person's fields; a null value removes one."
    )


class PersonQuery(_Closed):
    """Filters for listing people; ordered by name, then id."""

    q: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = Field(
        default=None, description="Part of the name, an e-mail, a tax id or a handle."
    )
    group: list[GroupName] = []
    channel: list[Channel] = []
    page: Annotated[int, Field(ge=1, le=MAX_PAGE)] = 1
    page_size: Annotated[int, Field(ge=1, le=MAX_PAGE_SIZE)] = 50


class PersonPage(Contract):
    items: list[PersonRead]
    page: int
    page_size: int
    more: bool = Field(description="Another page follows.")


class Proposal(Contract):
    """Another person who shares a tax id or e-mail with this one."""

    person: PersonRead
    matched_on: list[str] = Field(description='e.g. ["email:m@x.com", "tax_id:52998224725"]')


class PersonUnify(_Closed):
    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        json_schema_extra={"examples": [{"other": "6f1c2b4e-1d3a-4b5c-8d9e-0a1b2c3d4e5f"}]},
    )

    other: UUID = Field(description="The person absorbed into this one.")
    reason: Reason = "same person"


class PersonSplit(_Closed):
    """Take identities out into a person of their own. Naming a unification restores the
    absorbed person as it was (its id, data and identities)."""

    unification: UUID | None = None
    identities: Annotated[list[IdentityKey], Field(max_length=100)] = []
    reason: Reason = "not the same person"


class PersonSplitResult(Contract):
    person: PersonRead
    split_off: PersonRead


class GroupCreate(_Closed):
    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        json_schema_extra={"examples": [{"name": "VIP", "description": "Top customers"}]},
    )

    name: GroupName
    description: Annotated[str, StringConstraints(max_length=1_000)] = ""


class GroupRead(Contract):
    name: str
    description: str = ""
    created_at: AwareDatetime
    created_by: str


class GroupMember(_Closed):
    person: UUID
    reason: Reason | None = None


class UnificationSettings(_Closed):
    """Whether people sharing a verified tax id or e-mail are unified as soon as the match
    appears (otherwise it is only proposed)."""

    auto_unify: bool = False


class PersonChangedV1(Event):
    """A person's identities or groups changed (made, edited, grouped, unified, split). The
    rules service keeps from these which groups each identity's person is in, for the
    ``author_groups_any`` condition, without asking ticketing per interaction. A person
    absorbed by a unification is announced ``removed``; its identities come in the absorbing
    person's event."""

    routing_key: ClassVar[str] = "person.changed.v1"
    v: Literal[1] = 1
    person_id: UUID
    identities: list[str] = Field(description="channel:author id of each identity it holds.")
    groups: list[str] = []
    removed: bool = False
