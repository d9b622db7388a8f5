"""Moderating the networks' content (docs/domain.md F23, issue 11 part 7): hide, unhide or
delete a customer's comment where the network allows it. Asked by ticketing through its
outbox (``moderation.requested.v1``), done by the ingestor, which holds the accounts'
credentials, and settled by ``moderation.done.v1`` or ``moderation.failed.v1``."""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar, Literal
from uuid import UUID

from pydantic import AwareDatetime, Field

from contracts.base import Contract, Event
from contracts.interaction import Channel, Kind


class ModerationAction(StrEnum):
    HIDE = "hide"
    UNHIDE = "unhide"
    DELETE = "delete"


class Moderation(Contract):
    """Where a stored interaction stands on its network, as far as we moderated it."""

    hidden: bool = False
    deleted: bool = False
    pending: ModerationAction | None = Field(
        default=None, description="Asked of the network, not yet answered."
    )
    reason: str | None = Field(default=None, description="Why the last action failed.")
    at: AwareDatetime | None = Field(default=None, description="When the network last answered.")


class ModerationRequestedV1(Event):
    """Ticketing recorded an agent's moderation: the ingestor asks the network."""

    routing_key: ClassVar[str] = "moderation.requested.v1"
    v: Literal[1] = 1
    request_id: UUID
    interaction_id: UUID
    ticket_id: UUID
    channel: Channel
    account: str
    kind: Kind
    target: str = Field(description="The network's id of the comment.")
    action: ModerationAction
    actor: str


class ModerationDoneV1(Event):
    routing_key: ClassVar[str] = "moderation.done.v1"
    v: Literal[1] = 1
    request_id: UUID
    interaction_id: UUID
    ticket_id: UUID
    action: ModerationAction
    at: AwareDatetime


class ModerationFailedV1(Event):
    routing_key: ClassVar[str] = "moderation.failed.v1"
    v: Literal[1] = 1
    request_id: UUID
    interaction_id: UUID
    ticket_id: UUID
    action: ModerationAction
    reason: str


MODERATION_EVENTS: tuple[type[Event], ...] = (
    ModerationRequestedV1,
    ModerationDoneV1,
    ModerationFailedV1,
)
