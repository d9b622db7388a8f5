"""Accounts (docs/domain.md "account"): a brand's profile on one network, owned by the
ingestor. Credentials are write-only: they travel in requests and never in any answer."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, ClassVar, Literal

from pydantic import (
    AwareDatetime,
    ConfigDict,
    Field,
    SecretStr,
    StringConstraints,
    model_validator,
)

from contracts.base import Contract, Event
from contracts.interaction import Channel
from contracts.strict import Strict

ACCOUNT_ID_PATTERN = r"^[a-z0-9][a-z0-9._-]{0,63}$"
AccountId = Annotated[
    str, StringConstraints(pattern=ACCOUNT_ID_PATTERN, min_length=1, max_length=64)
]
"""Also the ``account`` of every interaction that arrives on it, and what levels serve."""


class Collect(StrEnum):
    COMMENTS = "comments"
    DIRECT_MESSAGES = "direct_messages"
    MENTIONS = "mentions"
    REVIEWS = "reviews"
    EMAILS = "emails"


class HealthState(StrEnum):
    OK = "ok"
    THROTTLED = "throttled"
    FAILING = "failing"
    DISABLED = "disabled"


class AccountHealth(Contract):
    state: HealthState = HealthState.OK
    last_event_at: AwareDatetime | None = None
    last_poll_at: AwareDatetime | None = Field(
        default=None, description="The last successful poll (networks without push)."
    )
    last_error: str | None = None
    consecutive_failures: int = Field(default=0, ge=0)
    changed_at: AwareDatetime | None = Field(
        default=None, description="When the state last changed (None: ok since it was added)."
    )


class AccountFields(Strict):
    channel: Channel
    network_id: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=256)
    ]
    """The network's id for the profile: page id, Instagram business id, X user id, YouTube
    channel id, Google location name, Reclame Aqui company, mailbox, LinkedIn organisation."""
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    collect: Annotated[list[Collect], Field(max_length=5)] = [
        Collect.COMMENTS,
        Collect.DIRECT_MESSAGES,
    ]
    active: bool = True
    credentials: dict[str, SecretStr] | None = Field(
        default=None,
        description="Write-only (tokens, passwords). Never returned; encrypted at rest. "
        "Omitted on a replace: the stored ones are kept.",
    )


class AccountCreate(AccountFields):
    id: AccountId


class AccountReplace(Strict):
    """With ``expected_revision``, refused (409, code ``stale_revision``) when the account is
    no longer at that revision."""

    id: AccountId
    body: AccountFields
    expected_revision: int | None = Field(default=None, ge=0)


class AccountKey(Strict):
    id: AccountId


class ReplayWindow(Strict):
    """Which kept deliveries a replay reads again: those received in [``from``, ``to``)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    since: AwareDatetime = Field(alias="from")
    until: AwareDatetime = Field(alias="to")

    @model_validator(mode="after")
    def _ordered(self) -> ReplayWindow:
        if self.until <= self.since:
            raise ValueError("`to` must be after `from`")
        return self


class AccountReplay(Strict):
    id: AccountId
    window: ReplayWindow


class Replayed(Contract):
    """What a replay came to: the kept deliveries it read, the interactions and changes of
    the account that were new (``accepted``) or already stored (``duplicates``)."""

    deliveries: int
    accepted: int
    duplicates: int


class AccountsQuery(Strict):
    """Every account: a brand has a handful, not thousands."""


class AccountRead(Contract):
    id: str
    channel: Channel
    network_id: str
    name: str
    collect: list[Collect]
    active: bool
    has_credentials: bool
    health: AccountHealth
    created_at: AwareDatetime
    updated_at: AwareDatetime
    revision: int = Field(
        default=0,
        description="Moves on every change an administrator saves (not on health updates); "
        "send it back as `If-Match` so a save over someone else's newer one is refused with "
        "409.",
    )


class AccountList(Contract):
    items: list[AccountRead]


class Deleted(Contract):
    deleted: bool = True


class AccountHealthChangedV1(Event):
    """A polled account's health changed state: it turned failing or throttled (an incident)
    or came back to ok (a recovery). The ingestor writes it in the same store write as the
    transition, so there is one event per transition whichever replica polled; the notifier
    mails the deployment's admins once per event."""

    routing_key: ClassVar[str] = "account.health_changed.v1"
    v: Literal[1] = 1
    account: str
    channel: Channel
    network_id: str
    name: str
    before: HealthState
    after: HealthState
    last_error: str | None = None
    consecutive_failures: int = Field(default=0, ge=0)
