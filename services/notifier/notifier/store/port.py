"""The notifier's repository port: the mail log that makes every e-mail go out once, the
users' notification settings, and the opinion requests with their one answer."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol
from uuid import UUID

from servicekit.publishing import OutgoingMessage


class Claim(StrEnum):
    GRANTED = "granted"  # this process sends it now
    DONE = "done"  # already sent (or refused for good): nothing to do
    BUSY = "busy"  # another process is sending it right now


class Answered(StrEnum):
    NOW = "now"  # this call recorded the answer
    BEFORE = "before"  # the request had been answered already: nothing was written
    MISSING = "missing"  # no such request


@dataclass(frozen=True)
class StoredSettings:
    user_id: str
    language: str | None
    alerts: dict[str, bool]


@dataclass(frozen=True)
class OpinionRequest:
    """What the collaborator's link opens: ``shared`` is the OpinionRequestedV1 body without
    the attachments' bytes (those went out with the e-mail)."""

    request_id: UUID
    ticket_id: UUID
    email: str
    expires_at: datetime
    shared: dict[str, Any]
    answered_at: datetime | None = None


class MailLog(Protocol):
    """One row per (event, recipient): the guard that makes e-mails go out once."""

    backend: str

    async def open(self) -> None: ...

    async def close(self) -> None: ...

    async def ping(self) -> None:
        """Raise when the database cannot be reached (the health checks call it)."""
        ...

    async def claim(self, event_id: UUID, recipient: str, *, lease_seconds: float) -> Claim: ...

    async def finish(self, event_id: UUID, recipient: str, *, outcome: str) -> None:
        """Record the final outcome: "sent" or "refused" (the server rejected the address)."""
        ...

    async def release(self, event_id: UUID, recipient: str) -> None:
        """Give up the claim after a transient failure so a retry can take it at once."""
        ...

    async def outcome(self, event_id: UUID, recipient: str) -> str | None:
        """ "sent", "refused", or None while the mail is not settled."""
        ...


class SettingsStore(Protocol):
    async def get_settings(self, user_id: str) -> StoredSettings | None: ...

    async def put_settings(self, settings: StoredSettings) -> None: ...

    async def settings_of(self, user_ids: Sequence[str]) -> dict[str, StoredSettings]: ...


class OpinionStore(Protocol):
    async def save_opinion_request(self, request: OpinionRequest) -> OpinionRequest:
        """Store the request unless it is known; return the stored one (a redelivered event
        must not extend the link's life)."""
        ...

    async def get_opinion_request(self, request_id: UUID) -> OpinionRequest | None: ...

    async def answer_opinion_request(
        self, request_id: UUID, *, answered_at: datetime, announce: OutgoingMessage
    ) -> Answered:
        """Mark the request answered, atomically and only once, keeping ``announce`` in an
        outbox until ``mark_published``."""
        ...

    async def claim_unpublished(
        self, *, older_than_seconds: float, lease_seconds: float, limit: int
    ) -> Sequence[OutgoingMessage]: ...

    async def mark_published(self, ids: Sequence[UUID]) -> None: ...


class NotifierStore(MailLog, SettingsStore, OpinionStore, Protocol):
    """Everything the notifier keeps, behind one store per process."""
