"""Opinion requests (F31): an agent shares a ticket with an outside collaborator by e-mail;
the collaborator answers once, through a link, without an account.

Ticketing records the request and publishes ``OpinionRequestedV1``; the notifier mails the
link and, when the collaborator answers, publishes ``OpinionReceivedV1``; ticketing adds the
answer to the ticket as an internal entry and asks for the "opinion arrived" alert."""

from __future__ import annotations

import base64
import binascii
import unicodedata
from typing import Annotated, ClassVar, Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, field_validator

from contracts.base import Contract, Event
from contracts.events import TicketSnapshot

MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024
MAX_ATTACHMENTS_TOTAL_BYTES = 10 * 1024 * 1024
MAX_ATTACHMENTS = 5
ALLOWED_ATTACHMENT_TYPES = frozenset(
    {
        "application/pdf",
        "text/plain",
        "text/csv",
        "application/msword",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.ms-excel",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.oasis.opendocument.text",
        "application/vnd.oasis.opendocument.spreadsheet",
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/webp",
    }
)
"""Documents and images only: an opinion request is no way to pass executables around."""


def has_control_characters(name: str) -> bool:
    """Line breaks, tabs, NUL, escape... (Unicode's "Cc"), and the bidirectional overrides that
    make ``exe.png`` of ``gnp.exe``: none belongs in a file name shown in a mail."""
    return any(unicodedata.category(c) == "Cc" or c in _BIDI_OVERRIDES for c in name)


_BIDI_OVERRIDES = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def safe_basename(name: str) -> str:
    """The last part of a path a client sent as a file name, without control characters
    (``../../report.png`` and ``C:\\x\\report.png`` are ``report.png``); empty when nothing
    usable is left. A name becomes a file on the collaborator's disk: a path in it must not
    choose where."""
    cleaned = "".join(c for c in name if not has_control_characters(c))
    base = cleaned.replace("\\", "/").rsplit("/", 1)[-1].strip()
    return "" if base in {".", ".."} else base


EmailAddress = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=3, max_length=254, pattern=r"^[^@\s<>,;]+@[^@\s<>,;]+$"
    ),
]
Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=10_000)]


class OpinionAttachment(Contract):
    """A file travelling with a request or an answer, its bytes in base64."""

    filename: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    content_type: str
    size: int = Field(ge=0, description="Bytes after decoding.")
    content_base64: str

    def content(self) -> bytes:
        return base64.b64decode(self.content_base64)


class SharedInteraction(Contract):
    """One interaction of the ticket as the collaborator sees it."""

    occurred_at: AwareDatetime
    channel: str
    kind: str
    direction: str
    author: str
    text: str


class OpinionRequestedV1(Event):
    routing_key: ClassVar[str] = "opinion.requested.v1"
    v: Literal[1] = 1
    request_id: UUID
    ticket: TicketSnapshot
    interactions: list[SharedInteraction]
    note: str = ""
    attachments: list[OpinionAttachment] = []
    collaborator_email: str
    requested_by: str = Field(description="The agent who shared the ticket.")


class OpinionReceivedV1(Event):
    """The collaborator answered (once: the notifier refuses a second answer)."""

    routing_key: ClassVar[str] = "opinion.received.v1"
    v: Literal[1] = 1
    request_id: UUID
    ticket_id: UUID
    collaborator_email: str
    text: str
    attachment: OpinionAttachment | None = None
    answered_at: AwareDatetime


class OpinionUndeliverableV1(Event):
    """The collaborator's mail server refused the request for good: nobody will answer it.
    ``id`` is derived from the request, so a repeat is a duplicate."""

    routing_key: ClassVar[str] = "opinion.undeliverable.v1"
    v: Literal[1] = 1
    request_id: UUID
    ticket_id: UUID
    collaborator_email: str
    reason: str


class AttachmentUpload(BaseModel):
    """An attachment as an HTTP client sends it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    filename: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    content_type: Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True)]
    content_base64: str = Field(description="The file's bytes, base64-encoded.")

    @field_validator("content_base64")
    @classmethod
    def _is_base64(cls, value: str) -> str:
        try:
            base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ValueError("the file content is not valid base64") from exc
        return value

    def content(self) -> bytes:
        return base64.b64decode(self.content_base64)

    def decoded_size(self) -> int:
        return len(self.content())

    def to_attachment(self) -> OpinionAttachment:
        return OpinionAttachment(
            filename=self.filename,
            content_type=self.content_type,
            size=self.decoded_size(),
            content_base64=self.content_base64,
        )


class OpinionRequestCreate(BaseModel):
    """``POST /v1/tickets/{id}/opinion-requests``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    email: EmailAddress
    note: Note = ""
    attachments: Annotated[list[AttachmentUpload], Field(max_length=MAX_ATTACHMENTS)] = []


class OpinionRequestRead(Contract):
    request_id: UUID
    ticket_id: UUID
    protocol: str
    email: str
    note: str
    attachments: list[str]
    requested_by: str
    requested_at: AwareDatetime


class OpinionAnswer(BaseModel):
    """``POST /v1/opinions/{token}``: the collaborator's answer."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20_000)]
    attachment: AttachmentUpload | None = None
