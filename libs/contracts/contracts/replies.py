"""Replies to customers (docs/domain.md F19): an agent's or a rule's answer, stored on the ticket
as an outbound interaction with a delivery state, asked of the ingestor (which holds the
accounts' credentials) by ``reply.requested.v1`` and settled by ``reply.delivered.v1`` or
``reply.failed.v1``."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, ClassVar, Literal
from uuid import UUID

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from contracts.base import Contract, Event
from contracts.interaction import Channel
from contracts.opinions import MAX_ATTACHMENTS, AttachmentUpload, OpinionAttachment


class DeliveryState(StrEnum):
    PENDING_APPROVAL = "pending_approval"
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    UNCERTAIN = "uncertain"
    """The network may have taken it (the sender stopped between the call and recording its
    answer): shown to the agent, never sent again by itself."""
    REJECTED = "rejected"
    """An approver refused it (``reason`` says why); its author may edit and resubmit it."""


class Delivery(Contract):
    """Where an outbound interaction stands on its way to the network. Interactions imported
    from the network (echoes, the brand's own comments) have none."""

    state: DeliveryState
    network_id: str | None = Field(default=None, description="The network's id of what we sent.")
    sent_at: AwareDatetime | None = None
    reason: str | None = Field(default=None, description="Why it failed or is uncertain.")
    attempts: int = Field(default=0, ge=0, description="Calls made to the network.")


class ReplyMode(StrEnum):
    """What the network is asked to do."""

    COMMENT_REPLY = "comment_reply"
    """A public answer under a comment (Facebook ``/{comment-id}/comments``, Instagram
    ``/{comment-id}/replies``)."""
    PRIVATE_REPLY = "private_reply"
    """A private message about a comment (``/{account-id}/messages``, ``recipient.comment_id``);
    one per comment."""
    DIRECT_MESSAGE = "direct_message"
    """A message in a direct conversation (Send API; 24 h after the customer's last message)."""
    EMAIL = "email"


StatusAfter = Literal["pending", "resolved", "open", "on_hold"]


class ReplyCreate(BaseModel):
    """``POST /v1/tickets/{ref}/replies``."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        json_schema_extra={
            "examples": [
                {"text": "Olá Maria, já estamos verificando.", "status_after": "pending"},
                {"text": "Enviamos o código por mensagem.", "private": True},
            ]
        },
    )

    text: Annotated[str, StringConstraints(strip_whitespace=True, max_length=8_000)] = Field(
        default="",
        description="The reply; with `canned_response`, added after the canned text. One of "
        "the two is needed.",
    )
    canned_response: UUID | None = Field(
        default=None,
        description="A canned response (GET /v1/canned-responses) whose text, placeholders "
        "filled, starts the reply.",
    )
    in_reply_to: UUID | None = Field(
        default=None,
        description="The interaction answered; default the customer's latest on the ticket.",
    )
    private: bool = Field(
        default=False,
        description="A private reply to a comment. Direct messages and e-mails are private "
        "whatever this says.",
    )
    account: Annotated[str, StringConstraints(max_length=64)] | None = Field(
        default=None,
        description="The account it is sent from; default the account the answered "
        "interaction arrived on. It must be one the ticket's level serves.",
    )
    status_after: StatusAfter | None = Field(
        default=None, description="The status the ticket takes once the reply is sent."
    )
    attachments: Annotated[list[AttachmentUpload], Field(max_length=MAX_ATTACHMENTS)] = Field(
        default=[],
        description="Images or documents (base64; the opinion requests' limits). Sent with "
        "e-mail replies.",
    )

    @model_validator(mode="after")
    def _says_something(self) -> ReplyCreate:
        if not self.text and self.canned_response is None:
            raise ValueError("a reply needs text or a canned_response")
        return self


class EmailThreading(Contract):
    """What an e-mail reply needs so the customer's client threads it (RFC 5322 3.6.4)."""

    to: str
    subject: str
    in_reply_to: str | None = None
    references: list[str] = []


class ReplyRequestedV1(Event):
    """Ticketing recorded a reply: the ingestor sends it, once."""

    routing_key: ClassVar[str] = "reply.requested.v1"
    v: Literal[1] = 1
    reply_id: UUID = Field(description="The reply's interaction id on the ticket.")
    ticket_id: UUID
    channel: Channel
    account: str = Field(description="The account it is sent from.")
    mode: ReplyMode
    target: str = Field(
        description="The network's id it answers: the comment, or the customer (DMs)."
    )
    text: str
    author: str = Field(description="Who wrote it: agent:<id> or rule:<id>.")
    attachments: list[OpinionAttachment] = []
    email: EmailThreading | None = None


class DeliveryAttempt(Contract):
    at: AwareDatetime
    outcome: Literal["sent", "retry", "failed", "uncertain"]
    detail: str = ""


class ReplyDeliveredV1(Event):
    """The network took the reply."""

    routing_key: ClassVar[str] = "reply.delivered.v1"
    v: Literal[1] = 1
    reply_id: UUID
    ticket_id: UUID
    network_id: str
    sent_at: AwareDatetime
    attempts: list[DeliveryAttempt] = []


class ReplyFailedV1(Event):
    """The reply was not sent (``uncertain`` false: the network refused or never answered), or
    may have been (``uncertain`` true: the sender stopped after calling the network and before
    recording its answer; it is never sent again by itself)."""

    routing_key: ClassVar[str] = "reply.failed.v1"
    v: Literal[1] = 1
    reply_id: UUID
    ticket_id: UUID
    reason: str
    uncertain: bool = False
    attempts: list[DeliveryAttempt] = []


REPLY_EVENTS: tuple[type[Event], ...] = (ReplyRequestedV1, ReplyDeliveredV1, ReplyFailedV1)
