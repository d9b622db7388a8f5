"""Replies waiting for approval (docs/domain.md F21): on a level with ``moderation_required``
an agent's reply is kept ``pending_approval`` until one of the level's approvers (or an
admin) approves it, after which it is sent like any other, or rejects it with a reason, after
which its author may edit and resubmit it."""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from contracts.base import Contract

ReplyText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=8_000)]


class _Closed(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ApprovalRead(Contract):
    """A reply held for approval, or rejected and waiting for its author."""

    reply_id: UUID
    ticket_id: UUID
    protocol: str
    level: str
    author: str = Field(description="agent:<id> of who wrote it.")
    text: str
    state: Literal["pending_approval", "rejected"]
    reason: str | None = Field(default=None, description="Why it was rejected.")
    channel: str
    account: str
    mode: str
    status_after: str | None = None
    canned_response: str | None = None
    written_at: AwareDatetime
    changed_at: AwareDatetime


class ApprovalQuery(_Closed):
    level: Annotated[str, StringConstraints(max_length=64)] | None = None
    state: Literal["pending_approval", "rejected"] = "pending_approval"


class ApprovalEdit(_Closed):
    """New text: an approver's while it is pending, its author's while pending or rejected
    (a rejected reply stays rejected until it is resubmitted)."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, json_schema_extra={"examples": [{"text": "Olá Maria!"}]}
    )

    text: ReplyText


class ApprovalRejection(_Closed):
    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        json_schema_extra={"examples": [{"reason": "Do not promise a refund date."}]},
    )

    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2_000)]


class ApprovalResubmission(_Closed):
    """The author sends a rejected reply back for approval, with new text or as it is."""

    text: ReplyText | None = None
